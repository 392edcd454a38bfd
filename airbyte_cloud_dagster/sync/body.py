"""The one sync body: given the selected specs, start, follow and record their connections' syncs.

Every way of running a sync calls :func:`sync_connections`: the per-connection assets and the
one-step asset (through ``AirbyteCloudResource.sync_and_poll(context)``), the op, the
component, and a user's own ``@multi_asset``. It takes the three reusable steps in order:

1. *start* (``starting.start_sync``: ``POST /jobs``, attaching to a running sync on 409) and
   record each started job as an observation per table, the run's claim on it;
2. *follow* the jobs: one job with ``GET /jobs/{id}`` (``following.follow_job``), many with one
   jobs-list request per poll for all of them (``api.multi_wait``);
3. *turn each finished job into events* (``events.finished_job_events``).

With ``wait_mode="sensor"`` it stops after step 1 and the sync sensor records the rest. With
``resync=True`` it first clears the tables (``clearing.py``) and waits for the clears (they are
short) before starting the syncs. A
terminated run cancels every job still running (``cancel_on_termination``); a retried step
attaches to them. One connection that fails raises its own failure (``AirbyteSyncFailed``,
``AirbyteSyncTimedOut``, ``AirbyteSyncLostTrack``); with many, the others go on and the step
fails at the end with one ``dagster.Failure`` naming every connection that did not sync.

Example, in your own multi-asset::

    @dg.multi_asset(specs=load_airbyte_asset_specs(airbyte=airbyte), can_subset=True)
    def my_airbyte(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
        yield from airbyte.sync_and_poll(context)
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteError, AirbyteJob
from airbyte_cloud_dagster.api.multi_wait import JobsWatch, wait_for_jobs
from airbyte_cloud_dagster.sync.clearing import clear_tables
from airbyte_cloud_dagster.sync.events import finished_job_events
from airbyte_cloud_dagster.sync.failures import lost_track_failure, sync_failure
from airbyte_cloud_dagster.sync.following import Heartbeat, follow_job, on_termination
from airbyte_cloud_dagster.sync.starting import start_sync
from airbyte_cloud_dagster.workspace.specs import specs_by_connection

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource

# Start calls in flight at once: creating a job can take seconds under load
# (docs/airbyte/behaviour.md, "Jobs").
DEFAULT_MAX_CONCURRENT_STARTS = 8

Log = logging.Logger | dg.DagsterLogManager
SyncEvent = dg.MaterializeResult | dg.AssetObservation
# Yields the events; returns the jobs that ended well (or were started, with wait_mode sensor).
SyncRun = Generator[SyncEvent, None, list[AirbyteJob]]
_INTERRUPTS = (dg.DagsterExecutionInterruptedError, KeyboardInterrupt, GeneratorExit)


def sync_connections(
    airbyte: AirbyteCloudResource,
    specs: Iterable[dg.AssetSpec],
    *,
    log: Log | None = None,
    max_concurrent_starts: int = DEFAULT_MAX_CONCURRENT_STARTS,
    resync: bool = False,
    resync_job_type: str = "clear",
) -> SyncRun:
    """Sync every connection behind ``specs`` in this step; yield each one's events as it ends.

    ``specs`` are the selected tables (any connection's; ``workspace.specs.selected_specs``).
    The generator returns the finished jobs, for an op that outputs them. ``resync=True``
    clears the connections' tables first (``clearing.py``), then syncs them.
    """
    log = log or dg.get_dagster_logger("airbyte")
    by_connection = specs_by_connection(specs)
    if resync:
        yield from clear_tables(airbyte, by_connection, log=log, job_type=resync_job_type)
    if len(by_connection) == 1:
        (connection_specs,) = by_connection.values()
        return (yield from _sync_one(airbyte, connection_specs, log))
    return (yield from _sync_many(airbyte, by_connection, log, max_concurrent_starts))


def _sync_one(airbyte: AirbyteCloudResource, specs: Sequence[dg.AssetSpec], log: Log) -> SyncRun:
    client, settings = airbyte.get_client(), airbyte.sync_settings
    job, started = start_sync(client, specs, wait_mode=airbyte.wait_mode, log=log)
    if airbyte.wait_mode == "sensor":
        yield from started  # ties the job to this run; the sync sensor records the tables
        return [job]
    try:
        yield from started
    except _INTERRUPTS:
        # Terminated while Dagster stored the observation (GeneratorExit: the step stopped
        # consuming this generator): no one follows the job any more, so cancel it.
        on_termination(client, [job], settings, log)
        raise
    url = md.connection_url_of(specs)
    job = follow_job(client, job, settings, log=log, connection_url=url)
    yield from finished_job_events(client, job, specs)
    return [job]


def _sync_many(
    airbyte: AirbyteCloudResource,
    by_connection: Mapping[str, Sequence[dg.AssetSpec]],
    log: Log,
    max_concurrent_starts: int,
) -> SyncRun:
    run = _ManySyncs(airbyte, by_connection, log)
    try:
        yield from run.start_all(max_concurrent_starts)
        if airbyte.wait_mode == "sensor":
            run.raise_if_failed()  # the sync sensor records the rest
            return list(run.started.values())
        ends = wait_for_jobs(
            run.client,
            run.started.values(),
            workspace_ids=run.workspace_ids(),
            poll=run.settings.poll,
            timeout=run.settings.sync_timeout,
            cancel_on_timeout=run.settings.cancel_on_timeout,
            on_progress=Heartbeat(log, _pending),
        )
        for end in ends:
            connection_id = run.ended(end.job)
            specs = by_connection[connection_id]
            if end.error is None:
                log.info(
                    f"Airbyte job {end.job.job_id} ({run.label(connection_id)}) succeeded: "
                    f"{md.figures_text(end.job)}."
                )
                run.finished.append(end.job)
                yield from finished_job_events(run.client, end.job, specs)
            else:
                url = md.connection_url_of(specs)
                failure = sync_failure(end.error, url, job=end.job, client=run.client)
                run.failed(connection_id, end.job, failure.description or str(end.error))
    except AirbyteError as error:
        # Following failed (after the client's retries), not the syncs: they go on in Airbyte.
        for job in run.still_running():
            connection_id = run.connection_of(job)
            url = md.connection_url_of(by_connection[connection_id])
            lost = lost_track_failure(error, job, url, run.client)
            run.failed(connection_id, job, lost.description or str(error))
        raise run.failure() from error
    except _INTERRUPTS:
        # GeneratorExit: the step stopped consuming this generator (terminated while Dagster
        # stored an event); no one follows the jobs any more, so they are cancelled too.
        on_termination(run.client, run.still_running(), run.settings, log)
        raise
    run.raise_if_failed()
    return run.finished


def _pending(watch: JobsWatch) -> str | None:
    if not watch.pending:
        return None
    ids = ", ".join(str(job_id) for job_id in sorted(watch.pending))
    return f"{len(watch.pending)} Airbyte jobs still running: {ids}"


@dataclass(frozen=True)
class _FailedConnection:
    connection_id: str
    label: str
    job: AirbyteJob | None
    description: str


class _ManySyncs:
    """The jobs one step started, which of them ended, and the connections that failed."""

    def __init__(
        self,
        airbyte: AirbyteCloudResource,
        by_connection: Mapping[str, Sequence[dg.AssetSpec]],
        log: Log,
    ) -> None:
        self.client = airbyte.get_client()
        self.settings = airbyte.sync_settings
        self.wait_mode = airbyte.wait_mode
        self.by_connection = by_connection
        self.started: dict[str, AirbyteJob] = {}
        self.finished: list[AirbyteJob] = []
        self.failures: list[_FailedConnection] = []
        self._log = log
        self._ended: set[int] = set()
        self._connection_of_job: dict[int, str] = {}

    def label(self, connection_id: str) -> str:
        name = md.value_of(self.by_connection[connection_id][0].metadata, md.CONNECTION_NAME)
        return f"'{name}' ({connection_id})" if name else connection_id

    def workspace_ids(self) -> list[str] | None:
        """The workspaces to list jobs in; None (no filter) if any connection's is unknown."""
        found = {
            md.value_of(self.by_connection[connection_id][0].metadata, md.WORKSPACE_ID)
            for connection_id in self.started
        }
        if not found or None in found or "" in found:
            return None
        return sorted(str(workspace_id) for workspace_id in found)

    def start_all(self, max_workers: int) -> Iterator[dg.AssetObservation]:
        """Start (or attach to) every sync, ``max_workers`` calls at a time; yield the
        observations that record each started job."""
        workers = max(1, min(max_workers, len(self.by_connection)))
        pool = ThreadPoolExecutor(workers, thread_name_prefix="airbyte-start")
        futures = {
            pool.submit(start_sync, self.client, specs, wait_mode=self.wait_mode, log=self._log): (
                connection_id
            )
            for connection_id, specs in self.by_connection.items()
        }
        observations: list[dg.AssetObservation] = []
        try:
            for future in as_completed(futures):
                connection_id = futures[future]
                try:
                    job, started = future.result()
                except AirbyteError as error:
                    url = md.connection_url_of(self.by_connection[connection_id]) or "unknown"
                    self.failed(connection_id, None, f"{error} Connection page: {url}.")
                    continue
                self._record_start(connection_id, job)
                if self.wait_mode != "sensor":  # following.follow_job says so for one job
                    self._log.info(
                        f"Following Airbyte job {job.job_id} ({job.status.value}) for "
                        f"connection {connection_id}."
                    )
                observations += started
        finally:
            # Interrupted: let the calls in flight finish, so their jobs can be cancelled too.
            pool.shutdown(wait=True, cancel_futures=True)
            for future, connection_id in futures.items():
                if _succeeded(future) and connection_id not in self.started:
                    self._record_start(connection_id, future.result()[0])
        yield from observations

    def _record_start(self, connection_id: str, job: AirbyteJob) -> None:
        self.started[connection_id] = job
        self._connection_of_job[job.job_id] = connection_id

    def connection_of(self, job: AirbyteJob) -> str:
        return self._connection_of_job.get(job.job_id, job.connection_id)

    def ended(self, job: AirbyteJob) -> str:
        self._ended.add(job.job_id)
        return self.connection_of(job)

    def still_running(self) -> list[AirbyteJob]:
        return [job for job in self.started.values() if job.job_id not in self._ended]

    def failed(self, connection_id: str, job: AirbyteJob | None, description: str) -> None:
        self.failures.append(
            _FailedConnection(connection_id, self.label(connection_id), job, description)
        )
        self._log.error(f"Airbyte sync of {self.label(connection_id)} failed: {description}")

    def raise_if_failed(self) -> None:
        if self.failures:
            raise self.failure()

    def failure(self) -> dg.Failure:
        """One ``dagster.Failure`` naming every failed connection and its job."""
        total = len(self.by_connection)
        lines = [f"- {f.label}: {f.description}" for f in self.failures]
        failed = [
            {
                "connection_id": f.connection_id,
                "connection_name": md.value_of(
                    self.by_connection[f.connection_id][0].metadata, md.CONNECTION_NAME
                ),
                "job_id": f.job.job_id if f.job else None,
                "job_status": f.job.status.value if f.job else None,
            }
            for f in self.failures
        ]
        return dg.Failure(
            description=(
                f"{len(self.failures)} of {total} Airbyte connections did not sync:\n"
                + "\n".join(lines)
            ),
            metadata=md.connections_failed(failed, total),
        )


def _succeeded(future: Future[tuple[AirbyteJob, list[dg.AssetObservation]]]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None
