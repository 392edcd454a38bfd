"""A step retried by a RetryPolicy follows the job an earlier attempt of the run started.

A step that lost track of its job (``AirbyteSyncLostTrack``: polls failed, the sync went on in
Airbyte) and is retried must not start another sync. While that job runs, a new start would be
answered 409 and attach to it (``api/starting.py``), but a job that ended during the retry delay
would leave the connection free, and a second sync would start. So a retried attempt (only a
retried one: a step's first attempt costs no instance query) first reads what the earlier
attempts of the same run recorded: the job-started observation (``metadata.job_started``) on the
connection's first table. The newest such job of the same type is followed instead of starting
another, whether it still runs or already ended: its end is recorded as usual. One that failed
or was cancelled is not: the RetryPolicy is there to run the sync again, so a new one starts.

Example::

    attempt = StepAttempt.of(context)  # None on a first attempt
    earlier = attempt.jobs_started(specs) if attempt else []
    job = earlier_job(client, earlier, connection_id, JobType.SYNC, log)  # or None: start one
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteClient, AirbyteError, AirbyteJob, JobStatus, JobType
from airbyte_cloud_dagster.sync.following import Log

# The table's newest observations read (any run's): an earlier attempt's are among the latest.
_RECENT_OBSERVATIONS = 100
# Jobs looked up (one GET each) for one of the right type: a resync's attempt records a clear
# and a sync.
_JOBS_CHECKED = 3
# Not followed again: a retry of a failed sync runs it again.
_RUN_AGAIN = frozenset({JobStatus.FAILED, JobStatus.CANCELLED})


@dataclass(frozen=True)
class StepAttempt:
    """A retried attempt of a step: where to read what the run's earlier attempts recorded."""

    instance: dg.DagsterInstance
    run_id: str
    retry_number: int

    @classmethod
    def of(cls, context: dg.AssetExecutionContext | dg.OpExecutionContext) -> StepAttempt | None:
        """The step's attempt, or None on its first attempt (nothing to read)."""
        try:
            retry_number = context.retry_number
        except AttributeError:
            return None  # invoked directly (``dg.build_asset_context``): never a retry
        if retry_number <= 0:
            return None
        return cls(context.instance, context.run.run_id, retry_number)

    def jobs_started(self, specs: Sequence[dg.AssetSpec]) -> list[int]:
        """The jobs this run recorded as started on the connection's first table, newest first
        (one instance query)."""
        if not specs:
            return []
        records_filter = dg.AssetRecordsFilter(asset_key=specs[0].key)
        found: list[int] = []
        for record in self.instance.fetch_observations(
            records_filter, limit=_RECENT_OBSERVATIONS
        ).records:
            observation = record.asset_observation
            if record.run_id != self.run_id or observation is None:
                continue
            if md.WAIT_MODE not in observation.metadata:
                continue  # not a job-started record (a resync's emptied table, say)
            job_id = md.job_id_of(observation)
            if job_id is not None and job_id not in found:
                found.append(job_id)
        return found

    def jobs_recorded(self, specs: Sequence[dg.AssetSpec]) -> set[int]:
        """The jobs this run already materialized on the connection's first table: an earlier
        attempt saw them end and recorded them (one instance query)."""
        if not specs:
            return set()
        records = self.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=specs[0].key), limit=_RECENT_OBSERVATIONS
        ).records
        return {
            job_id
            for record in records
            if record.run_id == self.run_id
            and (job_id := md.job_id_of(record.asset_materialization)) is not None
        }

    def not_recorded_yet(
        self,
        by_connection: Mapping[str, Sequence[dg.AssetSpec]],
        earlier: Mapping[str, Sequence[int]],
        client: AirbyteClient,
        log: Log,
    ) -> tuple[dict[str, Sequence[dg.AssetSpec]], list[AirbyteJob]]:
        """The connections still to sync, and the syncs an earlier attempt of the run saw end
        and recorded: those are done, neither started again nor recorded twice."""
        to_start: dict[str, Sequence[dg.AssetSpec]] = {}
        done: list[AirbyteJob] = []
        for connection_id, specs in by_connection.items():
            started = earlier[connection_id]
            if started and started[0] in self.jobs_recorded(specs):
                log.info(
                    f"Airbyte sync job {started[0]} of connection {connection_id} was recorded "
                    "by an earlier attempt of this step; not syncing it again."
                )
                done.append(_recorded_job(client, started[0], connection_id))
            else:
                to_start[connection_id] = specs
        return to_start, done


def _recorded_job(client: AirbyteClient, job_id: int, connection_id: str) -> AirbyteJob:
    """A sync an earlier attempt recorded, as Airbyte has it now; if it cannot be read (a moment's
    failure must not stop this attempt from starting the other connections), what the record
    says: a materialization is only recorded for a sync that succeeded."""
    try:
        return client.get_job(job_id)
    except AirbyteError:
        return AirbyteJob(job_id, JobStatus.SUCCEEDED, JobType.SYNC.value, connection_id)


def earlier_job(
    client: AirbyteClient,
    job_ids: Sequence[int],
    connection_id: str,
    job_type: JobType,
    log: Log,
) -> AirbyteJob | None:
    """The newest of ``job_ids`` of ``job_type`` on the connection, to follow instead of starting
    another; None if there is none, or it failed or was cancelled (a new one starts). Raises the
    ``AirbyteError`` of a look-up that fails: whether the job ended well is then unknown."""
    # A clear runs as a reset job (docs/airbyte/behaviour.md, "Jobs").
    wanted = JobType.RESET.value if job_type in (JobType.CLEAR, JobType.RESET) else job_type.value
    for job_id in job_ids[:_JOBS_CHECKED]:
        job = client.get_job(job_id)
        if job.job_type != wanted or job.connection_id != connection_id:
            continue
        if job.status in _RUN_AGAIN:
            log.info(
                f"Airbyte {job.job_type} job {job.job_id}, started by an earlier attempt of this "
                f"step on connection {connection_id}, {job.status.value}: starting another."
            )
            return None
        state = "already ended" if job.is_terminal else "still running"
        log.info(
            f"Following Airbyte {job.job_type} job {job.job_id} ({job.status.value}, {state}), "
            f"started by an earlier attempt of this step on connection {connection_id}, "
            "instead of starting another."
        )
        return job
    return None
