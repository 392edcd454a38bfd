"""``airbyte_sync_op``: the op/job counterpart of the seed article's two Airflow tasks.

Example::

    @dg.job
    def sync_stripe():
        airbyte_sync_op()

    # run config: {"ops": {"airbyte_sync_op": {"config": {"connection_id": "9924bcd0-..."}}}}
"""

from collections.abc import Iterator

import dagster as dg
from pydantic import Field

from airbyte_cloud_dagster.api import AirbyteJob
from airbyte_cloud_dagster.api.config_api import fetch_job_details
from airbyte_cloud_dagster.assets import build_specs
from airbyte_cloud_dagster.events import asset_materializations, connection_url_of
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.sync import run_sync
from airbyte_cloud_dagster.workspace import AirbyteWorkspaceData


class AirbyteSyncConfig(dg.Config):
    connection_id: str = Field(description="Id of the Airbyte connection to sync.")


@dg.op(pool="airbyte", tags={"kind": "airbyte"}, out=dg.Out(AirbyteJob))
def airbyte_sync_op(
    context: dg.OpExecutionContext, config: AirbyteSyncConfig, airbyte: AirbyteCloudResource
) -> Iterator[dg.AssetMaterialization | dg.Output]:
    """Start a sync of one connection, wait for it, and report its tables as materialized."""
    data = AirbyteWorkspaceData.fetch(
        airbyte.get_client(), connection_ids=[config.connection_id], fetch_column_schema=False
    )
    specs = build_specs(data)[config.connection_id]
    job = run_sync(
        airbyte.get_client(),
        config.connection_id,
        airbyte.sync_settings,
        log=context.log,
        connection_url=connection_url_of(specs),
    )
    details = fetch_job_details(airbyte.get_client(), job.job_id)  # best-effort per-table figures
    yield from asset_materializations(job, specs, details=details)
    yield dg.Output(job)
