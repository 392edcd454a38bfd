"""The pooled HTTP session, its retry policy, and how it reaches the server, as data.

Retries are a urllib3 :class:`~urllib3.util.retry.Retry` mounted once on the session's adapter,
never a loop in each call. Only idempotent calls (GET, DELETE) are retried on lost answers and
on 408/429/5xx; ``POST /jobs`` is never retried here because creating a job is not idempotent
(docs/airbyte/behaviour.md, "Jobs"). Opening a connection is retried for every method (a refused or
timed-out connect sent nothing, so it cannot duplicate), but on a small budget of its own: a
wrong host or port should fail in about a second, not after the read retries' long backoff.

How it reaches the server: ``verify`` (True, False, or a CA bundle's path) and ``proxy_url`` go
with every request, so that they win over ``REQUESTS_CA_BUNDLE`` and ``HTTPS_PROXY``, which
requests would otherwise prefer to a session's own settings
(https://github.com/psf/requests/issues/3829, https://github.com/psf/requests/issues/2018);
without them, requests reads those variables as usual. ``extra_headers`` go on every request.

>>> session = build_session(TransportSettings(max_retries=5, proxy_url="http://proxy:3128"))
"""

from __future__ import annotations

import platform
import random
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning, InvalidHeader
from urllib3.util.retry import Retry

from airbyte_cloud_dagster.version import __version__

__all__ = [
    "CONNECT_RETRIES",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "AirbyteSession",
    "TransportSettings",
    "build_session",
    "quiet_unverified_warnings",
    "retry_after_seconds",
    "user_agent",
]

# Statuses worth another try: the request timed out at a proxy (408), load shedding (429,
# docs/airbyte/behaviour.md, "Errors": no Retry-After), or Airbyte / a proxy in front of it failing
# (5xx, often with HTML bodies).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "DELETE"})
# Retries of *opening* a connection (refused, host not resolved, connect timeout): enough for
# a blip, few enough that a wrong api_url fails within a couple of seconds.
CONNECT_RETRIES = 2


@dataclass(frozen=True)
class TransportSettings:
    """Timeouts, retry policy, TLS and proxy; the defaults match :class:`AirbyteClient`'s."""

    connect_timeout: float = 10.0
    request_timeout: float = 30.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 60.0
    #: True: the CAs this machine trusts (or REQUESTS_CA_BUNDLE); False: no check; a str: the
    #: path of a CA bundle.
    verify: bool | str = True
    #: One proxy for http and https; None: requests reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY.
    #: It may hold credentials, hence never in the repr.
    proxy_url: str | None = field(default=None, repr=False)
    #: The names of the extra headers sent on every request (their values are secrets).
    header_names: tuple[str, ...] = ()

    @property
    def connect_retries(self) -> int:
        return min(self.max_retries, CONNECT_RETRIES)

    def backoff(self, retry: int) -> float:
        """Seconds before the ``retry``-th (1, 2, ...) try of a loop of our own (a job's start,
        a read refused after a fresh token): exponential, capped by ``backoff_max``, jittered
        x0.5-1 so that many clients do not come back at once."""
        return min(self.backoff_max, self.backoff_factor * 2**retry) * random.uniform(0.5, 1.0)

    def retry(self, methods: frozenset[str]) -> Retry:
        """The retry policy for ``methods``: exponential backoff with jitter, honouring
        ``Retry-After`` when a proxy sends one. ``raise_on_status=False`` hands the last error
        response back so that the transport turns it into our exception."""
        return Retry(
            total=self.max_retries,
            # connect: failures to open a connection (nothing sent), so safe for every method;
            # read and status: only for `methods`. TLS failures count as "other": never retried.
            connect=self.connect_retries,
            read=self.max_retries,
            status=self.max_retries,
            other=0,
            redirect=0,
            allowed_methods=methods,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_factor / 2,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )


def retry_after_seconds(value: str | None) -> float | None:
    """The seconds a ``Retry-After`` header asks for (delay-seconds or an HTTP date, read by
    urllib3 as for the retried calls), or None when there is none or it cannot be read.

    >>> retry_after_seconds("3")
    3.0
    """
    if not value:
        return None
    try:
        return float(Retry(0).parse_retry_after(value))
    except InvalidHeader:
        return None


def user_agent() -> str:
    return (
        f"airbyte-cloud-dagster/{__version__} "
        f"(python/{platform.python_version()}; requests/{requests.__version__})"
    )


class AirbyteSession(requests.Session):
    """A session that sends its ``verify`` and proxy with every request (see the module's
    docstring for why a session's own attributes are not enough)."""

    def __init__(self, settings: TransportSettings) -> None:
        super().__init__()
        self.settings = settings
        # Our Authorization header is set per request (auth.py); with no session auth, requests
        # would replace it with a ~/.netrc entry for the host (or credentials in the URL).
        self.auth = _keep_own_authorization
        self._proxies = (
            {"http": settings.proxy_url, "https": settings.proxy_url}
            if settings.proxy_url
            else None
        )

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        # What a request did not set itself is set here, before the environment is read.
        if verify is None and self.settings.verify is not True:
            verify = self.settings.verify
        if not proxies and self._proxies is not None:
            proxies = dict(self._proxies)
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


def _keep_own_authorization(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """Session auth that leaves the request as it is (it turns off requests' netrc lookup)."""
    return request


def build_session(
    settings: TransportSettings, extra_headers: Mapping[str, str] | None = None
) -> AirbyteSession:
    """One pooled session per client; GET and DELETE retried, nothing else; ``extra_headers``
    (checked already) on every request."""
    session = AirbyteSession(settings)
    adapter = HTTPAdapter(max_retries=settings.retry(IDEMPOTENT_METHODS), pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent()
    session.headers["Accept"] = "application/json"
    session.headers.update(extra_headers or {})
    return session


def quiet_unverified_warnings(host: str) -> None:
    """With ``verify=False`` the client logs one warning; urllib3 would add one per request to
    ``host``. Silence those, for that host only."""
    warnings.filterwarnings(
        "ignore",
        message=f"Unverified HTTPS request is being made to host '{re.escape(host)}'",
        category=InsecureRequestWarning,
    )
