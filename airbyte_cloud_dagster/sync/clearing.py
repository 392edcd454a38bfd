"""Resync from scratch: clear the connections' tables in Airbyte, then sync them.

A run asked to resync (op config ``resync: true``) first starts a ``clear`` job on each
selected connection and follows it to its end, then syncs as usual, so each connection gets
exactly one clear job and one sync job, in that order. The public API's job types decide what is
possible (``createJob``, ``JobTypeEnum``; docs/airbyte/behaviour.md, "Jobs"):

- ``clear`` empties the tables and leaves the rest of the connection's state alone; Airbyte runs
  it as a ``reset`` job, so it comes back, and shows in the job history, as ``reset``. This is
  what we start.
- ``reset`` is the older name of the same operation.
- ``refresh`` (re-read everything while keeping the tables until it lands) is refused by the
  public API with a 422; :func:`check_resync_job_type` says so before anything is sent.

Each emptied table is recorded as an ``AssetObservation`` naming the clear job (``metadata.
job_emptied``), before the sync's materialization: an observation, not a materialization, so
downstream automation never treats an emptied table as fresh data.

Example::

    yield from clear_tables(airbyte, specs_by_connection(specs), log=context.log)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteConfigurationError, AirbyteJob, JobType
from airbyte_cloud_dagster.sync.events import table_observations
from airbyte_cloud_dagster.sync.following import follow_job, on_termination

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource

Log = logging.Logger | dg.DagsterLogManager
RESYNC_JOB_TYPES = ("clear", "reset")
_INTERRUPTS = (dg.DagsterExecutionInterruptedError, KeyboardInterrupt, GeneratorExit)


def check_resync_job_type(job_type: str) -> JobType:
    """``clear`` or ``reset``; ``refresh`` and anything else refused with one sentence."""
    if job_type == "refresh":
        raise AirbyteConfigurationError(
            "resync_job_type='refresh' is not available: the public Airbyte API answers 422 to "
            "a refresh job; use 'clear' (empty the tables, then sync) instead."
        )
    if job_type not in RESYNC_JOB_TYPES:
        raise AirbyteConfigurationError(
            f"resync_job_type={job_type!r} is not one of 'clear', 'reset'."
        )
    return JobType(job_type)


def clear_tables(
    airbyte: AirbyteCloudResource,
    by_connection: Mapping[str, Sequence[dg.AssetSpec]],
    *,
    log: Log,
    job_type: str = "clear",
) -> Iterator[dg.AssetObservation]:
    """Start a clear on every connection, follow each to its end, and yield one observation per
    emptied table. A clear that fails raises the same failures a sync does; a terminated run
    cancels every clear still running."""
    kind = check_resync_job_type(job_type)
    client, settings = airbyte.get_client(), airbyte.sync_settings
    started: dict[str, AirbyteJob] = {}
    ended: set[str] = set()
    try:
        for connection_id in by_connection:
            job = client.start_job(connection_id, kind)
            log.info(
                f"Resync: started Airbyte {kind.value} job {job.job_id} (Airbyte runs it as a "
                f"{job.job_type}) on connection {connection_id}; its tables are emptied before "
                "the sync."
            )
            started[connection_id] = job
        for connection_id, job in started.items():
            # The run's claim on the clear: the sync sensor leaves it to this run.
            specs = by_connection[connection_id]
            metadata = md.job_started(job, "blocking", md.connection_url_of(specs))
            description = f"Airbyte {job.job_type} job {job.job_id} started (resync)."
            yield from table_observations(specs, description, metadata)
        for connection_id, job in started.items():
            specs = by_connection[connection_id]
            url = md.connection_url_of(specs)
            finished = follow_job(client, job, settings, log=log, connection_url=url)
            ended.add(connection_id)
            yield from emptied_events(finished, specs)
    except _INTERRUPTS:
        still = [job for cid, job in started.items() if cid not in ended]
        on_termination(client, still, settings, log)
        raise


def emptied_events(job: AirbyteJob, specs: Sequence[dg.AssetSpec]) -> list[dg.AssetObservation]:
    """One observation per table that a finished clear (reset) job emptied."""
    metadata = md.job_emptied(job, md.connection_url_of(specs))
    description = (
        f"Emptied by Airbyte {job.job_type} job {job.job_id} (a clear): the table holds no rows "
        "until the next sync."
    )
    return table_observations(specs, description, metadata)
