"""A sandbox connection as the internal Config API shows it: ``ConnectionRead``.

The fields are those of docs/airbyte/config-api.md §4. Complete enough for dagster-airbyte's
``AirbyteWorkspace``, which reads ``connectionId``, ``name``, ``prefix``, ``destinationId`` and, per
``syncCatalog.streams[]`` entry, ``stream.name``, ``stream.jsonSchema`` (``properties`` with a
``type`` each) and ``config.selected``. Like the real server, the catalog lists *every* stream of
the source, the connection's enabled ones with ``selected: true``; nulls are omitted.

``jsonSchema`` is the stream's own (``StreamSeed.json_schema``) when the seed gives one; else it
has one property per field, typed as the demo's connectors type them
(``demo_data.column_types``: Stripe's ``amount`` an integer, Postgres timestamps with a zone,
...) or, for other streams, guessed from the column name.

Public API values are translated where the two APIs differ: ``custom_format`` is
``customformat``; a sync mode such as ``incremental_deduped_history`` is a ``syncMode``
(``incremental``) plus a ``destinationSyncMode`` (``append_dedup``); a cron schedule's
trailing time zone is ``cronTimeZone``; ``Every 24 HOURS`` is ``{units: 24, timeUnit: hours}``.
"""

from __future__ import annotations

from typing import Any

from airbyte_cloud_dagster.sandbox.demo_data import column_types
from airbyte_cloud_dagster.sandbox.resources import Catalog
from airbyte_cloud_dagster.sandbox.seed import (
    ConfiguredStreamSeed,
    ConnectionSeed,
    Path_,
    ScheduleSeed,
    StreamSeed,
    derived_id,
    tag_json,
)

NAMESPACE_DEFINITIONS = {"custom_format": "customformat"}
# Public sync mode -> (syncMode, destinationSyncMode) of AirbyteStreamConfiguration.
SYNC_MODES = {
    "full_refresh_overwrite": ("full_refresh", "overwrite"),
    "full_refresh_overwrite_deduped": ("full_refresh", "overwrite_dedup"),
    "full_refresh_append": ("full_refresh", "append"),
    "full_refresh_update": ("full_refresh", "update"),
    "full_refresh_soft_delete": ("full_refresh", "soft_delete"),
    "incremental_append": ("incremental", "append"),
    "incremental_deduped_history": ("incremental", "append_dedup"),
    "incremental_update": ("incremental", "update"),
    "incremental_soft_delete": ("incremental", "soft_delete"),
}
TIME_UNITS = ("minutes", "hours", "days", "weeks", "months")


def connection_read(catalog: Catalog, connection: ConnectionSeed) -> dict[str, Any]:
    """``ConnectionRead`` of ``POST /api/v1/connections/get``."""
    source = catalog.sources[connection.source_id]
    enabled = {(s.name, s.namespace): s for s in connection.streams}
    body: dict[str, Any] = {
        "connectionId": connection.connection_id,
        "name": connection.name,
        "namespaceDefinition": NAMESPACE_DEFINITIONS.get(
            connection.namespace_definition, connection.namespace_definition
        ),
    }
    if connection.namespace_format is not None:
        body["namespaceFormat"] = connection.namespace_format
    body.update(
        {
            "prefix": connection.prefix,
            "sourceId": connection.source_id,
            "destinationId": connection.destination_id,
            "operationIds": [],
            "syncCatalog": {
                "streams": [
                    _catalog_entry(
                        stream,
                        enabled.get((stream.name, stream.namespace)),
                        source_type=source.source_type,
                    )
                    for stream in source.streams
                ]
            },
            **_schedule(connection.schedule),
            "status": connection.status,
            "sourceCatalogId": derived_id("catalog", connection.source_id),
            "breakingChange": False,
            "notifySchemaChanges": False,
            "notifySchemaChangesByEmail": False,
            "nonBreakingChangesPreference": "ignore",
            # Really snake_case (docs/airbyte/config-api.md §4).
            "created_at": connection.created_at,
            "backfillPreference": "disabled",
            "workspaceId": catalog.workspace_id,
            "tags": [tag_json(tag, catalog.workspace_id) for tag in connection.tags],
        }
    )
    return body


