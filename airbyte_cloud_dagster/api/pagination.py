"""Listing: every item of a list endpoint, page by page.

Offsets are computed here: ``next`` links drop the status/date/orderBy filters and may carry a
wrong host (docs/airbyte/behaviour.md, "Pagination"), so they are never followed.

>>> list(pages(transport, "/connections", {}, AirbyteConnection.from_api, limit=None))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from airbyte_cloud_dagster.api.errors import AirbyteResponseError
from airbyte_cloud_dagster.api.responses import wrong_api_url_hint
from airbyte_cloud_dagster.api.transport import Transport

__all__ = ["PAGE_SIZE", "pages"]

PAGE_SIZE = 100  # the API's maximum `limit` (the spec's listJobs, listConnections, ...)

_Model = TypeVar("_Model")


def pages(
    transport: Transport,
    path: str,
    params: dict[str, Any],
    parse: Callable[[Any], _Model],
    limit: int | None,
) -> Iterator[_Model]:
    """The parsed items of ``GET path``, at most ``limit`` of them (None: all)."""
    offset = 0
    while limit is None or offset < limit:
        page_size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - offset)
        payload = transport.request_json(
            "GET", path, params={**params, "limit": page_size, "offset": offset}
        )
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise AirbyteResponseError(
                f"GET {transport.base_path}{path} returned a page without a 'data' list, so "
                f"this is not the Airbyte API answering; {wrong_api_url_hint(transport.base_url)}."
            )
        yield from (parse(item) for item in data)
        offset += len(data)
        if len(data) < page_size:
            return
