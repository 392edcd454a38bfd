"""Airbyte connections as Dagster assets: one asset per destination table.

The public API syncs a whole connection, so each connection is one multi-asset whose tables
materialize together (``can_subset=False``: no pretend subsetting).

Example::

    airbyte = AirbyteCloudResource(client_id=dg.EnvVar(...), client_secret=dg.EnvVar(...))
    defs = dg.Definitions(
        assets=load_airbyte_cloud_assets(airbyte=airbyte),
        resources={"airbyte": airbyte},
    )
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteConnection
from airbyte_cloud_dagster.naming import sanitize_name, short_hash
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.translator import (
    STREAM_NAME_KEY,
    STREAM_NAMESPACE_KEY,
    AirbyteTranslator,
)
from airbyte_cloud_dagster.workspace import AirbyteWorkspaceData, ConnectionFilter

DEFAULT_POOL = "airbyte"
DEFAULT_RESOURCE_KEY = "airbyte"


def load_airbyte_cloud_assets(
    *,
    airbyte: AirbyteCloudResource,
    connection_ids: Sequence[str] | None = None,
    connection_filter: ConnectionFilter | None = None,
    translator: AirbyteTranslator | None = None,
    resource_key: str = DEFAULT_RESOURCE_KEY,
    pool: str | None = DEFAULT_POOL,
    fetch_column_schema: bool = True,
) -> list[dg.AssetsDefinition]:
    """One multi-asset per connection: every active connection, or the ones named.

    ``connection_filter`` keeps the connections for which it returns True. ``pool`` lets
    Dagster's concurrency settings cap how many syncs run at once. ``fetch_column_schema``
    reads column names from the streams endpoint, which can be slow on large workspaces.
    """
    data = AirbyteWorkspaceData.fetch(
        airbyte.get_client(),
        workspace_id=airbyte.resolved_workspace_id,
        connection_ids=connection_ids,
        connection_filter=connection_filter,
        fetch_column_schema=fetch_column_schema,
    )
    return build_airbyte_assets(data, translator=translator, resource_key=resource_key, pool=pool)


def build_airbyte_assets(
    data: AirbyteWorkspaceData,
    *,
    translator: AirbyteTranslator | None = None,
    resource_key: str = DEFAULT_RESOURCE_KEY,
    pool: str | None = DEFAULT_POOL,
) -> list[dg.AssetsDefinition]:
    """The assets of already-fetched workspace data (no API call)."""
    specs_by_connection = build_specs(data, translator)
    op_names = _op_names(data.connections)
    return [
        _connection_asset(
            specs, name=op_names[connection.connection_id], resource_key=resource_key, pool=pool
        )
        for connection in data.connections
        if (specs := specs_by_connection[connection.connection_id])
    ]


def airbyte_assets(
    *,
    connection_id: str,
    airbyte: AirbyteCloudResource,
    name: str | None = None,
    translator: AirbyteTranslator | None = None,
    pool: str | None = DEFAULT_POOL,
    fetch_column_schema: bool = True,
) -> Callable[[Callable[..., object]], dg.AssetsDefinition]:
    """Decorate your own body over the assets of one connection, like ``@dbt_assets``::

    @airbyte_assets(connection_id="9924bcd0-...", airbyte=airbyte)
    def stripe(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
        yield from airbyte.sync_and_materialize(context)
    """
    data = AirbyteWorkspaceData.fetch(
        airbyte.get_client(),
        connection_ids=[connection_id],
        fetch_column_schema=fetch_column_schema,
    )
    (connection,) = data.connections
    specs = build_specs(data, translator)[connection.connection_id]
    return dg.multi_asset(
        name=name or _op_names(data.connections)[connection.connection_id],
        specs=specs,
        can_subset=False,
        pool=pool,
    )


def build_specs(
    data: AirbyteWorkspaceData, translator: AirbyteTranslator | None = None
) -> dict[str, list[dg.AssetSpec]]:
    """Asset specs per connection id, with keys made unique across the whole workspace."""
    translator = translator or AirbyteTranslator()
    specs = {
        connection.connection_id: [
            translator.get_asset_spec(props) for props in data.stream_props(connection)
        ]
        for connection in data.connections
    }
    return _with_unique_keys(specs)


def _with_unique_keys(specs: dict[str, list[dg.AssetSpec]]) -> dict[str, list[dg.AssetSpec]]:
    """Streams whose names sanitise alike (``a-b`` and ``a_b``) get a short stable suffix."""
    counts = Counter(spec.key for connection_specs in specs.values() for spec in connection_specs)
    unique: dict[str, list[dg.AssetSpec]] = {}
    for connection_id, connection_specs in specs.items():
        unique[connection_id] = [
            spec
            if counts[spec.key] == 1
            else spec.replace_attributes(key=_suffixed(spec.key, connection_id, spec))
            for spec in connection_specs
        ]
    return unique


def _suffixed(key: dg.AssetKey, connection_id: str, spec: dg.AssetSpec) -> dg.AssetKey:
    namespace = spec.metadata.get(STREAM_NAMESPACE_KEY, "")
    stream = f"{namespace}.{spec.metadata.get(STREAM_NAME_KEY, '')}"
    *prefix, last = key.path
    return dg.AssetKey([*prefix, f"{last}_{short_hash(connection_id, stream)}"])


def _op_names(connections: Sequence[AirbyteConnection]) -> dict[str, str]:
    """``airbyte_sync_<connection name>``, made unique with a short id where names repeat."""
    base = {c.connection_id: f"airbyte_sync_{sanitize_name(c.name).lower()}" for c in connections}
    counts = Counter(base.values())
    return {
        connection_id: name if counts[name] == 1 else f"{name}_{connection_id.replace('-', '')[:8]}"
        for connection_id, name in base.items()
    }


def _connection_asset(
    specs: list[dg.AssetSpec], *, name: str, resource_key: str, pool: str | None
) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=name,
        specs=specs,
        can_subset=False,
        pool=pool,
        required_resource_keys={resource_key},
    )
    def _sync_connection(context):
        airbyte: AirbyteCloudResource = getattr(context.resources, resource_key)
        yield from airbyte.sync_and_materialize(context)

    return _sync_connection
