"""Connections: their enabled streams and schedule (``ConnectionResponse``).

>>> connection = AirbyteConnection.from_api(client._get(f"/connections/{connection_id}"))
>>> [stream.name for stream in connection.streams]
['customers', 'orders']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airbyte_cloud_dagster.api.errors import AirbyteConfigurationError, AirbyteResponseError
from airbyte_cloud_dagster.api.models.fields import (
    UNUSABLE_ANSWER_HINT,
    field,
    paths,
    require_mapping,
    short,
    str_tuple,
)

__all__ = [
    "AirbyteConnection",
    "AirbyteStream",
    "AirbyteTag",
    "ConnectionSchedule",
    "connection_patch_body",
]

# patchConnection drops a schedule that has no cronExpression, even a manual one, and answers
# 200 with the schedule unchanged; with manual the expression is neither checked nor kept
# (docs/airbyte/behaviour.md, "Changing a connection"). Any valid Quartz expression will do.
MANUAL_CRON_EXPRESSION = "0 0 0 * * ?"
# The statuses a client may set (ConnectionStatusEnum also has deprecated = deleted, and locked).
PATCHABLE_STATUSES = ("active", "inactive")
# A 7th Quartz field that is a year, not a time zone (digits, *, ranges, lists, steps).
_YEAR_LIKE = re.compile(r"[0-9*,/\-?]+")


def split_time_zone(cron_expression: str) -> tuple[list[str], str | None]:
    """A Quartz cron expression's fields, and the time zone written after them, if any.

    >>> split_time_zone("0 0 12 * * ? UTC")
    (['0', '0', '12', '*', '*', '?'], 'UTC')
    """
    tokens = cron_expression.split()
    # 7 tokens: the last is a year (digits, *, ranges) or a time zone (letters).
    if len(tokens) == 8 or (len(tokens) == 7 and not _YEAR_LIKE.fullmatch(tokens[-1])):
        return tokens[:-1], tokens[-1]
    return tokens, None


@dataclass(frozen=True)
class AirbyteStream:
    """An enabled stream of a connection (``StreamConfiguration``).

    ``namespace`` is the *source's* namespace; where the stream lands is worked out by
    ``api.tables.resolve_destination_table``. Names may contain ``/``, spaces, dots, or start
    with a digit (docs/airbyte/behaviour.md, "Connections").
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
        payload = require_mapping(payload, what)
        name = field(payload, "name", str, what)
        what = f"stream {name!r} of connection {connection_name!r}"
        selected = field(payload, "selectedFields", list, what, default=[])
        selected_fields = []
        for item in selected:
            # SelectedFieldInfo is {"fieldPath": ["a", "b"]} (openapi.yaml "SelectedFieldInfo").
            path = item.get("fieldPath") if isinstance(item, Mapping) else None
            if not isinstance(path, list) or not all(isinstance(p, str) for p in path):
                raise AirbyteResponseError(
                    f"Airbyte returned a {what} whose field 'selectedFields' is malformed "
                    f"(expected objects with a 'fieldPath' list, got {short(item)}); "
                    f"{UNUSABLE_ANSWER_HINT}."
                )
            selected_fields.append(tuple(path))
        return cls(
            name=name,
            namespace=field(payload, "namespace", str, what, default=None) or None,
            sync_mode=field(payload, "syncMode", str, what, default=None),
            cursor_field=str_tuple(payload, "cursorField", what),
            primary_key=paths(payload, "primaryKey", what),
            selected_fields=tuple(selected_fields),
            destination_object_name=field(
                payload, "destinationObjectName", str, what, default=None
            ),
        )


