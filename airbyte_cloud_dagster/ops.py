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

import time
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

# How long the op reads a connection's destination again, when it fails for a moment, before it
# syncs without recording: its tables' asset keys need the destination's schema.
NAMING_WINDOW_SECONDS = 60.0


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
    specs = _tables(airbyte, config.connection_id, context.log)
    if not specs:  # none to record (the load or the op said why): the sync still runs
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


def _tables(
    airbyte: AirbyteCloudResource, connection_id: str, log: dg.DagsterLogManager
) -> list[dg.AssetSpec]:
    """The connection's tables, named as the loaders name them. A destination that does not
    answer for a moment is read again (for up to ``NAMING_WINDOW_SECONDS``): without its schema
    the keys would be other assets than the code location's, and the sync sensor would record
    the sync again under the right ones (seen in the soak). Still unread: no table to record."""
    client = airbyte.get_client()
    options = AirbyteLoadOptions(connection_ids=[connection_id], fetch_column_schema=False)
    began = time.monotonic()
    retry = 0
    while True:
        data = AirbyteWorkspaceData.fetch(client, options)
        # A read refused for good fails the code location's load the same way, so the names
        # without it are the code location's names.
        unnamed = [r for r in data.degraded if r.kind == "destination" and r.momentary]
        if not unnamed:
            return build_specs(data)[connection_id]
        retry += 1
        delay = client.transport.settings.backoff(retry)
        if time.monotonic() - began + delay > NAMING_WINDOW_SECONDS:
            log.warning(
                f"The destination of connection {connection_id} did not answer "
                f"({unnamed[0].call}: {unnamed[0].reason}) for {NAMING_WINDOW_SECONDS:.0f} s, so "
                "this run cannot name its tables as the code location does: it syncs and "
                "records no materialization (the sync sensor, if it runs, records them)."
            )
            return []
        time.sleep(delay)