def _schedule(schedule: ScheduleSeed) -> dict[str, Any]:
    """``scheduleType`` and ``scheduleData`` (plus the legacy ``schedule`` for basic ones)."""
    if schedule.schedule_type == "cron" and schedule.cron_expression:
        # The public API appends the zone to the Quartz expression
        # (docs/airbyte/behaviour.md, "Connections").
        expression, _, zone = schedule.cron_expression.rpartition(" ")
        cron = {"cronExpression": expression or zone, "cronTimeZone": zone if expression else "UTC"}
        return {"scheduleType": "cron", "scheduleData": {"cron": cron}}
    if schedule.schedule_type == "basic" and schedule.basic_timing:
        words = schedule.basic_timing.split()  # "Every 24 HOURS"
        units = int(words[1]) if len(words) == 3 and words[1].isdigit() else 24
        unit = words[-1].lower() if words[-1].lower() in TIME_UNITS else "hours"
        timing = {"units": units, "timeUnit": unit}
        return {
            "schedule": timing,
            "scheduleType": "basic",
            "scheduleData": {"basicSchedule": {"timeUnit": unit, "units": units}},
        }
    return {"scheduleType": "manual"}


def _catalog_entry(
    stream: StreamSeed, configured: ConfiguredStreamSeed | None, *, source_type: str = ""
) -> dict[str, Any]:
    """One ``{stream, config}`` entry; a stream the connection does not sync is unselected."""
    modes = list(dict.fromkeys(SYNC_MODES.get(m, ("full_refresh",))[0] for m in stream.sync_modes))
    schema = stream.json_schema or json_schema(
        stream.fields, column_types(source_type, stream.namespace, stream.name)
    )
    airbyte_stream: dict[str, Any] = {"name": stream.name, "jsonSchema": schema}
    airbyte_stream.update(
        {
            "supportedSyncModes": modes,
            "sourceDefinedCursor": bool(stream.cursor_field),
            "defaultCursorField": list(stream.cursor_field),
            "sourceDefinedPrimaryKey": [list(p) for p in stream.primary_key],
            "isResumable": True,
        }
    )
    if stream.namespace is not None:
        airbyte_stream["namespace"] = stream.namespace
    mode = configured.sync_mode if configured else (stream.sync_modes or [""])[0]
    sync_mode, destination_mode = SYNC_MODES.get(mode, ("full_refresh", "overwrite"))
    cursor = configured.cursor_field if configured and configured.cursor_field else None
    primary_key = configured.primary_key if configured and configured.primary_key else None
    selected_fields = configured.selected_fields if configured else []
    config: dict[str, Any] = {
        "syncMode": sync_mode,
        "destinationSyncMode": destination_mode,
        "cursorField": list(cursor or stream.cursor_field) if sync_mode == "incremental" else [],
        "primaryKey": [list(p) for p in (primary_key or stream.primary_key)],
        "aliasName": stream.name,
        "selected": configured is not None,
        "suggested": True,
        "fieldSelectionEnabled": bool(selected_fields),
    }
    if selected_fields:
        config["selectedFields"] = [{"fieldPath": list(p)} for p in selected_fields]
    return {"stream": airbyte_stream, "config": config}


def json_schema(
    fields: list[Path_], types: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A JSON schema for the stream's field paths; nested paths become nested objects.

    ``types`` gives top-level fields their schema (``{"amount": {"type": "integer"}}``);
    other fields get one guessed from their name.
    """
    types = types or {}
    properties: dict[str, Any] = {}
    for path in fields:
        node = properties
        for depth, part in enumerate(path):
            known = types.get(part) if depth == 0 else None
            if depth == len(path) - 1:
                node.setdefault(part, dict(known) if known else _field_type(part))
            else:
                parent = node.setdefault(
                    part, {**(known or {"type": ["null", "object"]}), "properties": {}}
                )
                node = parent.setdefault("properties", {})
    return {
        "type": "object",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": properties,
    }


def _field_type(name: str) -> dict[str, Any]:
    """A plausible type from the column name, in the nullable style sources use."""
    lower = name.lower()
    if lower in ("id", "customer", "charge") or lower.endswith("_id"):  # as warehouse.py fills
        return {"type": ["null", "integer"]}
    if lower in ("amount", "mrr", "fee", "net", "qty", "quantity"):
        return {"type": ["null", "number"]}
    if lower.endswith(("_at", "created", "_modified", "date")) or lower in ("ts", "updatedat"):
        return {"type": ["null", "string"], "format": "date-time"}
    return {"type": ["null", "string"]}
