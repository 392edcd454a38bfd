"""Typed, immutable views of Airbyte API payloads, validated at the edge.

Each model has a ``from_api(payload)`` classmethod that checks the fields it needs and raises
:class:`AirbyteResponseError` naming the first missing or malformed one, so a bad payload fails
here with a clear message rather than deep inside the Dagster layer.

>>> job = AirbyteJob.from_api({"jobId": 7, "status": "running", "jobType": "sync",
...                            "startTime": "2025-01-01T00:00:00Z", "connectionId": "..."})
>>> job.is_terminal
False

Field names follow ``openapi.yaml`` (``JobResponse``, ``ConnectionResponse``, ...); quirks of the
real server are cited from ``BEHAVIOUR.md``.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from airbyte_cloud_dagster.api.errors import AirbyteResponseError

__all__ = [
    "AirbyteConnection",
    "AirbyteDestination",
    "AirbyteJob",
    "AirbyteSource",
    "AirbyteStream",
    "AirbyteStreamProperties",
    "AirbyteWorkspace",
    "ConnectionSchedule",
    "JobStatus",
    "JobType",
    "parse_iso_duration",
]

logger = logging.getLogger("airbyte_cloud_dagster")

_T = TypeVar("_T")
_MISSING = object()


# --------------------------------------------------------------------------- field helpers


def _field(
    payload: Mapping[str, Any],
    key: str,
    kind: type[_T] | tuple[type, ...],
    what: str,
    *,
    default: Any = _MISSING,
) -> Any:
    """Return ``payload[key]`` checked against ``kind``; a missing key returns ``default``.

    ``None`` counts as missing. Without a default, a missing field raises AirbyteResponseError.
    """
    value = payload.get(key)
    if value is None:
        if default is _MISSING:
            raise AirbyteResponseError(
                f"Airbyte returned a {what} without the required field {key!r}; "
                f"the server may speak a different API version than this client expects."
            )
        return default
    # bool is a subclass of int: never accept it where a number is expected.
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is malformed "
            f"(expected {_kind_name(kind)}, got {type(value).__name__} {_short(value)})."
        )
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    if isinstance(kind, tuple):
        return " or ".join(k.__name__ for k in kind)
    return kind.__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _require_mapping(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise AirbyteResponseError(
            f"Airbyte returned a {what} that is not a JSON object "
            f"(got {type(payload).__name__} {_short(payload)})."
        )
    return payload


def _str_tuple(payload: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
    items = _field(payload, key, list, what, default=[])
    if not all(isinstance(item, str) for item in items):
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is malformed "
            f"(expected a list of strings, got {_short(items)})."
        )
    return tuple(items)


def _paths(payload: Mapping[str, Any], key: str, what: str) -> tuple[tuple[str, ...], ...]:
    items = _field(payload, key, list, what, default=[])
    ok = all(isinstance(path, list) and all(isinstance(p, str) for p in path) for path in items)
    if not ok:
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is malformed "
            f"(expected a list of lists of strings, got {_short(items)})."
        )
    return tuple(tuple(path) for path in items)


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _datetime(payload: Mapping[str, Any], key: str, what: str) -> datetime | None:
    """Parse an ISO-8601 time; the spec's examples use both ``T``/``Z`` and ``' '``/``+00:00``."""
    text = _field(payload, key, str, what, default=None)
    if text is None or text == "":
        return None
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    cleaned = _FRACTION.sub(r"\1", cleaned)  # Python 3.10 accepts at most 6 fractional digits
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is not an ISO-8601 time: {text!r}."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_NUMBER = r"([-+]?\d+(?:[.,]\d+)?)"
_ISO_DURATION = re.compile(
    rf"^(?P<sign>[-+])?P(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$",
    re.IGNORECASE,
)


