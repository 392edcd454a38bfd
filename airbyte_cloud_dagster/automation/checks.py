"""The asset check ``airbyte_sync_succeeded``: did the connection's latest Airbyte sync succeed?

A sync that ends failed or cancelled while no run waits for it (started by Airbyte's own
scheduler, its UI, or a run in ``wait_mode="sensor"``) has no failed step to show; this check
turns red on each of the connection's tables instead. The sync sensor (sensor.py) reports it
for every job it sees end; executing the check from the UI reads the connection's latest
finished sync (one API call).

Example::

    assets = load_airbyte_cloud_assets(airbyte=airbyte)
    defs = dg.Definitions(
        assets=assets,
        asset_checks=build_airbyte_sync_checks(assets),
        sensors=[build_airbyte_sync_sensor(assets)],
        resources={"airbyte": airbyte},
    )
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteJob, JobType
from airbyte_cloud_dagster.workspace.specs import tables_by_connection

SYNC_CHECK_NAME = "airbyte_sync_succeeded"
ResultT = TypeVar("ResultT", dg.AssetCheckEvaluation, dg.AssetCheckResult)
# Newest jobs read when the check is executed; a connection runs one sync at a time, so the
# newest finished one is among the first few (docs/airbyte/behaviour.md, "Jobs").
_NEWEST_JOBS = 5


def check_evaluations(
    job: AirbyteJob, specs: Sequence[dg.AssetSpec]
) -> list[dg.AssetCheckEvaluation]:
    """The check's result on every table of the job's connection, as the sensor reports it."""
    metadata = md.job_finished(job, md.connection_url_of(specs))  # the same for every table
    return _per_table(dg.AssetCheckEvaluation, specs, job.succeeded, _description(job), metadata)


def timeout_evaluations(
    job: AirbyteJob, specs: Sequence[dg.AssetSpec], timeout: float, *, cancelled: bool
) -> list[dg.AssetCheckEvaluation]:
    """The check failed on every table of a sync that outlived ``sync_timeout`` (the sync
    sensor enforces it when runs hold no worker: sensor_timeouts.py)."""
    done = "cancelled it (cancel_on_timeout)" if cancelled else "it is still running"
    description = (
        f"Airbyte sync job {job.job_id} on connection {job.connection_id} ran longer than "
        f"sync_timeout={timeout:g} s; {done}."
    )
    metadata = {
        **md.job_finished(job, md.connection_url_of(specs)),
        md.SYNC_TIMEOUT: float(timeout),
    }
    return _per_table(dg.AssetCheckEvaluation, specs, False, description, metadata)


def _per_table(
    result: Callable[..., ResultT],
    specs: Sequence[dg.AssetSpec],
    passed: bool,
    description: str,
    metadata: dict[str, Any],
) -> list[ResultT]:
    """The same ``airbyte_sync_succeeded`` result on every table (an evaluation the sensor
    reports, or a result the executed check yields)."""
    return [
        result(
            asset_key=spec.key,
            check_name=SYNC_CHECK_NAME,
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata=dict(metadata),
        )
        for spec in specs
    ]


def build_airbyte_sync_checks(
    assets: Sequence[dg.AssetsDefinition], *, resource_key: str = "airbyte"
) -> list[dg.AssetChecksDefinition]:
    """One ``airbyte_sync_succeeded`` check per table of every connection in ``assets``
    (per-connection multi-assets or the one-step multi-asset alike)."""
    return [
        _connection_checks(specs, resource_key) for specs in tables_by_connection(assets).values()
    ]


def _connection_checks(specs: list[dg.AssetSpec], resource_key: str) -> dg.AssetChecksDefinition:
    connection_id = str(specs[0].metadata[md.CONNECTION_ID])

    @dg.multi_asset_check(
        name=f"airbyte_sync_succeeded_{connection_id.replace('-', '')[:12]}",
        specs=[
            dg.AssetCheckSpec(
                SYNC_CHECK_NAME,
                asset=spec.key,
                description="The connection's latest Airbyte sync succeeded.",
            )
            for spec in specs
        ],
        required_resource_keys={resource_key},
        can_subset=True,  # a job upstream of one table selects that table's check alone
    )
    def _latest_sync(context):  # no annotation: Dagster reads it at definition time
        client = getattr(context.resources, resource_key).get_client()
        jobs = client.list_jobs(
            connection_id=connection_id,
            job_type=JobType.SYNC,
            order_by="createdAt|DESC",
            limit=_NEWEST_JOBS,
        )
        job = next((job for job in jobs if job.is_terminal), None)
        description = _description(job) if job else "No finished sync yet."
        metadata = md.job_finished(job, md.connection_url_of(specs)) if job else {}
        passed = job is None or job.succeeded
        selected = context.selected_asset_check_keys
        chosen = [s for s in specs if dg.AssetCheckKey(s.key, SYNC_CHECK_NAME) in selected]
        yield from _per_table(dg.AssetCheckResult, chosen, passed, description, metadata)

    return _latest_sync


def _description(job: AirbyteJob) -> str:
    return f"Airbyte sync job {job.job_id} on connection {job.connection_id}: {job.status.value}."
