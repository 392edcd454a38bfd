"""The workspace as the API serves it: lookups by id and the JSON of each resource.

Shapes follow openapi.yaml (WorkspaceResponse, SourceResponse, DestinationResponse,
ConnectionResponse, StreamProperties); quirks from docs/airbyte/behaviour.md are noted where they
apply.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from airbyte_cloud_dagster.sandbox.seed import (
    ConfiguredStreamSeed,
    ConnectionSeed,
    DestinationSeed,
    SourceSeed,
    StreamSeed,
    WorkspaceSeed,
    tag_json,
)

# docs/airbyte/behaviour.md, "Connections": "deprecated" is how a deleted connection shows up
# (includeDeleted=true).
DELETED_STATUS = "deprecated"


class Catalog:
    """Index over a :class:`WorkspaceSeed`. Connections change only through
    :meth:`update_connection` (``PATCH /connections/{id}``), which never touches the seed."""

    def __init__(self, seed: WorkspaceSeed):
        self.seed = seed
        self.sources = {s.source_id: s for s in seed.sources}
        self.destinations = {d.destination_id: d for d in seed.destinations}
        self.connections = {c.connection_id: c for c in seed.connections}

    @property
    def workspace_id(self) -> str:
        return self.seed.workspace_id

    def update_connection(self, connection_id: str, **changes: Any) -> ConnectionSeed:
        """Serve the connection with ``changes`` (``ConnectionSeed`` fields) from now on.

        The connection is replaced, not changed in place, so the seed the sandbox was given
        (``catalog.seed``) still reads as it was written.
        """
        connection = dataclasses.replace(self.connections[connection_id], **changes)
        self.connections[connection_id] = connection
        return connection

    def catalog_stream(
        self, connection: ConnectionSeed, stream: ConfiguredStreamSeed
    ) -> StreamSeed:
        """The source-catalog entry behind a connection's configured stream."""
        found = self.sources[connection.source_id].stream(stream.name, stream.namespace)
        if found is None:  # seeds are checked on load; guard against hand-built ones
            return StreamSeed(stream.name, stream.namespace)
        return found


def workspace_json(seed: WorkspaceSeed) -> dict[str, Any]:
    """WorkspaceResponse."""
    off = {"email": {"enabled": False}, "webhook": {"enabled": False}}
    return {
        "workspaceId": seed.workspace_id,
        "name": seed.name,
        "dataResidency": seed.data_residency,
        "notifications": {
            "failure": {"email": {"enabled": True}, "webhook": {"enabled": False}},
            "success": off,
            "connectionUpdate": {"email": {"enabled": True}, "webhook": {"enabled": False}},
            "connectionUpdateActionRequired": {
                "email": {"enabled": True},
                "webhook": {"enabled": False},
            },
            "syncDisabled": {"email": {"enabled": True}, "webhook": {"enabled": False}},
            "syncDisabledWarning": off,
        },
    }


def source_json(source: SourceSeed, workspace_id: str) -> dict[str, Any]:
    """SourceResponse (configuration secrets are already masked in the seed)."""
    return {
        "sourceId": source.source_id,
        "name": source.name,
        "sourceType": source.source_type,
        "definitionId": source.definition_id,
        "workspaceId": workspace_id,
        "configuration": source.configuration,
        "createdAt": source.created_at,
    }


def destination_json(destination: DestinationSeed, workspace_id: str) -> dict[str, Any]:
    """DestinationResponse."""
    return {
        "destinationId": destination.destination_id,
        "name": destination.name,
        "destinationType": destination.destination_type,
        "definitionId": destination.definition_id,
        "workspaceId": workspace_id,
        "configuration": destination.configuration,
        "createdAt": destination.created_at,
    }


def _configured_stream_json(
    catalog: Catalog, connection: ConnectionSeed, stream: ConfiguredStreamSeed
) -> dict[str, Any]:
    source_stream = catalog.catalog_stream(connection, stream)
    cursor = stream.cursor_field if stream.cursor_field is not None else source_stream.cursor_field
    pk = stream.primary_key if stream.primary_key is not None else source_stream.primary_key
    body: dict[str, Any] = {"name": stream.name}
    # Streams without a source namespace carry no namespace key
    # (docs/airbyte/behaviour.md, "Connections").
    if stream.namespace is not None:
        body["namespace"] = stream.namespace
    body.update(
        {
            "syncMode": stream.sync_mode,
            # full refresh streams have no cursor in the configured catalog
            "cursorField": list(cursor) if stream.sync_mode.startswith("incremental") else [],
            "primaryKey": [list(p) for p in pk],
            "selectedFields": [{"fieldPath": list(p)} for p in stream.selected_fields],
            "includeFiles": False,
            "mappers": [],
        }
    )
    return body


def connection_json(catalog: Catalog, connection: ConnectionSeed) -> dict[str, Any]:
    """ConnectionResponse; ``configurations.streams`` holds only the enabled streams."""
    schedule: dict[str, Any] = {"scheduleType": connection.schedule.schedule_type}
    if connection.schedule.cron_expression:
        schedule["cronExpression"] = connection.schedule.cron_expression
    if connection.schedule.basic_timing:
        schedule["basicTiming"] = connection.schedule.basic_timing
    body: dict[str, Any] = {
        "connectionId": connection.connection_id,
        "name": connection.name,
        "sourceId": connection.source_id,
        "destinationId": connection.destination_id,
        "workspaceId": catalog.workspace_id,
        "status": connection.status,
        "schedule": schedule,
        "nonBreakingSchemaUpdatesBehavior": "ignore",
        "namespaceDefinition": connection.namespace_definition,
        "prefix": connection.prefix,
        "configurations": {
            "streams": [_configured_stream_json(catalog, connection, s) for s in connection.streams]
        },
        "createdAt": connection.created_at,
        "tags": [tag_json(tag, catalog.workspace_id) for tag in connection.tags],
    }
    if connection.namespace_format is not None:
        body["namespaceFormat"] = connection.namespace_format
    return body


def stream_properties_json(stream: StreamSeed) -> dict[str, Any]:
    """StreamProperties; note the lower-case ``streamnamespace`` (a quirk of the spec itself)."""
    body: dict[str, Any] = {
        "streamName": stream.name,
        "syncModes": list(stream.sync_modes),
        "defaultCursorField": list(stream.cursor_field),
        "sourceDefinedCursorField": bool(stream.cursor_field),
        "sourceDefinedPrimaryKey": [list(p) for p in stream.primary_key],
        "propertyFields": [list(p) for p in stream.fields],
    }
    if stream.namespace is not None:
        body["streamnamespace"] = stream.namespace
    return body
