"""From an HTTP answer to a result or to the precise error, with a message that says what was
asked, what came back, and what to do next.

Never assumes JSON: proxies answer 502/503/504 with HTML (docs/airbyte/behaviour.md, "Errors"). A
404 or 405 that is not an answer of the Airbyte API (an HTML page, plain text, JSON that is not a
problem object) means the request reached some other server or path: ``api_url`` is wrong, and the
message says so and shows the expected forms.

An answer larger than ``MAX_ANSWER_BYTES`` is not read (``limit_answer_size``, a session hook):
Airbyte's largest answers are a few MB, and a body without end would hold the worker forever.

Likewise an auth error from something in front of Airbyte (``is_gate_answer``) says which setting
reaches past it: a 403 that is not JSON comes from an access proxy such as Cloudflare Access or
IAP (``extra_headers``), a 401 asking for Basic auth from a Basic-auth proxy (``username`` and
``password``), a 407 from a forward proxy (``proxy_url``).

>>> raise error_for_response("GET", "/v1/jobs/42", response, retried=True, api_url=url)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from airbyte_cloud_dagster.api.errors import (
    AirbyteAuthError,
    AirbyteBadRequest,
    AirbyteConflict,
    AirbyteNotFound,
    AirbyteRateLimited,
    AirbyteRequestError,
    AirbyteResponseError,
    AirbyteServerError,
)
from airbyte_cloud_dagster.api.session import RETRY_STATUSES, retry_after_seconds

__all__ = [
    "EXPECTED_API_URLS",
    "MAX_ANSWER_BYTES",
    "decode_json",
    "error_for_response",
    "excerpt",
    "is_gate_answer",
    "limit_answer_size",
    "wrong_api_url_hint",
]

EXCERPT_LENGTH = 200
EXPECTED_API_URLS = (
    "https://api.airbyte.com/v1 for Airbyte Cloud, https://<host>/api/public/v1 for "
    "self-managed Airbyte"
)

# The largest answer read. Airbyte's largest -- a page of 100 connections with their streams, a
# big source's stream properties -- are a few MB; one far larger is not the Airbyte API answering
# (a misrouted download, a proxy streaming without end), and reading it whole could take the
# worker's memory, or never end.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_WHITESPACE = re.compile(r"\s+")
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SLUG = re.compile(r"[a-z0-9-]+")


def wrong_api_url_hint(api_url: str | None) -> str:
    """The sentence that says ``api_url`` looks wrong and what it should look like."""
    shown = f"api_url={api_url!r}" if api_url else "api_url"
    return f"{shown} looks wrong: the Airbyte API is at {EXPECTED_API_URLS}"


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a body, whitespace collapsed, for an error message."""
    collapsed = _WHITESPACE.sub(" ", text).strip()
    return collapsed if len(collapsed) <= length else collapsed[:length].rstrip() + "..."


@dataclass(frozen=True)
class _Answer:
    """What an error answer said, as far as an error message needs it."""

    is_problem: bool  # an Airbyte problem object: {"status", "type", "title", "detail", "data"}
    detail: str | None
    problem_type: str | None = None
    resource: tuple[str, str] | None = None  # (resourceType, resourceId) of a 404


def _read_answer(response: requests.Response) -> _Answer:
    try:
        body: Any = response.json()
    except (ValueError, RecursionError):  # HTML from a proxy, plain text from a gateway, ...
        text = response.text
        return _Answer(is_problem=False, detail=excerpt(text) if text.strip() else None)
    if not isinstance(body, dict):
        return _Answer(is_problem=False, detail=excerpt(json.dumps(body)))
    is_problem = (
        isinstance(body.get("title"), str)
        and ("type" in body or "data" in body)
        and "status" in body
    )
    resource = _resource(body)
    return _Answer(
        is_problem=is_problem,
        detail=_detail(body, resource),
        problem_type=_problem_type(body) if is_problem else None,
        resource=resource,
    )


