"""Airbyte connections as Dagster assets: one asset per destination table.

By default each connection is one multi-asset (one step); it can be subset, and since the public
API syncs whole connections, every table a selected connection's sync refreshed is recorded
(assets/multi_asset.py); ``execution="one_step"`` makes one multi-asset over every connection
instead (one_step.py).
Every body is the same: ``airbyte.sync_and_poll(context)`` (sync/body.py).

Example::

    airbyte = AirbyteCloudResource(client_id=dg.EnvVar(...), client_secret=dg.EnvVar(...))
    defs = dg.Definitions(
        assets=load_airbyte_cloud_assets(airbyte=airbyte),
        resources={"airbyte": airbyte},
    )
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Literal

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteConnection
from airbyte_cloud_dagster.assets.multi_asset import SyncBody, sync_multi_asset
from airbyte_cloud_dagster.assets.one_step import one_step_asset
from airbyte_cloud_dagster.assets.specs import build_specs, translator_for
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.gc_pause import paused_gc
from airbyte_cloud_dagster.workspace.loading import load_workspace_data
from airbyte_cloud_dagster.workspace.naming import sync_op_names
from airbyte_cloud_dagster.workspace.options import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    AirbyteLoadOptions,
    ConnectionFilter,
    OnMissingSnapshot,
)
from airbyte_cloud_dagster.workspace.specs import AirbyteTranslator, KeyScheme

DEFAULT_POOL = "airbyte"
DEFAULT_RESOURCE_KEY = "airbyte"
# How the syncs run: one step per connection, or all selected connections in one step.
Execution = Literal["per_connection", "one_step"]


def load_airbyte_cloud_assets(
    *,
    airbyte: AirbyteCloudResource,
    connection_ids: Sequence[str] | str | None = None,
    connection_filter: ConnectionFilter | None = None,
    connection_tags: Sequence[str] | str | None = None,
    translator: AirbyteTranslator | None = None,
    resource_key: str = DEFAULT_RESOURCE_KEY,
    pool: str | None = DEFAULT_POOL,
    fetch_column_schema: bool = True,
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS,
    snapshot_path: str | os.PathLike[str] | None = None,
    on_missing_snapshot: OnMissingSnapshot = "fetch",
    execution: Execution = "per_connection",
    key_scheme: KeyScheme | None = None,
) -> list[dg.AssetsDefinition]:
    """One multi-asset per connection: every active connection, or the ones named.

    The loading options are those of :class:`AirbyteLoadOptions` (``connection_ids``,
    ``connection_filter``, ``connection_tags``, ``fetch_column_schema``,
    ``max_concurrent_requests``, ``snapshot_path``, ``on_missing_snapshot``). ``pool`` lets
    Dagster's concurrency settings cap how many syncs run at once. ``execution="one_step"``
    builds one multi-asset that syncs every selected connection in one step
    (``build_airbyte_assets``).
    ``key_scheme="dagster_airbyte"`` keeps dagster-airbyte's asset keys, group and kinds
    (``DagsterAirbyteKeysTranslator``); default ``[namespace, table]``.
    """
    _check_execution(execution)  # before the workspace is read
    translator = translator_for(translator, key_scheme)
    options = AirbyteLoadOptions(
        connection_ids=connection_ids,
        connection_filter=connection_filter,
        connection_tags=connection_tags,
        fetch_column_schema=fetch_column_schema,
        max_concurrent_requests=max_concurrent_requests,
        snapshot_path=snapshot_path,
        on_missing_snapshot=on_missing_snapshot,
    )
    return build_airbyte_assets(
        load_workspace_data(airbyte, options),
        translator=translator,
        resource_key=resource_key,
        pool=pool,
        execution=execution,
    )


@paused_gc()
def build_airbyte_assets(
    data: AirbyteWorkspaceData,
    *,
    translator: AirbyteTranslator | None = None,
    resource_key: str = DEFAULT_RESOURCE_KEY,
    pool: str | None = DEFAULT_POOL,
    execution: Execution = "per_connection",
    body: SyncBody | None = None,
    key_scheme: KeyScheme | None = None,
) -> list[dg.AssetsDefinition]:
    """The assets of already-fetched workspace data (no API call).

    ``execution="per_connection"``: one multi-asset (one step) per connection.
    ``execution="one_step"``: one multi-asset, ``airbyte_sync_all``, over every connection,
    that syncs the selected connections in one step (see ``one_step.py``). ``body`` replaces
    the step's body (default: ``airbyte.sync_and_poll(context)``); ``key_scheme`` as in
    ``load_airbyte_cloud_assets``::

        build_airbyte_assets(data, execution="one_step")
    """
    _check_execution(execution)
    specs_by_connection = {
        connection_id: specs
        for connection_id, specs in build_specs(data, translator, key_scheme=key_scheme).items()
        if specs
    }
    if execution == "one_step":
        if not specs_by_connection:
            return []
        return [
            one_step_asset(
                data.connections,
                specs_by_connection,
                resource_key=resource_key,
                pool=pool,
                body=body,
            )
        ]
    op_names = op_names_of(data.connections)
    return [
        sync_multi_asset(
            specs_by_connection[connection.connection_id],
            name=op_names[connection.connection_id],
            resource_key=resource_key,
            pool=pool,
            body=body,
        )
        for connection in data.connections
        if connection.connection_id in specs_by_connection
    ]


def _check_execution(execution: str) -> None:
    if execution not in ("per_connection", "one_step"):
        raise dg.DagsterInvalidDefinitionError(
            f"execution={execution!r} is not one of 'per_connection', 'one_step'."
        )


def op_names_of(connections: Sequence[AirbyteConnection]) -> dict[str, str]:
    """``airbyte_sync_<connection name>`` per connection id (naming.sync_op_names)."""
    return sync_op_names({c.connection_id: c.name for c in connections})
