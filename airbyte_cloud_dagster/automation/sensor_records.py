"""What Dagster runs already recorded about some Airbyte jobs, read from the instance.

The sync sensor asks before it records a job, so nothing is recorded twice: a job a run already
materialized (or whose tables a resync run already recorded as emptied) adds nothing; a job a
blocking run still follows waits until that run ends; a job a run started with
``wait_mode="sensor"`` is one the sensor may cancel when it outlives ``sync_timeout``.

Example::

    records = RunRecords.read(context.instance, specs[0].key, jobs)
    records.recorded(job), job.job_id in records.followed
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteJob

# Jobs that ended this long before the newest one seen are read again: job times are whole
# seconds, and a job may commit its end a little after a later one. The reported ids dedupe.
OVERLAP = timedelta(seconds=10)
_RECENT_EVENTS = 100
# How long a finished job is left for a run in progress that may have started it.
MAY_HAVE_STARTED_HOLD = timedelta(minutes=5)


@dataclass
class RunRecords:
    """Job ids, by what Dagster runs recorded of them on one of the connection's tables."""

    materialized: set[int] = field(default_factory=set)
    emptied: set[int] = field(default_factory=set)  # a resync run recorded its clear
    followed: set[int] = field(default_factory=set)  # a blocking run that has not ended
    started_without_worker: set[int] = field(default_factory=set)  # wait_mode="sensor" runs
    checked: int | None = None  # the job the table's latest airbyte_sync_succeeded names

    @classmethod
    def read(
        cls,
        instance: dg.DagsterInstance,
        asset_key: dg.AssetKey,
        jobs: Sequence[AirbyteJob],
        *,
        check_name: str | None = None,
        in_progress: RunsInProgress | None = None,
    ) -> RunRecords:
        """What runs recorded of ``jobs`` (a few instance queries per connection and tick,
        whatever the number of jobs): materializations and observations since the first of
        them started, the state of the runs that observed them (one query), and with
        ``check_name`` the job the table's latest check result names."""
        ids = {job.job_id for job in jobs}
        since = min(job.start_time or ended_at(job) for job in jobs) - OVERLAP
        records_filter = dg.AssetRecordsFilter(
            asset_key=asset_key, after_timestamp=since.timestamp()
        )
        found = cls()
        for record in instance.fetch_materializations(records_filter, limit=_RECENT_EVENTS).records:
            job_id = md.job_id_of(record.asset_materialization)
            if job_id in ids:
                found.materialized.add(job_id)
        blocking: dict[str, set[int]] = {}  # run id -> the jobs its blocking observations name
        for record in instance.fetch_observations(records_filter, limit=_RECENT_EVENTS).records:
            observation = record.asset_observation
            job_id = md.job_id_of(observation)
            if observation is None or job_id not in ids or not record.run_id:
                continue
            if md.value_of(observation.metadata, md.EMPTIED):
                found.emptied.add(job_id)
            mode = md.value_of(observation.metadata, md.WAIT_MODE)
            if mode == "sensor":
                found.started_without_worker.add(job_id)
            elif mode == "blocking":
                blocking.setdefault(record.run_id, set()).add(job_id)
        if blocking and in_progress is not None:  # read once per tick, not per connection
            for run_id, job_ids in blocking.items():
                if run_id in in_progress.run_ids:
                    found.followed |= job_ids
        elif blocking:
            for run in instance.get_runs(dg.RunsFilter(run_ids=list(blocking))):
                if not run.is_finished:
                    found.followed |= blocking[run.run_id]
        if check_name is not None:
            key = dg.AssetCheckKey(asset_key, check_name)
            latest = instance.get_latest_asset_check_evaluation_record(key)
            event = getattr(getattr(latest, "event", None), "dagster_event", None)
            evaluation = getattr(event, "event_specific_data", None)
            # A timeout's failed result (sensor_timeouts.py) is not the job's final one.
            if md.SYNC_TIMEOUT not in (getattr(evaluation, "metadata", None) or {}):
                found.checked = md.job_id_of(evaluation)
        return found

    def recorded(self, job: AirbyteJob) -> bool:
        """A run already recorded this finished job (its materialization, or its clear)."""
        return job.job_id in self.materialized or job.job_id in self.emptied


@dataclass(frozen=True)
class RunsInProgress:
    """The runs in progress that select Airbyte tables, read once per tick (one query).

    A run that started before a job was created may be the one that created it, before its
    step has recorded the job (its ``POST /jobs`` answer still in flight, or another start of
    the same step still retrying): such a job is left for that run a little while
    (``MAY_HAVE_STARTED_HOLD`` after the job ended: a step records a job within its poll
    interval of the end). A run that selects all of its job's assets has an empty
    ``asset_selection``: it may be any Airbyte step, so it counts.
    """

    runs: tuple[tuple[frozenset[dg.AssetKey], float], ...] = ()
    run_ids: frozenset[str] = frozenset()

    @classmethod
    def read(cls, instance: dg.DagsterInstance) -> RunsInProgress:
        statuses = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
        records = instance.get_run_records(dg.RunsFilter(statuses=statuses))
        return cls(
            tuple(
                (frozenset(record.dagster_run.asset_selection or ()), record.start_time)
                for record in records
                if record.start_time is not None
            ),
            frozenset(record.dagster_run.run_id for record in records),
        )

    def may_have_started(self, job: AirbyteJob, keys: Sequence[dg.AssetKey]) -> bool:
        """A run in progress selects one of ``keys`` and started before ``job`` was created
        (its creation time is whole seconds: one second of slack)."""
        if job.start_time is None:
            return False
        created = job.start_time.timestamp() + 1.0
        if datetime.now(timezone.utc) - ended_at(job) > MAY_HAVE_STARTED_HOLD:
            return False
        return any(
            started <= created and (not selection or not selection.isdisjoint(keys))
            for selection, started in self.runs
        )


def ended_at(job: AirbyteJob) -> datetime:
    """When a finished job ended; a job still running counts from when it started."""
    moment = job.last_updated_at or job.start_time
    assert moment is not None, job
    return moment
