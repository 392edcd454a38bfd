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

import os
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Literal

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteConnection
from airbyte_cloud_dagster.gc_pause import paused_gc
from airbyte_cloud_dagster.naming import short_hash, sync_op_names
from airbyte_cloud_dagster.one_step import one_step_asset
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.snapshot import load_workspace_data
from airbyte_cloud_dagster.translator import (
    STREAM_NAME_KEY,
    STREAM_NAMESPACE_KEY,
    AirbyteStreamProps,
    AirbyteTranslator,
    default_asset_key,
    default_asset_spec,
)
from airbyte_cloud_dagster.workspace import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    AirbyteWorkspaceData,
    ConnectionFilter,
)

DEFAULT_POOL = "airbyte"
DEFAULT_RESOURCE_KEY = "airbyte"
# How the syncs run: one step per connection, or all selected connections in one step.
Execution = Literal["per_connection", "one_step"]


def load_airbyte_cloud_assets(
    *,
    airbyte: AirbyteCloudResource,
    connection_ids: Sequence[str] | str | None = None,
    connection_filter: ConnectionFilter | None = None,
    translator: AirbyteTranslator | None = None,
    resource_key: str = DEFAULT_RESOURCE_KEY,
    pool: str | None = DEFAULT_POOL,
    fetch_column_schema: bool = True,
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS,
    snapshot_path: str | os.PathLike[str] | None = None,
    on_missing_snapshot: Literal["fetch", "fail"] = "fetch",
    execution: Execution = "per_connection",
) -> list[dg.AssetsDefinition]:
    """One multi-asset per connection: every active connection, or the ones named.

    ``connection_filter`` keeps the connections for which it returns True. ``pool`` lets
    Dagster's concurrency settings cap how many syncs run at once. ``fetch_column_schema``
    reads column names from the streams endpoint, which can be slow on large workspaces;
    ``max_concurrent_requests`` bounds the requests in flight while fetching.
    ``snapshot_path`` names a workspace snapshot (``python -m airbyte_cloud_dagster snapshot
    --out PATH``): when it is there, loading makes no API call; when it is missing or
    unusable, ``on_missing_snapshot`` says whether to fetch (with a warning) or fail.
    One connection id may be passed as a plain string: ``connection_ids="9924bcd0-..."``.
    ``execution="one_step"`` builds one multi-asset that syncs every selected connection in one
    step instead of one multi-asset per connection (``build_airbyte_assets``, ``one_step.py``).
    """
    if isinstance(connection_ids, str):
        connection_ids = [connection_ids]  # not its characters, one by one
    data = load_workspace_data(
        airbyte,
        connection_ids=connection_ids,
        connection_filter=connection_filter,
        fetch_column_schema=fetch_column_schema,
        max_concurrent_requests=max_concurrent_requests,
        snapshot_path=snapshot_path,
        on_missing_snapshot=on_missing_snapshot,
    )
    return build_airbyte_assets(
        data, translator=translator, resource_key=resource_key, pool=pool, execution=execution
    )


@paused_gc()
def build_airbyte_assets(
    data: AirbyteWorkspaceData,
    *,
    translator: AirbyteTranslator | None = None,
    resource_key: str = DEFAULT_RESOURCE_KEY,
    pool: str | None = DEFAULT_POOL,
    execution: Execution = "per_connection",
) -> list[dg.AssetsDefinition]:
    """The assets of already-fetched workspace data (no API call).

    ``execution="per_connection"``: one multi-asset (one step) per connection.
    ``execution="one_step"``: one multi-asset, ``airbyte_sync_all``, over every connection,
    that syncs the selected connections in one step (see ``one_step.py``)::

        build_airbyte_assets(data, execution="one_step")
    """
    specs_by_connection = build_specs(data, translator)
    if execution == "one_step":
        specs_by_connection = {cid: specs for cid, specs in specs_by_connection.items() if specs}
        if not specs_by_connection:
            return []
        return [
            one_step_asset(
                data.connections, specs_by_connection, resource_key=resource_key, pool=pool
            )
        ]
    if execution != "per_connection":
        raise dg.DagsterInvalidDefinitionError(
            f"execution={execution!r} is not one of 'per_connection', 'one_step'."
        )
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
    """Asset specs per connection id, with keys made unique across the whole workspace.

    Streams whose keys sanitise alike (``a-b`` and ``a_b``) get a short stable suffix. Specs
    are ``skippable``: with wait_mode="sensor" the run only starts the sync, and the sync sensor
    records the tables when the job ends (no_worker.py).
    """
    translator = translator or AirbyteTranslator()
    props = {c.connection_id: list(data.stream_props(c)) for c in data.connections}
    # Not overridden (by a subclass or on the instance): the same specs, built more cheaply.
    if getattr(translator.get_asset_spec, "__func__", None) is AirbyteTranslator.get_asset_spec:
        return _default_specs(props)
    return _translated_specs(props, translator)


def _default_specs(
    props_by_connection: dict[str, list[AirbyteStreamProps]],
) -> dict[str, list[dg.AssetSpec]]:
    """The default translator's specs, each built once with its final key (the same specs
    as :func:`_translated_specs` would give, without replacing every one of them twice)."""
    keys = {
        connection_id: [default_asset_key(props.table) for props in connection_props]
        for connection_id, connection_props in props_by_connection.items()
    }
    counts = Counter(key for connection_keys in keys.values() for key in connection_keys)
    return {
        connection_id: [
            default_asset_spec(
                props,
                key=key if counts[key] == 1 else _suffixed(key, connection_id, _stream_name(props)),
                skippable=True,
            )
            for props, key in zip(connection_props, keys[connection_id], strict=True)
        ]
        for connection_id, connection_props in props_by_connection.items()
    }


def _stream_name(props: AirbyteStreamProps) -> str:
    return f"{props.stream.namespace or ''}.{props.stream.name}"


def _translated_specs(
    props_by_connection: dict[str, list[AirbyteStreamProps]], translator: AirbyteTranslator
) -> dict[str, list[dg.AssetSpec]]:
    """A custom translator's specs, made skippable and unique in one ``replace_attributes``."""
    translated = {
        connection_id: [translator.get_asset_spec(props) for props in connection_props]
        for connection_id, connection_props in props_by_connection.items()
    }
    counts = Counter(spec.key for specs in translated.values() for spec in specs)
    return {
        connection_id: [_finished(spec, connection_id, counts[spec.key] > 1) for spec in specs]
        for connection_id, specs in translated.items()
    }


def _finished(spec: dg.AssetSpec, connection_id: str, collides: bool) -> dg.AssetSpec:
    if not collides:
        return spec if spec.skippable else spec.replace_attributes(skippable=True)
    namespace = spec.metadata.get(STREAM_NAMESPACE_KEY, "")
    stream = f"{namespace}.{spec.metadata.get(STREAM_NAME_KEY, '')}"
    return spec.replace_attributes(key=_suffixed(spec.key, connection_id, stream), skippable=True)


def _suffixed(key: dg.AssetKey, connection_id: str, stream: str) -> dg.AssetKey:
    """``stream`` is ``namespace.name`` (``.name`` without a namespace)."""
    *prefix, last = key.path
    return dg.AssetKey([*prefix, f"{last}_{short_hash(connection_id, stream)}"])


def _op_names(connections: Sequence[AirbyteConnection]) -> dict[str, str]:
    return sync_op_names({c.connection_id: c.name for c in connections})


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
