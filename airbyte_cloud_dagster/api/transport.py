"""HTTP for the Airbyte client: one pooled session, timeouts, retry policy, error mapping.

Retries are *data*: a urllib3 :class:`~urllib3.util.retry.Retry` mounted once on the session's
adapter, never a loop in each call. Only idempotent calls (GET, DELETE) are retried on lost
connections and on 408/429/5xx; ``POST /jobs`` is never retried here because creating a job is
not idempotent (BEHAVIOUR.md "Jobs") -- :meth:`AirbyteClient.start_job` recovers from an
ambiguous failure by looking for the job instead. (urllib3 does retry *opening* a connection for
any method: a refused or timed-out connect means nothing was sent, so that cannot duplicate.)

>>> transport = Transport("https://api.airbyte.com/v1", auth=NoAuth(), settings=TransportSettings())
>>> transport.request_json("GET", "/jobs/42")
{'jobId': 42, ...}
"""

from __future__ import annotations

import json
import logging
import platform
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from airbyte_cloud_dagster.api.errors import (
    AirbyteAuthError,
    AirbyteBadRequest,
    AirbyteConflict,
    AirbyteConnectionError,
    AirbyteNotFound,
    AirbyteRateLimited,
    AirbyteRequestError,
    AirbyteResponseError,
    AirbyteServerError,
)
from airbyte_cloud_dagster.version import __version__

if TYPE_CHECKING:
    from airbyte_cloud_dagster.api.auth import Auth

__all__ = ["Transport", "TransportSettings", "build_session", "error_for_response"]

# Statuses worth another try: the request timed out at a proxy (408), load shedding (429,
# BEHAVIOUR.md "Errors": no Retry-After), or Airbyte / a proxy in front of it failing (5xx,
# often with HTML bodies).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "DELETE"})
EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class TransportSettings:
    """Timeouts and retry policy; the defaults match :class:`AirbyteClient`'s."""

    connect_timeout: float = 10.0
    request_timeout: float = 30.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 60.0

    def retry(self, methods: frozenset[str], statuses: frozenset[int] = RETRY_STATUSES) -> Retry:
        """The retry policy for ``methods``: exponential backoff with jitter, honouring
        ``Retry-After`` when a proxy sends one. ``raise_on_status=False`` hands the last error
        response back so that :func:`error_for_response` turns it into our exception."""
        return Retry(
            total=self.max_retries,
            # connect: failures to open a connection (nothing sent), so safe for every method;
            # read and status: only for `methods`.
            connect=self.max_retries,
            read=self.max_retries,
            status=self.max_retries,
            other=0,
            redirect=0,
            allowed_methods=methods,
            status_forcelist=statuses,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_factor / 2,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )


def user_agent() -> str:
    return (
        f"airbyte-cloud-dagster/{__version__} "
        f"(python/{platform.python_version()}; requests/{requests.__version__})"
    )


def build_session(settings: TransportSettings) -> requests.Session:
    """One pooled session per client; GET and DELETE retried, nothing else."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=settings.retry(IDEMPOTENT_METHODS))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent()
    session.headers["Accept"] = "application/json"
    return session


class Transport:
    """Sends one logical request: authenticates it, replays it once after a 401 when the auth
    can refresh, and maps an error answer to the matching :class:`AirbyteRequestError`."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth,
        session: requests.Session,
        settings: TransportSettings,
        logger: logging.Logger,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path
        self.auth = auth
        self.session = session
        self.settings = settings
        self.logger = logger

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.settings.connect_timeout, self.settings.request_timeout)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> Any:
        """Send ``method path`` (``path`` below the base URL) and return the decoded JSON body."""
        response = self.send(method, path, params=params, json_body=json_body)
        return decode_json(method, self.base_path + path, response)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> requests.Response:
        full_path = self.base_path + path
        authorization = self.auth.authorization()
        response = self._send_once(method, path, params, json_body, authorization)
        if response.status_code == 401:
            # A missing or expired token is rejected before the controller runs (BEHAVIOUR.md
            # "Authentication"), so replaying -- even POST /jobs -- cannot start a second job.
            self.auth.handle_unauthorized(authorization, method=method, path=full_path)
            self.logger.info("%s %s got 401; replaying once with a fresh token.", method, full_path)
            response.close()
            authorization = self.auth.authorization()
            response = self._send_once(method, path, params, json_body, authorization)
        if response.status_code >= 400:
            raise error_for_response(
                method, full_path, response, retried=method in IDEMPOTENT_METHODS
            )
        return response

    def _send_once(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json_body: dict[str, Any] | None,
        authorization: str | None,
    ) -> requests.Response:
        headers = {"Authorization": authorization} if authorization else {}
        full_path = self.base_path + path
        self.logger.debug("Airbyte API request: %s %s params=%s", method, full_path, params)
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=json_body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            retried = method in IDEMPOTENT_METHODS
            raise connection_error(method, full_path, exc, retried=retried) from exc
        self.logger.debug(
            "Airbyte API response: %s %s -> %s", method, full_path, response.status_code
        )
        return response

    def close(self) -> None:
        self.session.close()