def _detail(body: dict[str, Any], resource: tuple[str, str] | None) -> str:
    if resource is not None:
        # 404 resource-not-found: ``data`` = {resourceType, resourceId}
        # (docs/airbyte/behaviour.md, "Errors").
        kind, resource_id = resource
        return f"{kind} {resource_id} was not found"
    # The specific message is usually in data.message; `detail` is generic.
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("message"), str) and data["message"]:
        return excerpt(data["message"])
    for key in ("detail", "message", "title"):
        if isinstance(body.get(key), str) and body[key]:
            return excerpt(body[key])
    return excerpt(json.dumps(body))


def _resource(body: Any) -> tuple[str, str] | None:
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and data.get("resourceType"):
        return str(data["resourceType"]), str(data.get("resourceId", "?"))
    return None


def _problem_type(body: dict[str, Any]) -> str | None:
    """The slug (``try-again-later``): ``title`` on Airbyte, else the tail of the ``type`` URL."""
    title = body.get("title")
    if isinstance(title, str) and _SLUG.fullmatch(title):
        return title
    kind = body.get("type")
    if isinstance(kind, str) and kind:
        return re.split(r"[#/]", kind.rstrip("/"))[-1] or None
    return None


def _asks_for_basic(response: requests.Response) -> bool:
    return response.headers.get("WWW-Authenticate", "").lower().startswith("basic")


def is_gate_answer(response: requests.Response) -> bool:
    """Whether an auth error came from something in front of Airbyte rather than from Airbyte:
    a 403 that is not JSON (Airbyte's errors are, docs/airbyte/behaviour.md, "Errors"; an access
    proxy's are HTML or text), a 401 asking for Basic auth, or a 407."""
    status = response.status_code
    if status == 403:
        try:
            response.json()
        except (ValueError, RecursionError):
            return True
        return False
    return status == 407 or (status == 401 and _asks_for_basic(response))


_NEXT_STEP = {
    400: "check the arguments passed to the client",
    401: "check the credentials",
    403: "check that these credentials may access this workspace and resource",
    404: "check that the id is right and visible to these credentials",
    409: "check the state of the resource in Airbyte and try again later",
    422: "check the arguments passed to the client",
}

_ERROR_CLASSES: dict[int, type[AirbyteRequestError]] = {
    400: AirbyteBadRequest,
    422: AirbyteBadRequest,
    401: AirbyteAuthError,
    403: AirbyteAuthError,
    407: AirbyteAuthError,
    404: AirbyteNotFound,
    409: AirbyteConflict,
    429: AirbyteRateLimited,
}


def error_for_response(
    method: str,
    full_path: str,
    response: requests.Response,
    *,
    retried: bool,
    api_url: str | None = None,
) -> AirbyteRequestError:
    """Map an error answer to the precise exception and its message."""
    status = response.status_code
    answer = _read_answer(response)
    cls = _ERROR_CLASSES.get(status, AirbyteServerError if status >= 500 else AirbyteRequestError)
    attributes: dict[str, Any] = {
        "status_code": status,
        "method": method,
        "path": full_path,
        "detail": answer.detail,
        "problem_type": answer.problem_type,
        "retry_after": retry_after_seconds(response.headers.get("Retry-After")),
    }
    if cls is AirbyteNotFound and answer.resource is not None:
        attributes["resource_type"], attributes["resource_id"] = answer.resource
    said = f"{answer.detail.rstrip('.')!r}" if answer.detail else "an empty body"
    if status == 405 or (status == 404 and not answer.is_problem):
        # Not the Airbyte API answering: some other server, or the right host at a wrong path.
        message = (
            f"{method} {full_path} returned {status}, and not from the Airbyte API "
            f"({said}); {wrong_api_url_hint(api_url)}."
        )
        return cls(message, **attributes)
    if is_gate_answer(response):
        title = _HTML_TITLE.search(response.text)  # a gate's HTML page: its title says enough
        said = repr(excerpt(title.group(1))) if title and title.group(1).strip() else said
        return cls(_gate_message(method, full_path, response, said), **attributes)
    returned = f"{status} {answer.problem_type}" if answer.problem_type else f"{status}"
    if status in RETRY_STATUSES:
        returned += " on every retry" if retried else " (not retried)"
    said = f": {answer.detail.rstrip('.')}" if answer.detail else " with an empty body"
    if status == 429:
        next_step = "Airbyte is shedding load; try again later or run fewer requests at once"
    elif status >= 500:
        next_step = "Airbyte or a proxy in front of it is failing; try again later"
    else:
        next_step = _NEXT_STEP.get(status, "check the request and the Airbyte server logs")
    return cls(f"{method} {full_path} returned {returned}{said}; {next_step}.", **attributes)


