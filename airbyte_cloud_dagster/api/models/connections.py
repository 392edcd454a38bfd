"""Connections: their enabled streams and schedule (``ConnectionResponse``).

>>> connection = AirbyteConnection.from_api(client._get(f"/connections/{connection_id}"))
>>> [stream.name for stream in connection.streams]
['customers', 'orders']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airbyte_cloud_dagster.api.errors import AirbyteResponseError
from airbyte_cloud_dagster.api.models.fields import (
    field,
    paths,
    require_mapping,
    short,
    str_tuple,
)

__all__ = ["AirbyteConnection", "AirbyteStream", "ConnectionSchedule"]


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
                    f"(expected objects with a 'fieldPath' list, got {short(item)})."
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
            schedule=ConnectionSchedule.from_api(
                field(payload, "schedule", Mapping, what), what=f"schedule of {what}"
            ),
            # NamespaceDefinitionEnum defaults to "destination" (openapi.yaml).
            namespace_definition=field(
                payload, "namespaceDefinition", str, what, default="destination"
            ),
            namespace_format=field(payload, "namespaceFormat", str, what, default=None),
            prefix=field(payload, "prefix", str, what, default=""),
            streams=tuple(AirbyteStream.from_api(s, connection_name=name) for s in streams),
            created_at=field(payload, "createdAt", int, what, default=None),
        )
