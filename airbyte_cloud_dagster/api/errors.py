"""Every error the Airbyte client raises, as one tree (in the style of ``httpx._exceptions``).

```
AirbyteError
├── AirbyteConfigurationError      bad settings or arguments (auth combination, URL, non-UUID id)
├── AirbyteRequestError            the server answered with an error: .status_code .method .path
│   │                              .detail .problem_type
│   ├── AirbyteBadRequest          400, 422
│   ├── AirbyteAuthError           401, 403, 407 (a proxy), and refused credentials on the
│   │                              token endpoint
│   ├── AirbyteNotFound            404 (.resource_type .resource_id; None when the 404 did not
│   │                              come from the Airbyte API: then the message says api_url
│   │                              looks wrong, as it does for a 405)
│   ├── AirbyteConflict            409 (.problem_type: "try-again-later" | "state-conflict" | ...)
│   ├── AirbyteRateLimited         429 after retries
│   └── AirbyteServerError         5xx after retries
├── AirbyteConnectionError         no answer after retries; .reason: refused, unresolved, tls,
│                                  connect-timeout, read-timeout, dropped, proxy, other
├── AirbyteResponseError           an answer we cannot use (not JSON, missing or malformed field)
├── AirbyteJobFailed               job ended failed/cancelled; .job
└── AirbyteTimeout                 a job did not finish in time; .job
```

This module imports nothing from the rest of ``api`` (every other module may import it), so
the job the last two carry is typed loosely here: it is an ``AirbyteJob``.

Catch ``AirbyteError`` for "anything went wrong with Airbyte", or one precise child:

>>> try:
...     client.get_job(42)
... except AirbyteNotFound as error:
...     print(error.status_code, error.detail)

Every message is one or two sentences: what was asked (method and path, never a
credential), what came back, and what to do next.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AirbyteAuthError",
    "AirbyteBadRequest",
    "AirbyteConfigurationError",
    "AirbyteConflict",
    "AirbyteConnectionError",
    "AirbyteError",
    "AirbyteJobFailed",
    "AirbyteNotFound",
    "AirbyteRateLimited",
    "AirbyteRequestError",
    "AirbyteResponseError",
    "AirbyteServerError",
    "AirbyteTimeout",
]


class AirbyteError(Exception):
    """Base class of every error raised by :mod:`airbyte_cloud_dagster.api`."""

    @property
    def message(self) -> str:
        return str(self)


class AirbyteConfigurationError(AirbyteError, ValueError):
    """The client was given settings or arguments it cannot use; nothing was sent."""


class AirbyteRequestError(AirbyteError):
    """Airbyte (or a proxy in front of it) answered a request with an error status.

    Attributes:
        status_code: the HTTP status of the final answer (after retries).
        method: the HTTP method, e.g. ``"GET"``.
        path: the full request path, e.g. ``"/v1/jobs/42"`` (never the query or a credential).
        detail: the most specific explanation the server gave (``data.message``, else
            ``detail``), or the start of a non-JSON body.
        problem_type: the problem slug, e.g. ``"try-again-later"``, when the body was a problem.
        retry_after: the seconds the answer's ``Retry-After`` asked to wait, or None.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        method: str,
        path: str,
        detail: str | None = None,
        problem_type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.method = method
        self.path = path
        self.detail = detail
        self.problem_type = problem_type
        self.retry_after = retry_after

    def with_message(self, message: str) -> AirbyteRequestError:
        """The same error (same class and attributes) saying ``message`` instead."""
        copy = type(self).__new__(type(self))
        copy.__dict__.update(self.__dict__)
        Exception.__init__(copy, message)
        return copy


class AirbyteBadRequest(AirbyteRequestError):
    """400 or 422: Airbyte rejected the arguments of the request."""


class AirbyteAuthError(AirbyteRequestError):
    """401 or 403, 407 from a proxy, or the token endpoint refused the client id/secret."""


class AirbyteNotFound(AirbyteRequestError):
    """404: the workspace, connection, job, source or destination does not exist (or is hidden).

    ``resource_type`` and ``resource_id`` name it when Airbyte said (its problem body's
    ``data``); both are None when the 404 did not come from the Airbyte API at all, which
    usually means ``api_url`` is wrong.
    """

    def __init__(self, message: str, **attributes: Any) -> None:
        self.resource_type: str | None = attributes.pop("resource_type", None)
        self.resource_id: str | None = attributes.pop("resource_id", None)
        super().__init__(message, **attributes)


class AirbyteConflict(AirbyteRequestError):
    """409: e.g. a sync is already running (``try-again-later``) or the connection is inactive
    (``state-conflict``); see :attr:`problem_type`."""


class AirbyteRateLimited(AirbyteRequestError):
    """429 on every attempt the retry policy allowed."""


class AirbyteServerError(AirbyteRequestError):
    """5xx on every attempt the retry policy allowed (or on a request that is never retried)."""


class AirbyteConnectionError(AirbyteError):
    """No answer at all (after retries). :attr:`reason` says why: ``"refused"``,
    ``"unresolved"`` (host name not found), ``"tls"`` (handshake or certificate),
    ``"connect-timeout"``, ``"read-timeout"``, ``"dropped"``, ``"proxy"`` (the proxy could not be
    reached, or would not connect) or ``"other"``."""

    def __init__(self, message: str, *, reason: str = "other") -> None:
        super().__init__(message)
        self.reason = reason


class AirbyteResponseError(AirbyteError):
    """Airbyte answered with a success status but a body the client cannot use."""


class AirbyteJobFailed(AirbyteError):
    """A job ended ``failed`` or ``cancelled``; the final ``AirbyteJob`` is in :attr:`job`."""

    def __init__(self, message: str, *, job: Any) -> None:
        super().__init__(message)
        self.job = job


class AirbyteTimeout(AirbyteError):
    """A job did not finish within the wait's timeout; the last ``AirbyteJob`` seen is in
    :attr:`job`."""

    def __init__(self, message: str, *, job: Any) -> None:
        super().__init__(message)
        self.job = job