@dataclass(frozen=True)
class ConnectionSchedule:
    """When a connection runs by itself (``ConnectionScheduleResponse``).

    ``schedule_type`` is ``manual``, ``cron`` or ``basic``. A cron expression is a *Quartz*
    expression followed by a time zone, e.g. ``0 0 12 * * ? UTC``; basic timing reads like
    ``Every 24 HOURS`` (docs/airbyte/behaviour.md, "Connections").
    """

    schedule_type: str
    cron_expression: str | None = None
    basic_timing: str | None = None

    @classmethod
    def from_api(cls, payload: Any, *, what: str = "connection schedule") -> ConnectionSchedule:
        payload = require_mapping(payload, what)
        return cls(
            schedule_type=field(payload, "scheduleType", str, what),
            cron_expression=field(payload, "cronExpression", str, what, default=None),
            basic_timing=field(payload, "basicTiming", str, what, default=None),
        )

    def to_api(self) -> dict[str, str]:
        """The schedule as Airbyte serves it (``ConnectionScheduleResponse``); ``from_api``
        reads it back equal.

        >>> ConnectionSchedule("cron", cron_expression="0 0 12 * * ? UTC").to_api()
        {'scheduleType': 'cron', 'cronExpression': '0 0 12 * * ? UTC'}
        """
        body = {"scheduleType": self.schedule_type}
        if self.cron_expression is not None:
            body["cronExpression"] = self.cron_expression
        if self.basic_timing is not None:
            body["basicTiming"] = self.basic_timing
        return body

    @property
    def time_zone(self) -> str | None:
        """The time zone after a cron expression (``UTC`` in ``0 0 12 * * ? UTC``), if any."""
        return split_time_zone(self.cron_expression or "")[1]

    @property
    def unsettable_reason(self) -> str | None:
        """Why the public API cannot set this schedule, or None when it can.

        ``patchConnection`` sets ``manual`` and ``cron`` schedules only, and a cron schedule
        always in UTC (docs/airbyte/behaviour.md, "Changing a connection"): a basic schedule,
        or a cron schedule in another time zone, can be set only in Airbyte's web app.
        """
        if self.schedule_type == "manual":
            return None
        if self.schedule_type == "basic":
            return (
                f"the public Airbyte API cannot set a basic schedule ({self.basic_timing!r}); "
                "only Airbyte's web app can"
            )
        if self.schedule_type != "cron":
            return f"the public Airbyte API cannot set a {self.schedule_type!r} schedule"
        if not self.cron_expression:
            return "a cron schedule needs a cron expression"
        if self.time_zone not in (None, "UTC"):
            return (
                f"the public Airbyte API sets cron schedules in UTC only, and "
                f"{self.cron_expression!r} runs in {self.time_zone}; only Airbyte's web app "
                "can set it"
            )
        return None

    def to_request(self) -> dict[str, str]:
        """The schedule as ``patchConnection`` takes it (``AirbyteApiConnectionSchedule``).

        Raises :class:`AirbyteConfigurationError` for a schedule the public API cannot set
        (:attr:`unsettable_reason`). A manual schedule carries a placeholder cron expression:
        without one, Airbyte leaves the schedule as it was.

        >>> ConnectionSchedule("manual").to_request()
        {'scheduleType': 'manual', 'cronExpression': '0 0 0 * * ?'}
        """
        reason = self.unsettable_reason
        if reason:
            raise AirbyteConfigurationError(f"Cannot set this schedule: {reason}.")
        if self.schedule_type == "manual":
            return {"scheduleType": "manual", "cronExpression": MANUAL_CRON_EXPRESSION}
        return {"scheduleType": "cron", "cronExpression": str(self.cron_expression)}


