"""A sensor that records in Dagster the Airbyte syncs that ended outside a waiting run.

Airbyte's own scheduler, its UI, an API call, another tool, or a run in ``wait_mode="sensor"``
(sync/starting.py) start syncs that no Dagster step follows. Each tick of this sensor lists the jobs
that changed since it last looked and, for each sync of the chosen connections that ended:

- succeeded: a materialization of each of the connection's tables, with the same metadata as a
  sync run from Dagster (sync/events.py);
- failed or cancelled: an observation with the job's status and a failed
  ``airbyte_sync_succeeded`` check (checks.py) on each table, never silently skipped;
- every finished job reports that check, so it turns green again after a good sync.

One tick makes a bounded number of API calls whatever the workspace size: ``GET /jobs`` with
``updatedAtStart`` and ``orderBy=updatedAt|ASC``, offset pages computed by the client (the
``next`` links drop those filters: docs/airbyte/behaviour.md, "Pagination"), at most
``max_pages_per_tick`` pages of 100; plus one best-effort Config API read per succeeded job
for per-table figures, and one ``GET /jobs/{id}`` per job held back for a blocking run (at
most 50).

A job is never reported twice: the cursor (JSON: a high-water mark and the jobs reported near
it) survives restarts and code reloads, and before reporting a job the sensor checks the
instance for a materialization carrying its job id (``metadata.JOB_ID``), so a job that a run
already recorded (or this sensor, before a cursor reset) is not recorded again. A job that a
blocking run still follows (the run's observation names it) waits until that run ends.

Example::

    sensor = build_airbyte_sync_sensor(assets, minimum_interval_seconds=30)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteClient, AirbyteJob, AirbyteNotFound
from airbyte_cloud_dagster.automation.checks import SYNC_CHECK_NAME, check_evaluations
from airbyte_cloud_dagster.automation.sensor_cursor import SyncSensorCursor
from airbyte_cloud_dagster.automation.sensor_records import (
    OVERLAP,
    RunRecords,
    RunsInProgress,
    ended_at,
)
from airbyte_cloud_dagster.automation.sensor_timeouts import enforce_timeouts
from airbyte_cloud_dagster.sync.clearing import RESYNC_JOB_TYPES, emptied_events
from airbyte_cloud_dagster.sync.events import finished_job_events, table_observations
from airbyte_cloud_dagster.workspace.specs import tables_by_connection

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource

SensorEvent = dg.AssetMaterialization | dg.AssetObservation | dg.AssetCheckEvaluation

PAGE_SIZE = 100  # the most GET /jobs serves per page (docs/airbyte/behaviour.md, "Jobs")
MAX_HELD_JOBS = 50
# A job a blocking run still follows is held back at most this long after it ended.
MAX_HOLD = timedelta(hours=1)


def build_airbyte_sync_sensor(
    assets: Sequence[dg.AssetsDefinition],
    *,
    name: str = "airbyte_sync_sensor",
    resource_key: str = "airbyte",
    minimum_interval_seconds: int = 30,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
    lookback_seconds: float = 3600,
    max_pages_per_tick: int = 3,
    description: str | None = None,
) -> dg.SensorDefinition:
    """A sensor that records the syncs of the connections in ``assets`` when they end.

    ``lookback_seconds``: how far back the very first tick looks. Pair it with
    ``build_airbyte_sync_checks(assets)`` so failed syncs show as failed checks.

    >>> sensor = build_airbyte_sync_sensor(assets, minimum_interval_seconds=30)
    """
    specs_by_connection = tables_by_connection(assets)

    @dg.sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        required_resource_keys={resource_key},
        description=description
        or (
            f"Records the Airbyte syncs of {len(specs_by_connection)} connections when they end, "
            "whoever started them: a materialization per table for a succeeded job, a failed "
            "airbyte_sync_succeeded check for a failed or cancelled one."
        ),
    )
    def _airbyte_sync_sensor(
        context: dg.SensorEvaluationContext, **resources: Any
    ) -> dg.SensorResult:
        # Called directly (tests), Dagster passes required resources as keyword arguments; the
        # daemon (evaluate_tick) only puts them on the context.
        airbyte: AirbyteCloudResource = resources.get(resource_key) or getattr(
            context.resources, resource_key
        )
        tick = _Tick(context, airbyte.get_client(), specs_by_connection)
        default_since = datetime.now(timezone.utc) - timedelta(seconds=lookback_seconds)
        cursor = SyncSensorCursor.parse(context.cursor, default_since=default_since)
        workspace_id = airbyte.resolved_workspace_id  # reads an EnvVar: once a tick
        # Every job type that changes the tables: syncs, and clears (which run as resets).
        jobs = tick.client.list_jobs(
            workspace_ids=[workspace_id] if workspace_id else None,
            updated_at_start=cursor.updated_since,
            order_by="updatedAt|ASC",
            limit=max_pages_per_tick * PAGE_SIZE,
        )
        timeouts = enforce_timeouts(context, airbyte, specs_by_connection, cursor, workspace_id)
        full = len(jobs) >= max_pages_per_tick * PAGE_SIZE
        return tick.run(cursor, jobs, full=full, first=timeouts)

    return _airbyte_sync_sensor


class _Tick:
    """One evaluation: decide, for each job that ended, what to record."""

    def __init__(
        self,
        context: dg.SensorEvaluationContext,
        client: AirbyteClient,
        specs_by_connection: dict[str, list[dg.AssetSpec]],
    ) -> None:
        self.context = context
        self.client = client
        self.specs_by_connection = specs_by_connection

    def run(
        self,
        cursor: SyncSensorCursor,
        jobs: list[AirbyteJob],
        *,
        full: bool,
        first: Sequence[SensorEvent] = (),
    ) -> dg.SensorResult:
        ended = [job for job in jobs if job.is_terminal and job.last_updated_at is not None]
        newest = max([cursor.updated_since, *(ended_at(job) for job in ended)])
        # Caught up: read the overlap again next time. Behind (every page was full): go on
        # from the newest job read, or the same pages would be read again and again.
        next_since = newest if full else max(cursor.updated_since, newest - OVERLAP)
        listed = {job.job_id for job in ended}
        held_again = self._held_jobs([i for i in cursor.held[:MAX_HELD_JOBS] if i not in listed])
        candidates = {
            job.job_id: job
            for job in [*held_again, *ended]
            if job.connection_id in self.specs_by_connection and job.job_id not in cursor.reported
        }
        events: list[SensorEvent] = list(first)
        held: list[int] = cursor.held[MAX_HELD_JOBS:]  # looked at again on a later tick
        in_progress = RunsInProgress.read(self.context.instance) if candidates else None
        for connection_id, connection_jobs in _by_connection(candidates.values()).items():
            specs = self.specs_by_connection[connection_id]
            records = RunRecords.read(
                self.context.instance,
                specs[0].key,
                connection_jobs,
                check_name=SYNC_CHECK_NAME,
                in_progress=in_progress,
            )
            keys = [spec.key for spec in specs]
            for job in connection_jobs:
                followed = job.job_id in records.followed or (
                    in_progress is not None and in_progress.may_have_started(job, keys)
                )
                if not records.recorded(job) and followed and not _too_old(job):
                    held.append(job.job_id)  # its run will record it; look again next tick
                    continue
                events.extend(self._events(job, specs, records))
                cursor.reported[job.job_id] = ended_at(job).timestamp()
        floor = next_since.timestamp()
        reported = {job_id: at for job_id, at in cursor.reported.items() if at >= floor}
        timed_out = [job_id for job_id in cursor.timed_out if job_id not in reported]
        new_cursor = SyncSensorCursor(next_since, reported, held, timed_out)
        if full:
            self.context.log.warning(
                f"Read {len(jobs)} jobs, the most one tick reads; catching up from "
                f"{next_since.isoformat()}. Raise max_pages_per_tick if this persists."
            )
        if events or held:
            self.context.log.info(
                f"Recorded {len(events)} events for {len(candidates) - len(held)} finished "
                f"Airbyte jobs; {len(held)} held back while a run in progress may record them."
            )
        return dg.SensorResult(asset_events=events, cursor=new_cursor.dumps())

    def _held_jobs(self, job_ids: list[int]) -> list[AirbyteJob]:
        """The jobs held back on an earlier tick, read again; one Airbyte no longer has (a
        deleted connection's) is dropped rather than failing every tick after."""
        jobs = []
        for job_id in job_ids:
            try:
                jobs.append(self.client.get_job(job_id))
            except AirbyteNotFound:
                self.context.log.warning(f"Airbyte job {job_id} is gone; no longer held back.")
        return jobs

    def _events(
        self, job: AirbyteJob, specs: list[dg.AssetSpec], records: RunRecords
    ) -> list[SensorEvent]:
        """What to record of a finished job: a clear (reset) job's emptied tables; a sync's
        materializations (unless a run recorded them) or observations, and its check result
        (unless the latest result already names the job: a run executed the check). A sync
        that outlived sync_timeout without a worker gets its final result too."""
        recorded = records.recorded(job)
        if job.job_type in RESYNC_JOB_TYPES:
            if recorded:
                return []
            if job.succeeded:
                return list(emptied_events(job, specs))
            return self._observations(job, specs, "nothing was emptied")
        events: list[SensorEvent] = []
        if recorded:
            pass  # a run materialized it
        elif job.succeeded:
            events = list(
                finished_job_events(self.client, job, specs, event_type=dg.AssetMaterialization)
            )
        else:
            events = list(self._observations(job, specs, "nothing was materialized"))
        if records.checked != job.job_id:
            events.extend(check_evaluations(job, specs))
        return events

    @staticmethod
    def _observations(
        job: AirbyteJob, specs: list[dg.AssetSpec], outcome: str
    ) -> list[SensorEvent]:
        metadata = md.job_finished(job, md.connection_url_of(specs))
        description = (
            f"Airbyte {job.job_type} job {job.job_id} ended {job.status.value}; {outcome}. "
            "See the job on the connection page."
        )
        return list(table_observations(specs, description, metadata))


def _by_connection(jobs: Iterable[AirbyteJob]) -> dict[str, list[AirbyteJob]]:
    grouped: dict[str, list[AirbyteJob]] = {}
    for job in sorted(jobs, key=lambda job: (job.last_updated_at, job.job_id)):
        grouped.setdefault(job.connection_id, []).append(job)
    return grouped


def _too_old(job: AirbyteJob) -> bool:
    ended = job.last_updated_at or datetime.now(timezone.utc)
    return datetime.now(timezone.utc) - ended > MAX_HOLD