# --------------------------------------------------------------------------- error mapping


def connection_error(
    method: str, full_path: str, exc: requests.RequestException, *, retried: bool
) -> AirbyteConnectionError:
    """No answer at all; raise it ``from`` the requests exception, which names the URL (never a
    credential: none travels in URLs)."""
    if isinstance(exc, requests.Timeout):
        what = "timed out"
    elif isinstance(exc, requests.ConnectionError):
        what = "could not connect or the connection was dropped"
    else:
        what = f"failed ({type(exc).__name__})"
    attempts = " after retries" if retried else ""
    return AirbyteConnectionError(
        f"{method} {full_path} {what}{attempts}; check that Airbyte is reachable at the "
        f"configured api_url and consider raising request_timeout or max_retries."
    )


_WHITESPACE = re.compile(r"\s+")


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a body, whitespace collapsed, for an error message."""
    collapsed = _WHITESPACE.sub(" ", text).strip()
    return collapsed if len(collapsed) <= length else collapsed[:length].rstrip() + "..."


def _problem(response: requests.Response) -> tuple[str | None, str | None]:
    """(detail, problem_type) from a problem object, a ``{"message"}`` body, or plain text."""
    try:
        body = response.json()
    except ValueError:
        text = response.text
        return (excerpt(text) if text.strip() else None), None
    if not isinstance(body, dict):
        return excerpt(json.dumps(body)), None
    # The specific message is usually in data.message; `detail` is generic (BEHAVIOUR.md "Errors").
    data = body.get("data")
    detail = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        detail = data["message"]
    for key in ("detail", "message", "title"):
        if detail is None and isinstance(body.get(key), str) and body[key]:
            detail = body[key]
    if isinstance(data, dict) and detail is None and data.get("resourceType"):
        detail = f"{data.get('resourceType')} {data.get('resourceId')} was not found"
    return (excerpt(detail) if detail else excerpt(json.dumps(body))), _problem_type(body)


def _problem_type(body: dict[str, Any]) -> str | None:
    """The slug (``try-again-later``): ``title`` on Airbyte, else the tail of the ``type`` URL."""
    title = body.get("title")
    if isinstance(title, str) and re.fullmatch(r"[a-z0-9-]+", title):
        return title
    kind = body.get("type")
    if isinstance(kind, str) and kind:
        return re.split(r"[#/]", kind.rstrip("/"))[-1] or None
    return None


_NEXT_STEP = {
    400: "check the arguments passed to the client",
    401: "check the credentials",
    403: "check that these credentials may access this workspace and resource",
    404: "check that the id is right and visible to these credentials",
    409: "check the state of the resource in Airbyte and try again later",
    422: "check the arguments passed to the client",
}


def error_for_response(
    method: str, full_path: str, response: requests.Response, *, retried: bool
) -> AirbyteRequestError:
    """Map an error answer to the precise exception, with a message that says what was asked,
    what came back, and what to do next. Never assumes JSON: proxies answer 502/503/504 with
    HTML (BEHAVIOUR.md "Errors")."""
    status = response.status_code
    detail, problem_type = _problem(response)
    cls: type[AirbyteRequestError] = {
        400: AirbyteBadRequest,
        422: AirbyteBadRequest,
        401: AirbyteAuthError,
        403: AirbyteAuthError,
        404: AirbyteNotFound,
        409: AirbyteConflict,
        429: AirbyteRateLimited,
    }.get(status, AirbyteServerError if status >= 500 else AirbyteRequestError)
    returned = f"{status} {problem_type}" if problem_type else f"{status}"
    if status in RETRY_STATUSES:
        returned += " on every retry" if retried else " (not retried)"
    said = f": {detail.rstrip('.')}" if detail else " with an empty body"
    if status == 429:
        next_step = "Airbyte is shedding load; try again later or run fewer requests at once"
    elif status >= 500:
        next_step = "Airbyte or a proxy in front of it is failing; try again later"
    else:
        next_step = _NEXT_STEP.get(status, "check the request and the Airbyte server logs")
    message = f"{method} {full_path} returned {returned}{said}; {next_step}."
    return cls(
        message,
        status_code=status,
        method=method,
        path=full_path,
        detail=detail,
        problem_type=problem_type,
    )


def decode_json(method: str, full_path: str, response: requests.Response) -> Any:
    """The JSON body of a success answer, or AirbyteResponseError with the body's start."""
    try:
        return response.json()
    except ValueError:
        shown = excerpt(response.text) or "an empty body"
        raise AirbyteResponseError(
            f"{method} {full_path} returned {response.status_code} but the body is not JSON "
            f"({shown!r}); check that api_url points at the Airbyte API, not a proxy or web page."
        ) from None
