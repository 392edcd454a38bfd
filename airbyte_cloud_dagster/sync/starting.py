"""Syncs that hold no worker: a run starts the sync and ends; the sync sensor records the end.

``AirbyteCloudResource(wait_mode="sensor")`` switches the asset step from "start, then follow
the job to its end" (``following.follow_job``, the default ``"blocking"``) to "start (or attach
to the running sync), say so, and end in seconds". The tables are then *not* materialized by the
run, they do not exist yet; ``build_airbyte_sync_sensor`` (automation/sensor.py) records their
materialization, or a failed check, when the job ends. The asset specs are ``skippable``
(assets/specs.py) so that Dagster accepts a step that yields no materialization.

In both modes the step records which job it started, as an ``AssetObservation`` per table with
the job id and the wait mode (``metadata.job_started``): the sensor reads it to tie a job to its
run, so a job that a blocking run is still following is never recorded twice. A retried step
passes the jobs its earlier attempts recorded (``retries.py``): the newest of the same type is
followed instead of starting another, even one that ended meanwhile.

Example::

    airbyte = AirbyteCloudResource(..., wait_mode="sensor")
    assets = load_airbyte_cloud_assets(airbyte=airbyte)
    defs = dg.Definitions(
        assets=assets,
        sensors=[build_airbyte_sync_sensor(assets, minimum_interval_seconds=30)],
        resources={"airbyte": airbyte},
    )
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteClient, AirbyteJob, JobType
from airbyte_cloud_dagster.sync.events import table_observations
from airbyte_cloud_dagster.sync.following import Log
from airbyte_cloud_dagster.sync.retries import earlier_job

WaitMode = Literal["blocking", "sensor"]


def start_sync(
    client: AirbyteClient,
    connection_id: str,
    specs: Sequence[dg.AssetSpec],
    *,
    wait_mode: WaitMode,
    log: Log,
    job_type: JobType = JobType.SYNC,
    earlier: Sequence[int] = (),
) -> tuple[AirbyteJob, list[dg.AssetObservation]]:
    """Start the connection's job (a sync attaches to one that runs) and the run's record of it.
    ``earlier``: the jobs a retried step's earlier attempts started (``retries.StepAttempt``),
    newest first; the newest of ``job_type`` is followed instead, unless it failed.

    >>> job, started = start_sync(client, connection_id, specs, wait_mode="sensor", log=log)
    """
    url = md.connection_url_of(specs)
    job = earlier_job(client, earlier, connection_id, job_type, log) if earlier else None
    verb = "Started" if job is None else "Following"
    if job is None:
        job = client.start_job(connection_id, job_type)
    if job_type is not JobType.SYNC:
        description = f"Airbyte {job.job_type} job {job.job_id} started (resync)."
    elif wait_mode == "sensor":
        log.info(
            f"{verb} Airbyte job {job.job_id} ({job.status.value}) for connection "
            f"{connection_id} ({url or 'no link'}). wait_mode is 'sensor': this run ends now, "
            "holding no worker while the sync runs; the Airbyte sync sensor records the "
            "materialization of these tables (or a failed check) when the job ends."
        )
        description = (
            f"Airbyte job {job.job_id} started; the sync sensor records the tables when it ends."
        )
    else:
        description = f"Airbyte job {job.job_id} started; this run follows it to its end."
    return job, table_observations(specs, description, md.job_started(job, wait_mode, url))
