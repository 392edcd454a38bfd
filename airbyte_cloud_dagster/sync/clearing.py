"""Resync from scratch: clear the connections' tables in Airbyte, then sync them.

A run asked to resync (op config ``resync: true``) first starts a ``clear`` job on each
selected connection and follows it to its end, then syncs the connections it cleared, so each
connection gets exactly one clear job and one sync job, in that order. The public API's job
types decide what is possible (``createJob``, ``JobTypeEnum``; docs/airbyte/behaviour.md, "Jobs"):

- ``clear`` empties the tables and leaves the rest of the connection's state alone; Airbyte runs
  it as a ``reset`` job, so it comes back, and shows in the job history, as ``reset``. This is
  what we start.
- ``reset`` is the older name of the same operation.
- ``refresh`` (re-read everything while keeping the tables until it lands) is refused by the
  public API with a 422; :func:`check_resync_job_type` says so before anything is sent.

Each emptied table is recorded as an ``AssetObservation`` naming the clear job (``metadata.
job_emptied``), before the sync's materialization: an observation, not a materialization, so
downstream automation never treats an emptied table as fresh data.

The clears are started, followed and cancelled by the one sync body (``body.py``), as syncs
are; this module says which job type a resync starts and what an emptied table records::

    yield from emptied_events(finished_clear_job, specs)
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteConfigurationError, AirbyteJob, JobType
from airbyte_cloud_dagster.sync.events import table_observations

RESYNC_JOB_TYPES = ("clear", "reset")


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


def emptied_events(job: AirbyteJob, specs: Sequence[dg.AssetSpec]) -> list[dg.AssetObservation]:
    """One observation per table that a finished clear (reset) job emptied."""
    metadata = md.job_emptied(job, md.connection_url_of(specs))
    description = (
        f"Emptied by Airbyte {job.job_type} job {job.job_id} (a clear): the table holds no rows "
        "until the next sync."
    )
    return table_observations(specs, description, metadata)
