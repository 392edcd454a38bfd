"""The one sync body: given the selected specs, start, follow and record their connections' syncs.

Every way of running a sync calls :func:`sync_connections`: an asset step through
:func:`sync_asset_step` (the per-connection assets, the one-step asset, the component, a user's
own ``@multi_asset`` through ``AirbyteCloudResource.sync_and_poll(context)``), and the op. It
takes the three reusable steps in order:

1. *start* (``starting.start_sync``: ``POST /jobs``, attaching to a running sync on 409) and
   record each started job as an observation per table, the run's claim on it;
2. *follow* the jobs: one job with ``GET /jobs/{id}`` (``following.follow_job``), many with one
   jobs-list request per poll for all of them (``api.multi_wait``);
3. *turn each finished job into events* (``events.finished_job_events``).

Airbyte syncs whole connections, so a step that selected some of a connection's tables
records every table of that connection it holds (``tables``, the step's ``assets_def.specs``):
the job-started observation, a resync's emptied observation and the materialization go on each
of them, the ones not selected saying so (``events.py``, ``airbyte/selected``). A table the
sync refreshed never looks older than it is, and the sync sensor, which reads what runs
recorded, never records the job again.

With ``wait_mode="sensor"`` it stops after step 1 and the sync sensor records the rest. With
``resync=True`` the same three steps first run ``clear`` jobs (``clearing.py``), always followed
to their end, and only the connections cleared are then synced. A terminated run cancels every
job still running, from the first start on (``cancel_on_termination``); a retried step attaches
to them. One connection that fails raises its own failure (``AirbyteSyncFailed``,
``AirbyteSyncTimedOut``, ``AirbyteSyncLostTrack``); with many, the others go on and the step
fails at the end with one ``dagster.Failure`` naming every connection that did not sync.

Example, in your own multi-asset::

    @dg.multi_asset(specs=load_airbyte_asset_specs(airbyte=airbyte), can_subset=True)
    def my_airbyte(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
        yield from airbyte.sync_and_poll(context)
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteJob
from airbyte_cloud_dagster.sync.clearing import check_resync_job_type, emptied_events
from airbyte_cloud_dagster.sync.events import finished_job_events
from airbyte_cloud_dagster.sync.failures import FailedConnection
from airbyte_cloud_dagster.sync.following import Log
from airbyte_cloud_dagster.sync.retries import StepAttempt
from airbyte_cloud_dagster.sync.step import JobStep, SyncEvent
from airbyte_cloud_dagster.workspace.specs import selected_specs, specs_by_connection

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource

# Yields the events; returns the jobs that ended well (or were started, with wait_mode sensor).
SyncRun = Generator[SyncEvent, None, list[AirbyteJob]]


def sync_connections(
    airbyte: AirbyteCloudResource,
    specs: Iterable[dg.AssetSpec],
    *,
    log: Log | None = None,
    resync: bool = False,
    resync_job_type: str = "clear",
    event_type: type[dg.MaterializeResult] | type[dg.AssetMaterialization] = dg.MaterializeResult,
    tables: Iterable[dg.AssetSpec] = (),
    attempt: StepAttempt | None = None,
) -> SyncRun:
    """Sync every connection behind ``specs`` in this step; yield each one's events as it ends.

    ``specs`` are the selected tables (any connection's; ``workspace.specs.selected_specs``).
    ``tables`` are every table the step may record (an asset step's ``assets_def.specs``): the
    synced connections' tables among them are recorded too, as refreshed without being
    selected. The generator returns the finished jobs, for an op that outputs them; an op passes
    ``event_type=dg.AssetMaterialization``. ``resync=True`` clears the connections' tables
    first (``clearing.py``), then syncs the ones it cleared. ``attempt`` (a retried step's,
    ``retries.StepAttempt.of(context)``) follows the jobs its earlier attempts started.
    """
    log = log or dg.get_dagster_logger("airbyte")
    specs = list(specs)
    selected = {spec.key for spec in specs}
    by_connection = _with_step_tables(specs, tables)
    failures: list[FailedConnection] = []
    if resync:
        clears = JobStep(
            airbyte,
            by_connection,
            log,
            job_type=check_resync_job_type(resync_job_type),
            attempt=attempt,
        )
        # A clear that failed is named at the end; the connections cleared are still synced.
        yield from clears.run(
            lambda _client, job, specs: emptied_events(job, specs), raise_failures=False
        )
        failures = clears.failures
        cleared = {job.connection_id for job in clears.finished}
        by_connection = {cid: s for cid, s in by_connection.items() if cid in cleared}
    syncs = JobStep(airbyte, by_connection, log, earlier=failures, attempt=attempt)

    def materializations(client: Any, job: AirbyteJob, specs: Sequence[dg.AssetSpec]) -> Any:
        return finished_job_events(client, job, specs, event_type=event_type, selected=selected)

    return (yield from syncs.run(materializations, wait=airbyte.wait_mode != "sensor"))


def sync_asset_step(
    airbyte: AirbyteCloudResource,
    context: dg.AssetExecutionContext,
    *,
    resync: bool | None = None,
) -> SyncRun:
    """The body of an asset step: sync the connections behind the selected tables and record
    every table of the step they refreshed. ``resync`` defaults to the step's run config
    (``ops: {<op>: {config: {resync: true}}}``)::

        yield from sync_asset_step(airbyte, context)
    """
    if resync is None:
        op_config = context.op_execution_context.op_config
        resync = bool(op_config.get("resync")) if isinstance(op_config, dict) else False
    return sync_connections(
        airbyte,
        selected_specs(context),
        log=context.log,
        resync=resync,
        tables=context.assets_def.specs,
        attempt=StepAttempt.of(context),
    )


def _with_step_tables(
    selected: Sequence[dg.AssetSpec], tables: Iterable[dg.AssetSpec]
) -> dict[str, list[dg.AssetSpec]]:
    """Each selected connection's tables: its ones among ``tables`` (in their order), then any
    selected one that ``tables`` lacks."""
    step_tables = specs_by_connection(
        spec for spec in tables if spec.metadata.get(md.CONNECTION_ID) is not None
    )
    return {
        connection_id: _union(step_tables.get(connection_id, []), chosen)
        for connection_id, chosen in specs_by_connection(selected).items()
    }


def _union(first: Sequence[dg.AssetSpec], then: Collection[dg.AssetSpec]) -> list[dg.AssetSpec]:
    keys = {spec.key for spec in first}
    return [*first, *(spec for spec in then if spec.key not in keys)]
