"""How an Airbyte stream becomes a Dagster asset.

One overridable method, ``AirbyteTranslator.get_asset_spec(props)``, decides the whole
``AssetSpec`` of a stream. The default names the asset after where the data lands, as a person
would: ``[<destination namespace>, <table>]``, for example ``raw/stripe_charges``, in Airbyte's
names so the key is the same whatever the warehouse. ``dagster/table_name`` is the table the
destination really writes (``api/destination_names.py``); kinds are ``airbyte`` and the source
and destination types.

Change the key scheme by overriding it and adjusting the default spec::

    class MyTranslator(AirbyteTranslator):
        def get_asset_spec(self, props: AirbyteStreamProps) -> dg.AssetSpec:
            spec = super().get_asset_spec(props)
            return spec.replace_attributes(key=spec.key.with_prefix("airbyte"))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import dagster as dg

from airbyte_cloud_dagster.api import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteSource,
    AirbyteStream,
    AirbyteStreamProperties,
)
from airbyte_cloud_dagster.api.tables import DestinationTable
from airbyte_cloud_dagster.naming import sanitize_name

CONNECTION_ID_KEY = "airbyte/connection_id"
CONNECTION_URL_KEY = "airbyte/connection_url"
CONNECTION_NAME_KEY = "airbyte/connection_name"
STREAM_NAME_KEY = "airbyte/stream_name"
STREAM_NAMESPACE_KEY = "airbyte/stream_namespace"
SYNC_MODE_KEY = "airbyte/sync_mode"
TABLE_NAME_KEY = "dagster/table_name"
COLUMN_SCHEMA_KEY = "dagster/column_schema"
# Airbyte's own schedule of the connection, read by build_airbyte_schedules_from_airbyte.
SCHEDULE_TYPE_KEY = "airbyte/schedule_type"
SCHEDULE_KEY = "airbyte/schedule"


@dataclass(frozen=True)
class AirbyteStreamProps:
    """Everything known about one stream of one connection when its asset spec is made."""

    connection: AirbyteConnection
    stream: AirbyteStream
    destination: AirbyteDestination | None
    table: DestinationTable
    stream_properties: AirbyteStreamProperties | None
    connection_url: str
    source: AirbyteSource | None = None


class AirbyteTranslator:
    """Turns an Airbyte stream into an ``AssetSpec``; subclass to change any part of it."""

    def get_asset_spec(self, props: AirbyteStreamProps) -> dg.AssetSpec:
        return default_asset_spec(props)


def default_asset_spec(
    props: AirbyteStreamProps, *, key: dg.AssetKey | None = None, skippable: bool = False
) -> dg.AssetSpec:
    """What ``AirbyteTranslator().get_asset_spec(props)`` returns, with ``key`` instead of
    :func:`default_asset_key` when given.

    ``assets.build_specs`` passes the final key and ``skippable`` so that, with the default
    translator, each stream's spec is built once: an ``AssetSpec`` validates all its fields
    again on every ``replace_attributes`` (about a fifth of a 10,000-stream load, before).
    """
    table_name = props.table.qualified_name  # worked out on every read; used twice below
    return dg.AssetSpec(
        key=key if key is not None else default_asset_key(props.table),
        description=_description(props, table_name),
        group_name=sanitize_name(props.connection.name).lower(),
        kinds=_kinds(props.source, props.destination),
        metadata=_metadata(props, table_name),
        skippable=skippable,
    )


def default_asset_key(table: DestinationTable) -> dg.AssetKey:
    """``[namespace, table]`` sanitised for Dagster; ``[table]`` if the namespace is unknown.

    Made from the names Airbyte hands the destination (the mapped namespace, prefix + stream
    name), not from the destination's normalised ones, so a key does not depend on the
    warehouse: ``raw/stripe_charges`` on Postgres and Snowflake alike. ``dagster/table_name``
    has the warehouse's own name.
    """
    namespace = table.airbyte_namespace or table.schema
    name = table.airbyte_name or table.name
    parts = [namespace, name] if namespace else [name]
    return dg.AssetKey([sanitize_name(part) for part in parts])


def _description(props: AirbyteStreamProps, table_name: str) -> str:
    stream = props.stream
    source_name = f"{stream.namespace}.{stream.name}" if stream.namespace else stream.name
    return (
        f"The `{source_name}` stream of the Airbyte connection `{props.connection.name}`, "
        f"landing in `{table_name}`."
    )


def _kinds(source: AirbyteSource | None, destination: AirbyteDestination | None) -> set[str]:
    """``airbyte``, the source type and the destination type (Dagster allows three kinds).

    A Stripe -> Postgres table gets ``{"airbyte", "stripe", "postgres"}``.
    """
    # Custom connectors report an empty type (BEHAVIOUR.md, "GET /v1/destinations").
    types = (source.source_type if source else "", _destination_type(destination))
    return {"airbyte", *(connector_type for connector_type in types if connector_type)}


def _destination_type(destination: AirbyteDestination | None) -> str:
    return destination.destination_type if destination else ""


def _metadata(props: AirbyteStreamProps, table_name: str) -> dict[str, object]:
    stream = props.stream
    metadata: dict[str, object] = {
        TABLE_NAME_KEY: table_name,
        CONNECTION_ID_KEY: props.connection.connection_id,
        CONNECTION_NAME_KEY: props.connection.name,
        STREAM_NAME_KEY: stream.name,
        CONNECTION_URL_KEY: dg.MetadataValue.url(props.connection_url),
        SCHEDULE_TYPE_KEY: props.connection.schedule.schedule_type,
    }
    schedule = props.connection.schedule
    timing = {"cron": schedule.cron_expression, "basic": schedule.basic_timing}
    if timing.get(schedule.schedule_type):
        metadata[SCHEDULE_KEY] = timing[schedule.schedule_type]
    if stream.namespace:
        metadata[STREAM_NAMESPACE_KEY] = stream.namespace
    if stream.sync_mode:
        metadata[SYNC_MODE_KEY] = stream.sync_mode
    primary_key = stream.primary_key or _source_primary_key(props.stream_properties)
    if primary_key:
        metadata["airbyte/primary_key"] = [".".join(path) for path in primary_key]
    cursor = stream.cursor_field or _source_cursor(props.stream_properties)
    # A cursor only means something to an incremental sync; full refresh reads everything.
    if cursor and (stream.sync_mode or "").startswith("incremental"):
        metadata["airbyte/cursor_field"] = ".".join(cursor)
    schema = _column_schema(props)
    if schema is not None:
        metadata[COLUMN_SCHEMA_KEY] = schema
    return metadata


def _source_primary_key(properties: AirbyteStreamProperties | None) -> tuple[tuple[str, ...], ...]:
    return properties.source_defined_primary_key if properties else ()


def _source_cursor(properties: AirbyteStreamProperties | None) -> tuple[str, ...]:
    return properties.default_cursor_field if properties else ()


def _column_schema(props: AirbyteStreamProps) -> dg.TableSchema | None:
    """Columns from the streams endpoint; the public API gives names only, no types."""
    # With column selection on, only the selected fields land (BEHAVIOUR.md, selectedFields).
    fields = props.stream.selected_fields or (
        props.stream_properties.property_fields if props.stream_properties else ()
    )
    top_level = list(dict.fromkeys(path[0] for path in fields if path))
    if not top_level:
        return None
    return dg.TableSchema(columns=[_untyped_column(name) for name in top_level])


@functools.lru_cache(maxsize=4096)
def _untyped_column(name: str) -> dg.TableColumn:
    # Immutable, so one per column name serves every table that has it (id, updated_at, ...).
    return dg.TableColumn(name=name, type="unknown")
