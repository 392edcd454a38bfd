"""Best-effort reads from Airbyte's internal Config API: why a job failed, what each stream got,
and the column types of a connection's streams.

The public API has none of these (docs/airbyte/behaviour.md, "Jobs": no per-stream statistics;
``GET /streams`` gives column paths without types, and runs a schema discovery on the source
when its cache is cold). The internal Configuration API has the first two in one call,
``POST <config base>/jobs/get_without_logs`` ``{id}``: the attempts' ``failureSummary.failures[]``
and, unlike ``jobs/get``, the job-level ``streamAggregatedStats[]`` with namespaces and committed
bytes (docs/airbyte/config-api.md §1-§3); and the third in ``POST <config base>/connections/get``
``{connectionId}``: the connection's *stored* catalog, each stream's JSON schema and whether it
and its fields are selected (docs/airbyte/config-api.md §4), read without asking the source.

**No stability promise.** Airbyte's own spec says it has "no active commitments to support this API
long-term" (its ``config.yaml``; see docs/airbyte/config-api.md); that Cloud's Config API accepts
the public API's token is what dagster-airbyte and PyAirbyte rely on, but no Airbyte document says
so. So everything here fails soft: any error, a body that is not JSON, or a shape we do not expect
gives ``None`` (logged at debug level), never an exception into the sync path; reading a stored
catalog raises only :class:`ConfigApiUnavailable`, whose ``reason`` the load logs once before it
falls back to ``GET /streams``. This module is the only place that knows the Config API exists.

>>> details = fetch_job_details(client, job_id=4821)
>>> details.failure.failure_type, details.failure.external_message  # doctest: +SKIP
('config_error', 'Could not connect to the database: password authentication failed')
>>> details.stream_stats[("public", "users")].records_committed  # doctest: +SKIP
1000
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from requests.adapters import HTTPAdapter

from airbyte_cloud_dagster.api.errors import AirbyteRequestError
from airbyte_cloud_dagster.api.models import AirbyteStreamProperties
from airbyte_cloud_dagster.api.transport import Transport

if TYPE_CHECKING:
    from airbyte_cloud_dagster.api.client import AirbyteClient

__all__ = [
    "ConfigApiUnavailable",
    "FailureReason",
    "JobDetails",
    "StreamStats",
    "config_api_url",
    "fetch_job_details",
    "fetch_stored_catalog",
]

logger = logging.getLogger(__name__)

# Airbyte Cloud's public API host and its Config API (docs/airbyte/config-api.md, "Base URLs").
CLOUD_PUBLIC_HOST = "https://api.airbyte.com"
CLOUD_CONFIG_API = "https://cloud.airbyte.com/api/v1"
# A best-effort call must not hold a finished step for long.
MAX_READ_TIMEOUT = 15.0
_PUBLIC_V1 = re.compile(r"^(?P<root>.*?)(?:/api/public)?/v1$")

StreamKey = tuple[str | None, str]  # (namespace, name)


@dataclass(frozen=True)
class FailureReason:
    """One ``FailureReason`` of an attempt's ``failureSummary`` (docs/airbyte/config-api.md §1)."""

    failure_type: str | None  # config_error, system_error, manual_cancellation, ...
    failure_origin: str | None  # source, destination, replication, airbyte_platform, ...
    external_message: str | None  # what Airbyte's UI shows
    internal_message: str | None
    timestamp_ms: int | None
    retryable: bool | None


@dataclass(frozen=True)
class StreamStats:
    """One entry of ``job.streamAggregatedStats``: what a stream got over the whole job."""

    name: str
    namespace: str | None
    records_committed: int
    bytes_committed: int
    records_emitted: int | None = None
    bytes_emitted: int | None = None


@dataclass(frozen=True)
class JobDetails:
    """What the Config API adds to a public ``AirbyteJob``.

    ``failures`` are the last attempt's (the first is the one Airbyte's UI shows);
    ``stream_stats`` is None when the server sent no per-stream statistics.
    """

    job_id: int
    status: str | None
    attempt_count: int
    failures: tuple[FailureReason, ...]
    stream_stats: dict[StreamKey, StreamStats] | None

    @property
    def failure(self) -> FailureReason | None:
        """The primary reason the last attempt failed, if it did."""
        return self.failures[0] if self.failures else None

    def stats_for(self, name: str, namespace: str | None) -> StreamStats | None:
        """The stream's statistics, or None if the server did not list this stream."""
        if self.stream_stats is None:
            return None
        return self.stream_stats.get((namespace or None, name))


def config_api_url(api_url: str) -> str | None:
    """The Config API base for a public API URL, or None if it cannot be derived.

    ``https://api.airbyte.com/v1`` -> ``https://cloud.airbyte.com/api/v1``;
    ``<host>/api/public/v1`` -> ``<host>/api/v1`` (as PyAirbyte does); any other
    ``<root>/v1`` -> ``<root>/api/v1``.
    """
    url = api_url.rstrip("/")
    if url.lower() == CLOUD_PUBLIC_HOST + "/v1":
        return CLOUD_CONFIG_API
    match = _PUBLIC_V1.match(url)
    return f"{match.group('root')}/api/v1" if match else None


def fetch_job_details(client: AirbyteClient, job_id: int) -> JobDetails | None:
    """Failure reasons and per-stream statistics of one job, or None if they cannot be had."""
    try:
        payload = _transport(client).request_json(
            "POST", "/jobs/get_without_logs", json_body={"id": job_id}
        )
        return parse_job_details(payload, job_id)
    except Exception as error:  # fail soft: this API may change or refuse us at any time
        logger.debug("Airbyte Config API: no details for job %s: %s", job_id, error)
        return None


