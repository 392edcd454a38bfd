"""List pagination exactly as the real server does it (docs/airbyte/behaviour.md, "Pagination").

- ``limit`` 1..100 (default 20) and ``offset`` >= 0; anything else is a 400.
- ``next`` is set whenever the page is non-empty, so a client walking the links makes one extra
  call that returns an empty page; ``previous`` is set when ``offset > 0``; empty is ``""``.
- The links keep ``limit``/``offset`` and the id filters but DROP ``status``, the date filters
  and ``orderBy``: a client that follows them silently loses its filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from airbyte_cloud_dagster.sandbox.problems import bad_request

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Query parameters the real server leaves out of next/previous links.
DROPPED_FROM_LINKS = frozenset(
    {"status", "createdAtStart", "createdAtEnd", "updatedAtStart", "updatedAtEnd", "orderBy"}
)


def _int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"Query parameter '{name}' must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(f"Query parameter '{name}' must be {bound}, got {value}")
    return value


def page_params(request: Request) -> tuple[int, int]:
    """(limit, offset) from the query string, validated like the real server."""
    limit = _int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_param(request, "offset", 0, 0, None)
    return limit, offset


def _link(request: Request, limit: int, offset: int) -> str:
    kept = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in DROPPED_FROM_LINKS and k not in ("limit", "offset")
    ]
    query = urlencode([*kept, ("limit", str(limit)), ("offset", str(offset))])
    return f"{request.url.scheme}://{request.url.netloc}{request.url.path}?{query}"


def paginate(request: Request, items: Sequence[T]) -> tuple[list[T], dict[str, str]]:
    """The page of ``items`` the query asks for, and its ``next``/``previous`` links."""
    limit, offset = page_params(request)
    page = list(items[offset : offset + limit])
    links = {
        "next": _link(request, limit, offset + limit) if page else "",
        "previous": _link(request, limit, max(0, offset - limit)) if offset > 0 else "",
    }
    return page, links


def page_body(request: Request, items: Sequence[Any], render: Any) -> dict[str, Any]:
    """``{"data": [...], "next": ..., "previous": ...}``, each item passed through ``render``."""
    page, links = paginate(request, items)
    return {"data": [render(item) for item in page], **links}
