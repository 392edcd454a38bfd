"""``sync_timeout`` without a worker: the sync sensor stops syncs that outlive it.

With ``wait_mode="sensor"`` no step waits for a sync, so no step can time it out. Each tick of
the sync sensor, when the resource has a ``sync_timeout``, lists the syncs still going that were
created longer ago than that (one ``GET /jobs`` per unfinished status, filtered by workspace,
type and ``createdAtEnd``). For each one a Dagster run started (its ``wait_mode="sensor"``
observation names the job), it fails the ``airbyte_sync_succeeded`` check on every table, naming
the timeout, and cancels the job when ``cancel_on_timeout`` is on (the default). Syncs started
outside Dagster, and any sync when no ``sync_timeout`` is set, are never cancelled by us.

Example::

    airbyte = AirbyteCloudResource(..., wait_mode="sensor", sync_timeout=3600)
    sensors = [build_airbyte_sync_sensor(assets)]   # enforces the hour
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteJob, JobStatus, JobType
from airbyte_cloud_dagster.api.polling import timeout_error
from airbyte_cloud_dagster.automation.checks import timeout_evaluations
from airbyte_cloud_dagster.automation.sensor_cursor import SyncSensorCursor
from airbyte_cloud_dagster.automation.sensor_records import RunRecords

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource

# The statuses of a job that has not ended (docs/airbyte/behaviour.md, "Jobs"); listJobs takes
# one status per request.
UNFINISHED = (JobStatus.PENDING, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.INCOMPLETE)
_PAGE = 100


def enforce_timeouts(
    context: dg.SensorEvaluationContext,
    airbyte: AirbyteCloudResource,
    specs_by_connection: dict[str, list[dg.AssetSpec]],
    cursor: SyncSensorCursor,
    workspace_id: str | None,
) -> list[dg.AssetCheckEvaluation]:
    """Failed checks (and cancellations) for the no-worker syncs past ``sync_timeout``; the
    cursor remembers them so each is reported once."""
    timeout = airbyte.sync_timeout
    if airbyte.wait_mode != "sensor" or timeout is None:
        return []
    client = airbyte.get_client()
    logger = client.logger
    now = datetime.now(timezone.utc)
    late = [
        job
        for status in UNFINISHED
        for job in client.list_jobs(
            workspace_ids=[workspace_id] if workspace_id else None,
            job_type=JobType.SYNC,
            status=status,
            created_at_end=now - timedelta(seconds=timeout),
            limit=_PAGE,
        )
        if job.connection_id in specs_by_connection
        and job.job_id not in cursor.timed_out
        and job.job_id not in cursor.reported
    ]
    events: list[dg.AssetCheckEvaluation] = []
    by_connection: dict[str, list[AirbyteJob]] = {}
    for job in late:
        by_connection.setdefault(job.connection_id, []).append(job)
    for connection_id, jobs in by_connection.items():
        specs = specs_by_connection[connection_id]
        ours = RunRecords.read(context.instance, specs[0].key, jobs).started_without_worker
        for job in jobs:
            if job.job_id not in ours:
                # Not started by a Dagster run: not ours to stop, nor to look at again.
                cursor.timed_out.append(job.job_id)
                continue
            # The same cancelling (and its error handling) as a wait that runs out of time.
            cancel = client.cancel_job if airbyte.cancel_on_timeout else None
            ended = timeout_error(job, timeout, cancel, logger).job
            cancelled = ended.status is JobStatus.CANCELLED
            events.extend(timeout_evaluations(job, specs, timeout, cancelled=cancelled))
            if cancelled:  # its cancelled end adds nothing more when the sensor sees it
                cursor.reported[job.job_id] = now.timestamp()
            else:
                cursor.timed_out.append(job.job_id)
    return events
