"""How an Airbyte stream becomes a Dagster asset.

One overridable method, ``AirbyteTranslator.get_asset_spec(props)``, decides the whole
``AssetSpec`` of a stream. The default names the asset after where the data lands, as a person
would: ``[<destination namespace>, <table>]``, for example ``raw/stripe_charges``, in Airbyte's
names so the key is the same whatever the warehouse. ``dagster/table_name`` is the table the
destination really writes (``api/destination_names.py``); kinds are ``airbyte`` and the source
and destination types; each of the connection's Airbyte tags is a Dagster tag
``airbyte/<tag name>`` (``naming.tag_key``).

Two key schemes (``KeyScheme``), one per translator class:

- ``"namespace_table"`` (``AirbyteTranslator``): ``[namespace, table]``, as above;
- ``"dagster_airbyte"`` (``DagsterAirbyteKeysTranslator``): dagster-airbyte's default spec, so a
  team switching from it keeps its assets' history: one key part, the connection's stream prefix
  plus the stream name (``stripe_charges``), no group (Dagster's ``default``), kinds ``airbyte``
  and the destination type.

Change the key scheme by overriding it and adjusting the default spec::

    class MyTranslator(AirbyteTranslator):
        def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
            spec = super().get_asset_spec(props)
            return spec.replace_attributes(key=spec.key.with_prefix("airbyte"))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteSource,
    AirbyteStream,
    AirbyteStreamProperties,
)
from airbyte_cloud_dagster.api.tables import DestinationTable
from airbyte_cloud_dagster.workspace.columns import column_schema
from airbyte_cloud_dagster.workspace.naming import key_part, sanitize_name, tag_key, unreserved

KeyScheme = Literal["namespace_table", "dagster_airbyte"]
KEY_SCHEMES: tuple[str, ...] = get_args(KeyScheme)


@dataclass(frozen=True)
class AirbyteConnectionTableProps:
    """Everything known about one stream of one connection when its asset spec is made."""

    connection: AirbyteConnection
    stream: AirbyteStream
    destination: AirbyteDestination | None
    table: DestinationTable
    stream_properties: AirbyteStreamProperties | None
    connection_url: str
    source: AirbyteSource | None = None


class AirbyteTranslator:
    """Turns an Airbyte stream into an ``AssetSpec``; subclass to change any part of it.

    Its keys are ``[namespace, table]`` (``key_scheme = "namespace_table"``); subclass
    :class:`DagsterAirbyteKeysTranslator` instead to keep dagster-airbyte's keys.
    """

    key_scheme: KeyScheme = "namespace_table"

    def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
        return default_asset_spec(props, self.key_scheme)


class DagsterAirbyteKeysTranslator(AirbyteTranslator):
    """dagster-airbyte's default keys, group and kinds, with this package's metadata.

    The key is one part: the connection's stream prefix plus the stream name, as
    dagster-airbyte's ``DagsterAirbyteTranslator`` makes it (``stripe_charges``), so the
    history Dagster keeps under those keys (materializations, check results, dbt sources'
    lineage) stays attached. Subclass it as you would ``AirbyteTranslator``::

        class MyTranslator(DagsterAirbyteKeysTranslator):
            def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
                spec = super().get_asset_spec(props)
                return spec.replace_attributes(group_name="airbyte")
    """

    key_scheme: KeyScheme = "dagster_airbyte"


def default_asset_spec(
    props: AirbyteConnectionTableProps, key_scheme: KeyScheme = "namespace_table"
) -> dg.AssetSpec:
    """What ``AirbyteTranslator().get_asset_spec(props)`` returns (``key_scheme`` chooses the
    key, group and kinds; everything else is the same).

    Specs are ``skippable``: with ``wait_mode="sensor"`` the run only starts the sync, and the
    sync sensor records the tables when the job ends (sync/starting.py). Built skippable here,
    once, since an ``AssetSpec`` validates all its fields again on every ``replace_attributes``
    (about a fifth of a 10,000-stream load): a subclass that calls ``super()`` keeps it.
    """
    table_name = props.table.qualified_name  # worked out on every read; used twice below
    if key_scheme == "dagster_airbyte":
        key = dagster_airbyte_asset_key(props.connection, props.stream)
        group_name = None
        kinds = _kinds(None, props.destination)  # dagster-airbyte's: no source type
    else:
        key = default_asset_key(props.table)
        group_name = sanitize_name(props.connection.name).lower()
        kinds = _kinds(props.source, props.destination)
    return dg.AssetSpec(
        key=key,
        description=_description(props, table_name),
        group_name=group_name,
        kinds=kinds,
        metadata=_metadata(props, table_name),
        tags=connection_tags(props.connection),
        skippable=True,
    )


def default_asset_key(table: DestinationTable) -> dg.AssetKey:
    """``[namespace, table]`` sanitised for Dagster; ``[table]`` if the namespace is unknown.

    Made from the names Airbyte hands the destination (the mapped namespace, prefix + stream
    name), not from the destination's normalised ones, so a key does not depend on the
    warehouse: ``raw/stripe_charges`` on Postgres and Snowflake alike. ``dagster/table_name``
    has the warehouse's own name.
    """
    namespace = table.airbyte_namespace or table.schema
    name = sanitize_name(table.airbyte_name or table.name)
    # One part is also the op's output name, where Dagster refuses "type", "import", ...
    return dg.AssetKey([sanitize_name(namespace), name] if namespace else [unreserved(name)])


def dagster_airbyte_asset_key(connection: AirbyteConnection, stream: AirbyteStream) -> dg.AssetKey:
    """dagster-airbyte's default key: ``AssetKey(prefix + stream name)``, one part.

    Kept exactly wherever Dagster can load it (letters, digits, ``_``, ``-``, ``.``); other
    names, which dagster-airbyte could not load either, are made loadable (``naming.key_part``).
    """
    return dg.AssetKey(key_part(f"{connection.prefix}{stream.name}"))


def connection_tags(connection: AirbyteConnection) -> dict[str, str]:
    """Each Airbyte tag of the connection as a Dagster tag ``airbyte/<name>`` with no value.

    Airbyte tags are names only (``team:finance``), so the name is the key
    (``airbyte/team_finance``), and asset selections read ``tag:airbyte/team_finance``.
    """
    return {tag_key(tag.name): "" for tag in connection.tags}


def _description(props: AirbyteConnectionTableProps, table_name: str) -> str:
    stream = props.stream
    source_name = f"{stream.namespace}.{stream.name}" if stream.namespace else stream.name
    return (
        # Plain quotes: the asset catalog's table shows descriptions unrendered, backticks and
        # all.
        f"The {source_name!r} stream of the Airbyte connection {props.connection.name!r}, "
        f"landing in {table_name}."
    )


def _kinds(source: AirbyteSource | None, destination: AirbyteDestination | None) -> set[str]:
    """``airbyte``, the source type and the destination type (Dagster allows three kinds).

    A Stripe -> Postgres table gets ``{"airbyte", "stripe", "postgres"}``.
    """
    # Custom connectors report an empty type
    # (docs/airbyte/behaviour.md, "Destinations and sources").
    types = (source.source_type if source else "", _destination_type(destination))
    return {"airbyte", *(connector_type for connector_type in types if connector_type)}


def _destination_type(destination: AirbyteDestination | None) -> str:
    return destination.destination_type if destination else ""


def _metadata(props: AirbyteConnectionTableProps, table_name: str) -> dict[str, Any]:
    stream = props.stream
    metadata: dict[str, Any] = {
        md.TABLE_NAME: table_name,
        md.CONNECTION_ID: props.connection.connection_id,
        md.CONNECTION_NAME: props.connection.name,
        md.STREAM_NAME: stream.name,
        md.CONNECTION_URL: dg.MetadataValue.url(props.connection_url),
        **md.schedule_metadata(props.connection.schedule),
    }
    if props.connection.workspace_id:  # narrows the jobs a step that syncs many polls
        metadata[md.WORKSPACE_ID] = props.connection.workspace_id
    if stream.namespace:
        metadata[md.STREAM_NAMESPACE] = stream.namespace
    if stream.sync_mode:
        metadata[md.SYNC_MODE] = stream.sync_mode
    primary_key = stream.primary_key or _source_primary_key(props.stream_properties)
    if primary_key:
        metadata[md.PRIMARY_KEY] = [".".join(path) for path in primary_key]
    cursor = stream.cursor_field or _source_cursor(props.stream_properties)
    # A cursor only means something to an incremental sync; full refresh reads everything.
    if cursor and (stream.sync_mode or "").startswith("incremental"):
        metadata[md.CURSOR_FIELD] = ".".join(cursor)
    schema = _column_schema(props)
    if schema is not None:
        metadata[md.COLUMN_SCHEMA] = schema
    return metadata


def _source_primary_key(properties: AirbyteStreamProperties | None) -> tuple[tuple[str, ...], ...]:
    return properties.source_defined_primary_key if properties else ()


def _source_cursor(properties: AirbyteStreamProperties | None) -> tuple[str, ...]:
    return properties.default_cursor_field if properties else ()


def _column_schema(props: AirbyteConnectionTableProps) -> dg.TableSchema | None:
    """The columns that land: typed from the stored catalog, else names (workspace/columns.py)."""
    return column_schema(props.stream, props.stream_properties)


# --------------------------------------------------------------------------- specs, grouped


def selected_specs(context: dg.AssetExecutionContext) -> list[dg.AssetSpec]:
    """The specs of the assets a step was asked to materialize."""
    selected = context.selected_asset_keys
    return [spec for spec in context.assets_def.specs if spec.key in selected]


def specs_by_connection(specs: Iterable[dg.AssetSpec]) -> dict[str, list[dg.AssetSpec]]:
    """``specs`` grouped by Airbyte connection id, in the order given; raises for a spec that
    belongs to no connection (it was not built by this package)."""
    grouped: dict[str, list[dg.AssetSpec]] = {}
    for spec in specs:
        connection_id = spec.metadata.get(md.CONNECTION_ID)
        if connection_id is None:
            raise dg.DagsterInvariantViolationError(
                f"Asset {spec.key.to_user_string()} has no '{md.CONNECTION_ID}' metadata, so "
                "its Airbyte connection is unknown. Build it with load_airbyte_cloud_assets or "
                "load_airbyte_asset_specs."
            )
        grouped.setdefault(str(connection_id), []).append(spec)
    return grouped


def tables_by_connection(assets: Iterable[dg.AssetsDefinition]) -> dict[str, list[dg.AssetSpec]]:
    """The Airbyte tables among ``assets`` grouped by connection; other assets are left out.

    Works alike for per-connection multi-assets and the one-step multi-asset, which holds the
    tables of many connections. Raises if none belongs to a connection.
    """
    grouped = specs_by_connection(
        spec
        for assets_def in assets
        for spec in assets_def.specs
        if spec.metadata.get(md.CONNECTION_ID) is not None
    )
    if not grouped:
        raise dg.DagsterInvalidDefinitionError(
            "None of the assets belong to an Airbyte connection (metadata "
            f"'{md.CONNECTION_ID}'); build them with load_airbyte_cloud_assets."
        )
    return grouped
