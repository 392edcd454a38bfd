"""The pooled HTTP session and its retry policy, as data.

Retries are a urllib3 :class:`~urllib3.util.retry.Retry` mounted once on the session's adapter,
never a loop in each call. Only idempotent calls (GET, DELETE) are retried on lost answers and
on 408/429/5xx; ``POST /jobs`` is never retried here because creating a job is not idempotent
(docs/airbyte/behaviour.md, "Jobs"). Opening a connection is retried for every method (a refused or
timed-out connect sent nothing, so it cannot duplicate), but on a small budget of its own: a
wrong host or port should fail in about a second, not after the read retries' long backoff.

>>> session = build_session(TransportSettings(max_retries=5))
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from airbyte_cloud_dagster.version import __version__

__all__ = [
    "CONNECT_RETRIES",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "TransportSettings",
    "build_session",
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
    """Timeouts and retry policy; the defaults match :class:`AirbyteClient`'s."""

    connect_timeout: float = 10.0
    request_timeout: float = 30.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 60.0

    @property
    def connect_retries(self) -> int:
        return min(self.max_retries, CONNECT_RETRIES)

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


def user_agent() -> str:
    return (
        f"airbyte-cloud-dagster/{__version__} "
        f"(python/{platform.python_version()}; requests/{requests.__version__})"
    )


def build_session(settings: TransportSettings) -> requests.Session:
    """One pooled session per client; GET and DELETE retried, nothing else."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=settings.retry(IDEMPOTENT_METHODS), pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent()
    session.headers["Accept"] = "application/json"
    return session