@dataclass(frozen=True)
class AirbyteTag:
    """A tag on a connection (``Tag`` in ``ConnectionResponse.tags``, Airbyte 1.5 and later).

    Users know tags by ``name`` (e.g. ``team:finance``); ``tag_id`` is what
    ``GET /connections?tagIds=`` filters on; ``color`` is a hexadecimal colour for the web app.

    >>> AirbyteTag.from_api({"tagId": "18dc...", "name": "team:finance", "color": "FF5733"}).name
    'team:finance'
    """

    name: str
    tag_id: str = ""
    color: str = ""

    @classmethod
    def from_api(cls, payload: Any, *, connection_name: str = "?") -> AirbyteTag:
        what = f"tag of connection {connection_name!r}"
        payload = require_mapping(payload, what)
        return cls(
            name=field(payload, "name", str, what),
            tag_id=field(payload, "tagId", str, what, default=""),
            color=field(payload, "color", str, what, default=""),
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
    # Required in ConnectionResponse since Airbyte 1.5; older servers omit it (no tags).
    tags: tuple[AirbyteTag, ...] = ()

    @property
    def tag_names(self) -> tuple[str, ...]:
        """The names of the connection's tags, in Airbyte's order (``('team:finance',)``)."""
        return tuple(tag.name for tag in self.tags)

    @property
    def is_active(self) -> bool:
        """Only ``active`` connections run; an inactive one answers a sync with 409."""
        return self.status == "active"

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteConnection:
        what = "connection"
        payload = require_mapping(payload, what)
        connection_id = field(payload, "connectionId", str, what)
        name = field(payload, "name", str, what)
        what = f"connection {name!r} ({connection_id})"
        configurations = field(payload, "configurations", Mapping, what, default={})
        streams = field(configurations, "streams", list, what, default=[])
        return cls(
            connection_id=connection_id,
            name=name,
            source_id=field(payload, "sourceId", str, what),
            destination_id=field(payload, "destinationId", str, what),
            workspace_id=field(payload, "workspaceId", str, what),
            status=field(payload, "status", str, what),
            schedule=_schedule_or_unknown(payload, what),
            # NamespaceDefinitionEnum defaults to "destination" (openapi.yaml).
            namespace_definition=field(
                payload, "namespaceDefinition", str, what, default="destination"
            ),
            namespace_format=field(payload, "namespaceFormat", str, what, default=None),
            prefix=field(payload, "prefix", str, what, default=""),
            streams=tuple(AirbyteStream.from_api(s, connection_name=name) for s in streams),
            created_at=_created_at(payload),
            tags=tuple(
                AirbyteTag.from_api(tag, connection_name=name)
                for tag in field(payload, "tags", list, what, default=[])
            ),
        )


def connection_patch_body(
    *,
    name: str | None = None,
    status: str | None = None,
    schedule: ConnectionSchedule | None = None,
) -> dict[str, Any]:
    """A ``ConnectionPatchRequest`` naming only the fields to change.

    Raises :class:`AirbyteConfigurationError` for nothing to change, a blank name, a status
    other than ``active``/``inactive``, or a schedule the public API cannot set.

    >>> connection_patch_body(schedule=ConnectionSchedule("cron", "0 0 6 * * ? UTC"))
    {'schedule': {'scheduleType': 'cron', 'cronExpression': '0 0 6 * * ? UTC'}}
    """
    body: dict[str, Any] = {}
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise AirbyteConfigurationError(f"name={name!r} must be a non-empty string.")
        body["name"] = name
    if status is not None:
        if status not in PATCHABLE_STATUSES:
            raise AirbyteConfigurationError(
                f"status={status!r} cannot be set; use 'active' or 'inactive'."
            )
        body["status"] = status
    if schedule is not None:
        if not isinstance(schedule, ConnectionSchedule):
            raise AirbyteConfigurationError(
                f"schedule={schedule!r} must be a ConnectionSchedule, e.g. "
                "ConnectionSchedule('manual')."
            )
        body["schedule"] = schedule.to_request()
    if not body:
        raise AirbyteConfigurationError(
            "Nothing to change: give at least one of name, status and schedule."
        )
    return body


UNKNOWN_SCHEDULE = "unknown"


def _created_at(payload: Mapping[str, Any]) -> int | None:
    """``createdAt`` (epoch seconds, an int64 in the spec's ``ConnectionResponse``), or None
    when it is anything else, such as a date string: nothing here needs it, so a connection is
    not refused for it."""
    value = payload.get("createdAt")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _schedule_or_unknown(payload: Mapping[str, Any], what: str) -> ConnectionSchedule:
    """The connection's schedule, or one of type ``unknown`` when it cannot be read (no
    ``scheduleType``, as in some fixtures, or no schedule at all): the assets do not need it,
    only mirroring does, and mirroring says what it could not read."""
    try:
        return ConnectionSchedule.from_api(
            field(payload, "schedule", Mapping, what), what=f"schedule of {what}"
        )
    except AirbyteResponseError:
        return ConnectionSchedule(schedule_type=UNKNOWN_SCHEDULE)