def parse_iso_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration as Airbyte (Java's ``Duration``) writes it.

    >>> parse_iso_duration("PT8H6M12S")
    datetime.timedelta(seconds=29172)
    >>> parse_iso_duration("PT1.5S")
    datetime.timedelta(seconds=1, microseconds=500000)

    Raises ValueError for anything else (years and months have no fixed length).
    """
    match = _ISO_DURATION.match(text.strip())
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    weeks, days, hours, minutes, seconds = (
        float(group.replace(",", ".")) if group else 0.0 for group in match.groups()[1:]
    )
    total = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -total if match.group("sign") == "-" else total


# --------------------------------------------------------------------------- jobs


class JobStatus(str, enum.Enum):
    """A job's status (``JobStatusEnum``).

    Terminal: ``succeeded``, ``failed``, ``cancelled``. ``incomplete`` means an attempt failed
    and Airbyte will retry, so it is *not* terminal (BEHAVIOUR.md "Jobs"). Airbyte added
    ``queued`` in 2026; any value this client does not know becomes a non-terminal pseudo-member
    (logged once per value) instead of an error:

    >>> JobStatus("paused").is_terminal
    False
    """

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"

    @classmethod
    def _missing_(cls, value: object) -> JobStatus | None:
        if not isinstance(value, str):
            return None
        with _UNKNOWN_STATUS_LOCK:
            member = cls._value2member_map_.get(value)
            if member is None:
                member = str.__new__(cls, value)
                member._name_ = value.upper()
                member._value_ = value
                # Remember the pseudo-member: one object per value, and one log line per value.
                cls._value2member_map_[value] = member
                logger.warning(
                    "Airbyte reported job status %r, which this client does not know; "
                    "treating it as not finished.",
                    value,
                )
        return member  # type: ignore[return-value]

    @property
    def is_known(self) -> bool:
        """False for a pseudo-member created from a status value this client does not know."""
        return type(self).__members__.get(self._name_) is self

    @property
    def is_terminal(self) -> bool:
        """The one place that decides whether a job has finished (for better or worse)."""
        return self in _TERMINAL

    @property
    def succeeded(self) -> bool:
        return self is JobStatus.SUCCEEDED

    def __str__(self) -> str:
        return self.value


_UNKNOWN_STATUS_LOCK = threading.Lock()
_TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class JobType(str, enum.Enum):
    """What ``POST /jobs`` should run (``JobTypeEnum``).

    ``refresh`` is answered 422 by the public API and ``clear`` comes back as a ``reset`` job
    (BEHAVIOUR.md "Jobs").
    """

    SYNC = "sync"
    RESET = "reset"
    REFRESH = "refresh"
    CLEAR = "clear"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class AirbyteJob:
    """One Airbyte job (``JobResponse``).

    >>> job = client.get_job(42)
    >>> job.status, job.rows_synced, job.is_terminal
    (<JobStatus.SUCCEEDED: 'succeeded'>, 1200, True)
    """

    job_id: int
    status: JobStatus
    job_type: str
    connection_id: str
    start_time: datetime | None = None
    last_updated_at: datetime | None = None
    duration: timedelta | None = None
    rows_synced: int | None = None
    bytes_synced: int | None = None

    @property
    def is_terminal(self) -> bool:
        """True once the job succeeded, failed or was cancelled (:attr:`JobStatus.is_terminal`)."""
        return self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        return self.status.succeeded

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteJob:
        what = "job"
        payload = _require_mapping(payload, what)
        job_id = _field(payload, "jobId", int, what)
        what = f"job {job_id}"
        duration_text = _field(payload, "duration", str, what, default=None)
        try:
            duration = parse_iso_duration(duration_text) if duration_text else None
        except ValueError:
            raise AirbyteResponseError(
                f"Airbyte returned a {what} whose field 'duration' is not an ISO-8601 "
                f"duration: {duration_text!r}."
            ) from None
        return cls(
            job_id=job_id,
            status=JobStatus(_field(payload, "status", str, what)),
            job_type=_field(payload, "jobType", str, what),
            connection_id=_field(payload, "connectionId", str, what),
            start_time=_datetime(payload, "startTime", what),
            last_updated_at=_datetime(payload, "lastUpdatedAt", what),
            duration=duration,
            rows_synced=_field(payload, "rowsSynced", int, what, default=None),
            bytes_synced=_field(payload, "bytesSynced", int, what, default=None),
        )


# --------------------------------------------------------------------------- connections


@dataclass(frozen=True)
class AirbyteStream:
    """An enabled stream of a connection (``StreamConfiguration``).

    ``namespace`` is the *source's* namespace; where the stream lands is worked out by
    ``api.tables.resolve_destination_table``. Names may contain ``/``, spaces, dots, or start
    with a digit (BEHAVIOUR.md "Connections, streams, destination table names").
    """

    name: str
    namespace: str | None = None
    sync_mode: str | None = None
    cursor_field: tuple[str, ...] = ()
    primary_key: tuple[tuple[str, ...], ...] = ()
    selected_fields: tuple[tuple[str, ...], ...] = ()
    destination_object_name: str | None = None

    @classmethod
    def from_api(cls, payload: Any, *, connection_name: str = "?") -> AirbyteStream:
        what = f"stream of connection {connection_name!r}"
        payload = _require_mapping(payload, what)
        name = _field(payload, "name", str, what)
        what = f"stream {name!r} of connection {connection_name!r}"
        selected = _field(payload, "selectedFields", list, what, default=[])
        selected_fields = []
        for item in selected:
            # SelectedFieldInfo is {"fieldPath": ["a", "b"]} (openapi.yaml "SelectedFieldInfo").
            path = item.get("fieldPath") if isinstance(item, Mapping) else None
            if not isinstance(path, list) or not all(isinstance(p, str) for p in path):
                raise AirbyteResponseError(
                    f"Airbyte returned a {what} whose field 'selectedFields' is malformed "
                    f"(expected objects with a 'fieldPath' list, got {_short(item)})."
                )
            selected_fields.append(tuple(path))
        return cls(
            name=name,
            namespace=_field(payload, "namespace", str, what, default=None) or None,
            sync_mode=_field(payload, "syncMode", str, what, default=None),
            cursor_field=_str_tuple(payload, "cursorField", what),
            primary_key=_paths(payload, "primaryKey", what),
            selected_fields=tuple(selected_fields),
            destination_object_name=_field(
                payload, "destinationObjectName", str, what, default=None
            ),
        )


@dataclass(frozen=True)
class ConnectionSchedule:
    """When a connection runs by itself (``ConnectionScheduleResponse``).

    ``schedule_type`` is ``manual``, ``cron`` or ``basic``. A cron expression is a *Quartz*
    expression followed by a time zone, e.g. ``0 0 12 * * ? UTC``; basic timing reads like
    ``Every 24 HOURS`` (BEHAVIOUR.md "Connections").
    """

    schedule_type: str
    cron_expression: str | None = None
    basic_timing: str | None = None

    @classmethod
    def from_api(cls, payload: Any, *, what: str = "connection schedule") -> ConnectionSchedule:
        payload = _require_mapping(payload, what)
        return cls(
            schedule_type=_field(payload, "scheduleType", str, what),
            cron_expression=_field(payload, "cronExpression", str, what, default=None),
            basic_timing=_field(payload, "basicTiming", str, what, default=None),
        )


@dataclass(frozen=True)
class AirbyteConnection:
    """A connection and its enabled streams (``ConnectionResponse``).

    >>> connection = client.get_connection("9f4c...")
    >>> connection.is_active, [stream.name for stream in connection.streams]
    (True, ['customers', 'orders'])
    """

    connection_id: str
    name: str
    source_id: str
    destination_id: str
    workspace_id: str
    status: str
    schedule: ConnectionSchedule
    namespace_definition: str = "destination"
    namespace_format: str | None = None
    prefix: str = ""
    streams: tuple[AirbyteStream, ...] = ()
    created_at: int | None = None

    @property
    def is_active(self) -> bool:
        """Only ``active`` connections run; an inactive one answers a sync with 409."""
        return self.status == "active"

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteConnection:
        what = "connection"
        payload = _require_mapping(payload, what)
        connection_id = _field(payload, "connectionId", str, what)
        name = _field(payload, "name", str, what)
        what = f"connection {name!r} ({connection_id})"
        configurations = _field(payload, "configurations", Mapping, what, default={})
        streams = _field(configurations, "streams", list, what, default=[])
        return cls(
            connection_id=connection_id,
            name=name,
            source_id=_field(payload, "sourceId", str, what),
            destination_id=_field(payload, "destinationId", str, what),
            workspace_id=_field(payload, "workspaceId", str, what),
            status=_field(payload, "status", str, what),
            schedule=ConnectionSchedule.from_api(
                _field(payload, "schedule", Mapping, what), what=f"schedule of {what}"
            ),
            # NamespaceDefinitionEnum defaults to "destination" (openapi.yaml).
            namespace_definition=_field(
                payload, "namespaceDefinition", str, what, default="destination"
            ),
            namespace_format=_field(payload, "namespaceFormat", str, what, default=None),
            prefix=_field(payload, "prefix", str, what, default=""),
            streams=tuple(AirbyteStream.from_api(s, connection_name=name) for s in streams),
            created_at=_field(payload, "createdAt", int, what, default=None),
        )


# --------------------------------------------------------------------------- sources, destinations


@dataclass(frozen=True)
class AirbyteSource:
    """A source (``SourceResponse``); its configuration is not kept (it may hold secrets)."""

    source_id: str
    name: str
    source_type: str
    workspace_id: str
    definition_id: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteSource:
        what = "source"
        payload = _require_mapping(payload, what)
        source_id = _field(payload, "sourceId", str, what)
        what = f"source {source_id}"
        return cls(
            source_id=source_id,
            name=_field(payload, "name", str, what),
            # "" for custom connectors (BEHAVIOUR.md "Connections, streams ...").
            source_type=_field(payload, "sourceType", str, what, default=""),
            workspace_id=_field(payload, "workspaceId", str, what),
            definition_id=_field(payload, "definitionId", str, what, default=None),
        )


@dataclass(frozen=True)
class AirbyteDestination:
    """A destination (``DestinationResponse``) and where it writes by default.

    ``default_schema`` comes from ``configuration.schema`` (Postgres, Snowflake, Redshift, ...)
    or ``configuration.dataset_id`` (BigQuery); ``database`` from ``configuration.database`` or
    ``configuration.project_id`` (BEHAVIOUR.md "Connections, streams ..."). ``destination_type``
    is ``""`` for custom connectors, so ``definition_id`` is kept too.
    """

    destination_id: str
    name: str
    destination_type: str
    workspace_id: str
    definition_id: str | None = None
    database: str | None = None
    default_schema: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteDestination:
        what = "destination"
        payload = _require_mapping(payload, what)
        destination_id = _field(payload, "destinationId", str, what)
        what = f"destination {destination_id}"
        configuration = _field(payload, "configuration", Mapping, what, default={})
        return cls(
            destination_id=destination_id,
            name=_field(payload, "name", str, what),
            destination_type=_field(payload, "destinationType", str, what, default=""),
            workspace_id=_field(payload, "workspaceId", str, what),
            definition_id=_field(payload, "definitionId", str, what, default=None),
            database=_first_text(configuration, "database", "project_id"),
            default_schema=_first_text(configuration, "schema", "dataset_id"),
        )


def _first_text(configuration: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = configuration.get(key)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True)
class AirbyteWorkspace:
    """A workspace (``WorkspaceResponse``)."""

    workspace_id: str
    name: str
    data_residency: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteWorkspace:
        what = "workspace"
        payload = _require_mapping(payload, what)
        workspace_id = _field(payload, "workspaceId", str, what)
        what = f"workspace {workspace_id}"
        return cls(
            workspace_id=workspace_id,
            name=_field(payload, "name", str, what),
            data_residency=_field(payload, "dataResidency", str, what, default=None),
        )


@dataclass(frozen=True)
class AirbyteStreamProperties:
    """What a source can offer for one stream (``StreamProperties``, from ``GET /streams``).

    The namespace arrives as ``streamnamespace``, all lower case: a quirk of the spec
    (BEHAVIOUR.md "Connections, streams ...").
    """

    stream_name: str
    stream_namespace: str | None = None
    sync_modes: tuple[str, ...] = ()
    default_cursor_field: tuple[str, ...] = ()
    source_defined_primary_key: tuple[tuple[str, ...], ...] = ()
    property_fields: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteStreamProperties:
        what = "stream properties"
        payload = _require_mapping(payload, what)
        name = _field(payload, "streamName", str, what)
        what = f"stream properties of {name!r}"
        return cls(
            stream_name=name,
            stream_namespace=_field(payload, "streamnamespace", str, what, default=None) or None,
            sync_modes=_str_tuple(payload, "syncModes", what),
            default_cursor_field=_str_tuple(payload, "defaultCursorField", what),
            source_defined_primary_key=_paths(payload, "sourceDefinedPrimaryKey", what),
            property_fields=_paths(payload, "propertyFields", what),
        )
