"""``airbyte_sync_op``: the op/job counterpart of the seed article's two Airflow tasks.

Its body is the one sync body (``sync/body.py``), so it starts, follows and records the sync
exactly as the assets do (and with ``wait_mode="sensor"`` only starts it); it reports the
connection's tables as materialized and outputs the finished job.

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
from airbyte_cloud_dagster.assets.specs import build_specs
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.sync.body import sync_connections
from airbyte_cloud_dagster.sync.following import run_sync
from airbyte_cloud_dagster.sync.retries import StepAttempt
from airbyte_cloud_dagster.sync.step import SyncEvent
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions


class AirbyteSyncConfig(dg.Config):
    connection_id: str = Field(description="Id of the Airbyte connection to sync.")
    resync: bool = Field(
        default=False,
        description=(
            "Resync from scratch: clear the connection's tables in Airbyte (a clear job, which "
            "Airbyte runs as a reset), then sync them."
        ),
    )


@dg.op(pool="airbyte", tags={"kind": "airbyte"}, out=dg.Out(AirbyteJob))
def airbyte_sync_op(
    context: dg.OpExecutionContext, config: AirbyteSyncConfig, airbyte: AirbyteCloudResource
) -> Iterator[SyncEvent | dg.Output]:
    """Start a sync of one connection, wait for it, and report its tables as materialized."""
    options = AirbyteLoadOptions(connection_ids=[config.connection_id], fetch_column_schema=False)
    data = AirbyteWorkspaceData.fetch(airbyte.get_client(), options)
    specs = build_specs(data)[config.connection_id]
    if not specs:  # no enabled stream (the load warned): nothing to record, the sync still runs
        yield dg.Output(run_sync(airbyte.get_client(), config.connection_id, airbyte.sync_settings))
        return
    jobs = yield from sync_connections(
        airbyte,
        specs,
        log=context.log,
        resync=config.resync,
        event_type=dg.AssetMaterialization,  # an op reports materializations
        attempt=StepAttempt.of(context),  # a retried op follows the sync it started
    )
    yield dg.Output(jobs[-1])