class ConfigApiUnavailable(Exception):
    """The Config API did not give a connection's stored catalog. ``reason`` says why in a few
    words (``"HTTP 404"``, ``"an unexpected answer"``); ``status`` is the HTTP status, if any."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def fetch_stored_catalog(
    client: AirbyteClient, connection_id: str
) -> tuple[AirbyteStreamProperties, ...]:
    """The selected streams of a connection's stored catalog, with typed columns (one ``POST
    /connections/get``, no retries); raises :class:`ConfigApiUnavailable` on any failure.

    >>> [s.stream_name for s in fetch_stored_catalog(client, connection_id)]  # doctest: +SKIP
    ['charges', 'customers', 'balance_transactions']
    """
    try:
        payload = _transport(client).request_json(
            "POST", "/connections/get", json_body={"connectionId": connection_id}
        )
    except AirbyteRequestError as error:
        raise ConfigApiUnavailable(f"HTTP {error.status_code}", error.status_code) from error
    except Exception as error:  # fail soft: no answer, not JSON, no Config API URL
        raise ConfigApiUnavailable(type(error).__name__) from error
    return parse_stored_catalog(payload, connection_id)


def parse_stored_catalog(payload: Any, connection_id: str) -> tuple[AirbyteStreamProperties, ...]:
    """The selected entries of a ``ConnectionRead``'s ``syncCatalog.streams``."""
    try:
        if payload.get("connectionId") != connection_id:
            raise ValueError("another connection's answer")
        entries = payload["syncCatalog"]["streams"]
        return tuple(
            AirbyteStreamProperties.from_catalog_entry(entry)
            for entry in entries
            if entry.get("config", {}).get("selected") is not False
        )
    except Exception as error:  # the shape changed: Airbyte promises nothing here
        logger.debug(
            "Airbyte Config API: unexpected ConnectionRead for %s: %s", connection_id, error
        )
        raise ConfigApiUnavailable("an unexpected answer") from error


def parse_job_details(payload: Any, job_id: int) -> JobDetails | None:
    """A ``JobInfoRead`` body as :class:`JobDetails`; None if its shape is not the expected one."""
    if not isinstance(payload, dict):
        return None
    job, attempts = payload.get("job"), payload.get("attempts")
    if not isinstance(job, dict) or not isinstance(attempts, list) or job.get("id") != job_id:
        logger.debug("Airbyte Config API: unexpected JobInfoRead for job %s", job_id)
        return None
    attempt_reads = [_attempt_read(a) for a in attempts]
    last = attempt_reads[-1] if attempt_reads else {}
    summary = last.get("failureSummary")
    failures = summary.get("failures") if isinstance(summary, dict) else None
    status = job.get("status")
    return JobDetails(
        job_id=job_id,
        status=status if isinstance(status, str) else None,
        attempt_count=len(attempt_reads),
        failures=tuple(reason for item in failures or () if (reason := _failure(item)) is not None),
        stream_stats=_stream_stats(job.get("streamAggregatedStats")),
    )


def _transport(client: AirbyteClient) -> Transport:
    """A transport on the Config API base sharing the client's session, auth and token."""
    base_url = config_api_url(client.api_url)
    if base_url is None:
        raise ValueError(f"no Config API URL can be derived from {client.api_url!r}")
    public = client.transport
    if base_url not in public.session.adapters:
        # One try only, even to connect: a best-effort read must not back off for seconds.
        # As many pooled connections as the public API's (session.py): a load reads many
        # catalogs at once.
        public.session.mount(base_url, HTTPAdapter(max_retries=0, pool_maxsize=32))
    settings = replace(
        public.settings,
        max_retries=0,  # and a 401 is replayed once, not again with backoff
        request_timeout=min(public.settings.request_timeout, MAX_READ_TIMEOUT),
    )
    return Transport(
        base_url, auth=public.auth, session=public.session, settings=settings, logger=logger
    )


def _attempt_read(item: Any) -> dict[str, Any]:
    """``AttemptInfoRead`` nests the attempt under ``attempt``; ``jobs/list`` does not."""
    if isinstance(item, dict):
        attempt = item.get("attempt", item)
        if isinstance(attempt, dict):
            return attempt
    return {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _failure(item: Any) -> FailureReason | None:
    if not isinstance(item, dict):
        return None
    reason = FailureReason(
        failure_type=_text(item.get("failureType")),
        failure_origin=_text(item.get("failureOrigin")),
        external_message=_text(item.get("externalMessage")),
        internal_message=_text(item.get("internalMessage")),
        timestamp_ms=_int(item.get("timestamp")),
        retryable=item.get("retryable") if isinstance(item.get("retryable"), bool) else None,
    )
    if reason.failure_type is None and reason.external_message is None:
        return None  # nothing worth telling a user
    return reason


def _stream_stats(items: Any) -> dict[StreamKey, StreamStats] | None:
    """``streamAggregatedStats`` by (namespace, name); None if absent or malformed."""
    if not isinstance(items, list):
        return None
    stats: dict[StreamKey, StreamStats] = {}
    for item in items:
        if not isinstance(item, dict):
            return None
        name, namespace = _text(item.get("streamName")), _text(item.get("streamNamespace"))
        records, size = _int(item.get("recordsCommitted")), _int(item.get("bytesCommitted"))
        if name is None or records is None or size is None:
            return None
        stats[(namespace, name)] = StreamStats(
            name=name,
            namespace=namespace,
            records_committed=records,
            bytes_committed=size,
            records_emitted=_int(item.get("recordsEmitted")),
            bytes_emitted=_int(item.get("bytesEmitted")),
        )
    return stats
