"""How an Airbyte stream becomes a Dagster asset.

One overridable method, ``AirbyteTranslator.get_asset_spec(props)``, decides the whole
``AssetSpec`` of a stream. The default names the asset after where the data lands, as a person
would: ``[<destination namespace>, <table>]``, for example ``raw/stripe_charges``.

Change the key scheme by overriding it and adjusting the default spec::

    class MyTranslator(AirbyteTranslator):
        def get_asset_spec(self, props: AirbyteStreamProps) -> dg.AssetSpec:
            spec = super().get_asset_spec(props)
            return spec.replace_attributes(key=spec.key.with_prefix("airbyte"))
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from airbyte_cloud_dagster.api import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteStream,
    AirbyteStreamProperties,
)
from airbyte_cloud_dagster.api.tables import DestinationTable
from airbyte_cloud_dagster.naming import sanitize_name

CONNECTION_ID_KEY = "airbyte/connection_id"
CONNECTION_URL_KEY = "airbyte/connection_url"
STREAM_NAME_KEY = "airbyte/stream_name"
STREAM_NAMESPACE_KEY = "airbyte/stream_namespace"
TABLE_NAME_KEY = "dagster/table_name"
COLUMN_SCHEMA_KEY = "dagster/column_schema"


@dataclass(frozen=True)
class AirbyteStreamProps:
    """Everything known about one stream of one connection when its asset spec is made."""

    connection: AirbyteConnection
    stream: AirbyteStream
    destination: AirbyteDestination | None
    table: DestinationTable
    stream_properties: AirbyteStreamProperties | None
    connection_url: str


class AirbyteTranslator:
    """Turns an Airbyte stream into an ``AssetSpec``; subclass to change any part of it."""

    def get_asset_spec(self, props: AirbyteStreamProps) -> dg.AssetSpec:
        return dg.AssetSpec(
            key=default_asset_key(props.table),
            description=_description(props),
            group_name=sanitize_name(props.connection.name).lower(),
            kinds=_kinds(props.destination),
            metadata=_metadata(props),
        )


def default_asset_key(table: DestinationTable) -> dg.AssetKey:
    """``[namespace, table]`` sanitised for Dagster; ``[table]`` if the namespace is unknown."""
    parts = [table.schema, table.name] if table.schema else [table.name]
    return dg.AssetKey([sanitize_name(part) for part in parts])


def _description(props: AirbyteStreamProps) -> str:
    stream = props.stream
    source_name = f"{stream.namespace}.{stream.name}" if stream.namespace else stream.name
    return (
        f"The `{source_name}` stream of the Airbyte connection `{props.connection.name}`, "
        f"landing in `{props.table.qualified_name}`."
    )


def _kinds(destination: AirbyteDestination | None) -> set[str]:
    kinds = {"airbyte"}
    # Custom connectors report an empty destinationType (BEHAVIOUR.md, "GET /v1/destinations").
    if destination and destination.destination_type:
        kinds.add(destination.destination_type)
    return kinds


def _metadata(props: AirbyteStreamProps) -> dict[str, object]:
    stream = props.stream
    metadata: dict[str, object] = {
        TABLE_NAME_KEY: props.table.qualified_name,
        CONNECTION_ID_KEY: props.connection.connection_id,
        "airbyte/connection_name": props.connection.name,
        STREAM_NAME_KEY: stream.name,
        CONNECTION_URL_KEY: dg.MetadataValue.url(props.connection_url),
    }
    if stream.namespace:
        metadata[STREAM_NAMESPACE_KEY] = stream.namespace
    if stream.sync_mode:
        metadata["airbyte/sync_mode"] = stream.sync_mode
    primary_key = stream.primary_key or _source_primary_key(props.stream_properties)
    if primary_key:
        metadata["airbyte/primary_key"] = [".".join(path) for path in primary_key]
    cursor = stream.cursor_field or _source_cursor(props.stream_properties)
    if cursor:
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
    return dg.TableSchema(columns=[dg.TableColumn(name=name, type="unknown") for name in top_level])
