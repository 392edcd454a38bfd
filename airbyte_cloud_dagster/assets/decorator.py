"""``@airbyte_assets``: your own body over the assets of one connection, like ``@dbt_assets``.

Like every multi-asset of this package it can be subset (``assets/multi_asset.py`` says how a
subset is synced and recorded); ``airbyte.sync_and_poll(context)`` handles the selection.

Example::

    @airbyte_assets(connection_id="9924bcd0-...", airbyte=airbyte)
    def stripe(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
        context.log.info("before the sync")
        yield from airbyte.sync_and_poll(context)
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from airbyte_cloud_dagster.assets.loader import DEFAULT_POOL, op_names_of
from airbyte_cloud_dagster.assets.multi_asset import RESYNC_CONFIG
from airbyte_cloud_dagster.assets.specs import build_specs
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions
from airbyte_cloud_dagster.workspace.specs import AirbyteTranslator, KeyScheme


def airbyte_assets(
    *,
    connection_id: str,
    airbyte: AirbyteCloudResource,
    name: str | None = None,
    translator: AirbyteTranslator | None = None,
    pool: str | None = DEFAULT_POOL,
    fetch_column_schema: bool = True,
    key_scheme: KeyScheme | None = None,
) -> Callable[[Callable[..., object]], dg.AssetsDefinition]:
    """A multi-asset over the tables of ``connection_id`` whose body is the decorated function
    (subsettable: a body that yields its own events yields them for the selected tables only).
    ``key_scheme="dagster_airbyte"`` keeps dagster-airbyte's keys, as the loaders do."""
    options = AirbyteLoadOptions(
        connection_ids=[connection_id], fetch_column_schema=fetch_column_schema
    )
    data = AirbyteWorkspaceData.fetch(airbyte.get_client(), options)
    (connection,) = data.connections
    specs = build_specs(data, translator, key_scheme=key_scheme)[connection.connection_id]
    return dg.multi_asset(
        name=name or op_names_of(data.connections)[connection.connection_id],
        specs=specs,
        can_subset=True,
        pool=pool,
        config_schema=RESYNC_CONFIG,  # sync_and_poll(context) reads it
    )
