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

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteClient, AirbyteJob, JobType
from airbyte_cloud_dagster.automation.checks import check_evaluations
from airbyte_cloud_dagster.sync.events import finished_job_events
from airbyte_cloud_dagster.workspace.specs import tables_by_connection

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource

SensorEvent = dg.AssetMaterialization | dg.AssetObservation | dg.AssetCheckEvaluation

PAGE_SIZE = 100  # the most GET /jobs serves per page (docs/airbyte/behaviour.md, "Jobs")
# Jobs that ended this long before the newest one seen are read again: job times are whole
# seconds, and a job may commit its end a little after a later one. The reported ids dedupe.
OVERLAP = timedelta(seconds=10)
MAX_HELD_JOBS = 50
# A job a blocking run still follows is held back at most this long after it ended.
MAX_HOLD = timedelta(hours=1)
_RECENT_EVENTS = 100


@dataclass
class SyncSensorCursor:
    """What the sensor has seen: JSON in Dagster's cursor, so it survives restarts."""

    updated_since: datetime  # the next tick's updatedAtStart
    reported: dict[int, float] = field(default_factory=dict)  # job id -> its end (epoch s)
    held: list[int] = field(default_factory=list)  # ended, but a blocking run follows them

    @classmethod
    def parse(cls, text: str | None, *, default_since: datetime) -> SyncSensorCursor:
        if not text:
            return cls(updated_since=default_since)
        doc = json.loads(text)
        return cls(
            updated_since=datetime.fromisoformat(doc["updated_since"]),
            reported={int(job_id): float(at) for job_id, at in doc.get("reported", {}).items()},
            held=[int(job_id) for job_id in doc.get("held", [])],
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "updated_since": self.updated_since.isoformat(),
                "reported": {str(job_id): at for job_id, at in sorted(self.reported.items())},
                "held": sorted(self.held),
            }
        )


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
        jobs = tick.client.list_jobs(
            workspace_ids=[workspace_id] if workspace_id else None,
            job_type=JobType.SYNC,
            updated_at_start=cursor.updated_since,
            order_by="updatedAt|ASC",
            limit=max_pages_per_tick * PAGE_SIZE,
        )
        return tick.run(cursor, jobs, full=len(jobs) >= max_pages_per_tick * PAGE_SIZE)

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
        self, cursor: SyncSensorCursor, jobs: list[AirbyteJob], *, full: bool
    ) -> dg.SensorResult:
        ended = [job for job in jobs if job.is_terminal and job.last_updated_at is not None]
        newest = max([cursor.updated_since, *(_ended_at(job) for job in ended)])
        # Caught up: read the overlap again next time. Behind (every page was full): go on
        # from the newest job read, or the same pages would be read again and again.
        next_since = newest if full else max(cursor.updated_since, newest - OVERLAP)
        held_again = [self.client.get_job(job_id) for job_id in cursor.held[:MAX_HELD_JOBS]]
        candidates = {
            job.job_id: job
            for job in [*held_again, *ended]
            if job.connection_id in self.specs_by_connection and job.job_id not in cursor.reported
        }
        events: list[SensorEvent] = []
        held: list[int] = cursor.held[MAX_HELD_JOBS:]  # looked at again on a later tick
        for connection_id, connection_jobs in _by_connection(candidates.values()).items():
            specs = self.specs_by_connection[connection_id]
            recorded, followed = self._runs_record(specs[0].key, connection_jobs)
            for job in connection_jobs:
                if job.job_id not in recorded and job.job_id in followed and not _too_old(job):
                    held.append(job.job_id)  # its run will record it; look again next tick
                    continue
                events.extend(self._events(job, specs, already_recorded=job.job_id in recorded))
                cursor.reported[job.job_id] = _ended_at(job).timestamp()
        floor = next_since.timestamp()
        reported = {job_id: at for job_id, at in cursor.reported.items() if at >= floor}
        new_cursor = SyncSensorCursor(next_since, reported, held)
        if full:
            self.context.log.warning(
                f"Read {len(jobs)} jobs, the most one tick reads; catching up from "
                f"{next_since.isoformat()}. Raise max_pages_per_tick if this persists."
            )
        if events or held:
            self.context.log.info(
                f"Recorded {len(events)} events for {len(candidates) - len(held)} finished "
                f"Airbyte syncs; {len(held)} held back while a blocking run follows them."
            )
        return dg.SensorResult(asset_events=events, cursor=new_cursor.dumps())

    def _runs_record(
        self, asset_key: dg.AssetKey, jobs: list[AirbyteJob]
    ) -> tuple[set[int | None], set[int | None]]:
        """(jobs already materialized, jobs a blocking run that has not ended follows)."""
        instance = self.context.instance
        since = min(job.start_time or _ended_at(job) for job in jobs) - OVERLAP
        records_filter = dg.AssetRecordsFilter(
            asset_key=asset_key, after_timestamp=since.timestamp()
        )
        recorded = {
            md.job_id_of(record.asset_materialization)
            for record in instance.fetch_materializations(
                records_filter, limit=_RECENT_EVENTS
            ).records
        }
        followed = set()
        for record in instance.fetch_observations(records_filter, limit=_RECENT_EVENTS).records:
            observation = record.asset_observation
            mode = md.value_of(observation.metadata, md.WAIT_MODE) if observation else None
            if record.run_id and mode == "blocking":
                run = instance.get_run_by_id(record.run_id)
                if run is not None and not run.is_finished:
                    followed.add(md.job_id_of(observation))
        return recorded, followed

    def _events(
        self, job: AirbyteJob, specs: list[dg.AssetSpec], *, already_recorded: bool
    ) -> list[SensorEvent]:
        events: list[SensorEvent] = []
        if job.succeeded and not already_recorded:
            events.extend(
                finished_job_events(self.client, job, specs, event_type=dg.AssetMaterialization)
            )
        elif not job.succeeded:
            metadata = md.job_finished(job, md.connection_url_of(specs))
            description = (
                f"Airbyte sync job {job.job_id} ended {job.status.value}; nothing was "
                "materialized. See the job on the connection page."
            )
            events.extend(
                dg.AssetObservation(asset_key=spec.key, description=description, metadata=metadata)
                for spec in specs
            )
        events.extend(check_evaluations(job, specs))
        return events


def _by_connection(jobs: Iterable[AirbyteJob]) -> dict[str, list[AirbyteJob]]:
    grouped: dict[str, list[AirbyteJob]] = {}
    for job in sorted(jobs, key=lambda job: (job.last_updated_at, job.job_id)):
        grouped.setdefault(job.connection_id, []).append(job)
    return grouped


def _ended_at(job: AirbyteJob) -> datetime:
    """When a finished job ended (only finished jobs, which carry the time, get here)."""
    assert job.last_updated_at is not None, job
    return job.last_updated_at


def _too_old(job: AirbyteJob) -> bool:
    ended = job.last_updated_at or datetime.now(timezone.utc)
    return datetime.now(timezone.utc) - ended > MAX_HOLD