def _gate_message(method: str, full_path: str, response: requests.Response, said: str) -> str:
    """What to do about a refusal by a gate in front of Airbyte (see :func:`is_gate_answer`)."""
    status = response.status_code
    if status == 407:
        return (
            f"{method} {full_path} returned 407 from the proxy ({said}); check the user and "
            f"password in proxy_url (http://user:password@host:port)."
        )
    if status == 401:
        return (
            f"{method} {full_path} returned 401 asking for HTTP Basic auth ({said}); pass "
            f"username and password."
        )
    return (
        f"{method} {full_path} returned 403, and not from the Airbyte API ({said}), so a gate in "
        f"front of Airbyte (Cloudflare Access, IAP, ...) refused it; pass the headers it expects "
        f"in extra_headers, e.g. CF-Access-Client-Id and CF-Access-Client-Secret."
    )


def decode_json(
    method: str, full_path: str, response: requests.Response, *, api_url: str | None = None
) -> Any:
    """The JSON body of a success answer, or AirbyteResponseError with the body's start."""
    try:
        return response.json()
    except RecursionError:  # e.g. [[[[...]]]]: more levels than Python's parser can take
        raise AirbyteResponseError(
            f"{method} {full_path} returned {response.status_code} with JSON nested too deep to "
            f"read, so this is not the Airbyte API answering; {wrong_api_url_hint(api_url)}."
        ) from None
    except ValueError:
        shown = excerpt(response.text) or "an empty body"
        raise AirbyteResponseError(
            f"{method} {full_path} returned {response.status_code} but the body is not JSON "
            f"({shown!r}), so this is not the Airbyte API answering; "
            f"{wrong_api_url_hint(api_url)}."
        ) from None


def limit_answer_size(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """A session response hook (``session.hooks["response"]``), run before the body is read:
    refuses an answer that says it is larger than ``MAX_ANSWER_BYTES``, and stops reading one
    (chunked, or with a wrong length) as soon as it gets past that, raising
    :class:`AirbyteResponseError` either way."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_ANSWER_BYTES:
        response.close()
        raise _too_large(response)
    if hasattr(response.raw, "stream"):  # urllib3's body; requests reads it through stream()
        response.raw = _LimitedBody(response)
    return response


class _LimitedBody:
    """urllib3's response body, read through ``stream()`` at most ``MAX_ANSWER_BYTES`` deep."""

    def __init__(self, response: requests.Response) -> None:
        self._raw = response.raw
        self._response = response

    def stream(
        self, amt: int | None = 2**16, decode_content: bool | None = None
    ) -> Iterator[bytes]:
        read = 0
        for chunk in self._raw.stream(amt, decode_content=decode_content):
            read += len(chunk)  # decoded bytes: a small gzip body may unpack to gigabytes
            if read > MAX_ANSWER_BYTES:
                self._raw.close()
                raise _too_large(self._response)
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _too_large(response: requests.Response) -> AirbyteResponseError:
    request = response.request
    path = urlsplit(request.url or "").path
    return AirbyteResponseError(
        f"{request.method} {path} returned an answer larger than "
        f"{MAX_ANSWER_BYTES // 2**20} MiB, far more than any answer of the Airbyte API, so the "
        f"client stopped reading it; check that api_url points at the Airbyte API "
        f"({EXPECTED_API_URLS})."
    )
