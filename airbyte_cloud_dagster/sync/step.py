"""One kind of job on a step's connections: start them all, follow them, record each end.

The one sync body (``body.py``) runs a :class:`JobStep` of syncs, after one of clears when it
resyncs. Starts go a few at a time (creating a job can take seconds under load:
docs/airbyte/behaviour.md, "Jobs"); one job is followed with ``GET /jobs/{id}``
(``following.follow_job``) and raises its own failure, many with one jobs-list request per poll
(``api.multi_wait``) and one ``dagster.Failure`` at the end naming every connection that failed.
A terminated step cancels every job still running, from the first start on.

Example::

    step = JobStep(airbyte, specs_by_connection(specs), log)
    jobs = yield from step.run(lambda client, job, specs: finished_job_events(client, job, specs))
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteError, AirbyteJob, JobType
from airbyte_cloud_dagster.api.multi_wait import JobsWatch, wait_for_jobs
from airbyte_cloud_dagster.sync import in_flight
from airbyte_cloud_dagster.sync.failures import (
    AirbyteSyncFailed,
    AirbyteSyncLostTrack,
    AirbyteSyncTimedOut,
    FailedConnection,
    connections_failure,
    lost_track_failure,
    sync_failure,
)
from airbyte_cloud_dagster.sync.following import (
    INTERRUPTS,
    Heartbeat,
    Log,
    follow_job,
    on_abandonment,
    on_termination,
)
from airbyte_cloud_dagster.sync.retries import StepAttempt
from airbyte_cloud_dagster.sync.starting import start_sync

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource

MAX_CONCURRENT_STARTS = 8
SyncEvent = dg.MaterializeResult | dg.AssetMaterialization | dg.AssetObservation
# What a finished job records: (client, job, specs) -> events.
JobEvents = Callable[[Any, AirbyteJob, Sequence[dg.AssetSpec]], Iterable[SyncEvent]]
# A connection's own failures: with one connection they are raised as they are.
_OWN_FAILURES = (AirbyteSyncFailed, AirbyteSyncTimedOut, AirbyteSyncLostTrack)


def _pending(watch: JobsWatch) -> str | None:
    if not watch.pending:
        return None
    ids = ", ".join(str(job_id) for job_id in sorted(watch.pending))
    return f"{len(watch.pending)} Airbyte jobs still running: {ids}"


class JobStep:
    """One kind of job (syncs, or a resync's clears) on the step's connections: the jobs
    started, which of them ended, and the connections that failed."""

    def __init__(
        self,
        airbyte: AirbyteCloudResource,
        by_connection: Mapping[str, Sequence[dg.AssetSpec]],
        log: Log,
        *,
        job_type: JobType = JobType.SYNC,
        earlier: Sequence[FailedConnection] = (),
        attempt: StepAttempt | None = None,
    ) -> None:
        self._owner = airbyte  # whose bodies in_flight.close_left_behind(airbyte) closes
        self.client = airbyte.get_client()
        self.settings = airbyte.sync_settings
        self.job_type = job_type
        # A clear is always followed in the run: the sync must not start before it ends.
        self.wait_mode = airbyte.wait_mode if job_type is JobType.SYNC else "blocking"
        self.by_connection = by_connection
        self.started: dict[str, AirbyteJob] = {}
        self.finished: list[AirbyteJob] = []
        self.failures: list[FailedConnection] = list(earlier)
        self._total = len(by_connection) + len(earlier)
        self._log = log
        self._ended: set[int] = set()
        self._attempt = attempt  # a retried step's: follow what its earlier attempts started

    def run(
        self, events: JobEvents, *, wait: bool = True, raise_failures: bool = True
    ) -> Generator[SyncEvent, None, list[AirbyteJob]]:
        """Start every job, follow them (unless ``wait`` is off) and yield each one's events;
        a terminated step cancels every job still running, from the first start on. Failures
        are raised at the end (one connection's as it is) unless ``raise_failures`` is off.

        The body is tracked until it ends: a termination Dagster raises outside it still
        cancels its jobs when the process exits (``in_flight.py``)."""
        body = self._run(events, wait=wait, raise_failures=raise_failures)
        in_flight.track(self._owner, self, body)
        return body

    def _run(
        self, events: JobEvents, *, wait: bool, raise_failures: bool
    ) -> Generator[SyncEvent, None, list[AirbyteJob]]:
        try:
            yield from self._start_all()
            if not wait:
                self._raise_if_failed()  # the sync sensor records the rest
                return list(self.started.values())
            if self._total == 1 and self.started:
                yield from self._follow_one(events)
            else:
                yield from self._follow_many(events)
        except _OWN_FAILURES:
            raise  # one connection's own failure, as it is (follow_job cancelled if need be)
        except AirbyteError as error:
            still_running = self._still_running()
            if not still_running and not self.failures:
                raise  # nothing started or lost (one connection's refused start): as it is
            # Following failed (after the client's retries), not the jobs: they go on in Airbyte.
            for job in still_running:
                url = md.connection_url_of(self.by_connection[job.connection_id])
                lost = lost_track_failure(error, job, url, self.client)
                self._failed(job.connection_id, job, lost.description or str(error))
            raise self._failure() from error
        except GeneratorExit:
            # Closed from outside its run (dropped and garbage-collected, or closed at the
            # process's exit: in_flight.py); no one follows the jobs, so cancel them.
            on_abandonment(self.client, self._still_running(), self.settings)
            raise
        except INTERRUPTS:
            on_termination(self.client, self._still_running(), self.settings, self._log)
            raise
        finally:
            in_flight.forget(self)
        if raise_failures:
            self._raise_if_failed()
        return self.finished

    def _follow_one(self, events: JobEvents) -> Iterator[SyncEvent]:
        """One connection: ``GET /jobs/{id}`` until it ends; its failure raised as it is."""
        ((connection_id, job),) = self.started.items()
        specs = self.by_connection[connection_id]
        url = md.connection_url_of(specs)
        try:
            job = follow_job(self.client, job, self.settings, log=self._log, connection_url=url)
        finally:
            self._ended.add(job.job_id)  # follow_job cancels it itself when interrupted
        self.finished.append(job)
        yield from events(self.client, job, specs)

    def _follow_many(self, events: JobEvents) -> Iterator[SyncEvent]:
        """Many connections: one jobs-list request per poll for all of them."""
        ends = wait_for_jobs(
            self.client,
            self.started.values(),
            workspace_ids=self._workspace_ids(),
            poll=self.settings.poll,
            timeout=self.settings.sync_timeout,
            cancel_on_timeout=self.settings.cancel_on_timeout,
            on_progress=Heartbeat(self._log, _pending),
        )
        for end in ends:
            self._ended.add(end.job.job_id)
            specs = self.by_connection[end.job.connection_id]
            if end.error is None:
                self._log.info(
                    f"Airbyte {end.job.job_type} job {end.job.job_id} "
                    f"({self._label(end.job.connection_id)}) succeeded: "
                    f"{md.figures_text(end.job)}."
                )
                self.finished.append(end.job)
                yield from events(self.client, end.job, specs)
            else:
                url = md.connection_url_of(specs)
                failure = sync_failure(end.error, url, job=end.job, client=self.client)
                self._failed(end.job.connection_id, end.job, failure.description or str(end.error))

    def _start_all(self) -> Iterator[dg.AssetObservation]:
        """Start (or attach to) every job, a few calls at a time; yield the observations that
        record each started job as soon as it has started (the sync sensor reads them to leave
        a job this run follows alone, even while another start still retries). A job started
        while the step is interrupted is recorded too, so it is cancelled with the others; with
        one connection a start error is raised as it is."""
        if not self.by_connection:
            return
        # Read here, not in the start threads: one instance query per connection, on retries.
        earlier = {
            connection_id: self._attempt.jobs_started(specs) if self._attempt else []
            for connection_id, specs in self.by_connection.items()
        }
        to_start = dict(self.by_connection)
        if self._attempt is not None and self.job_type is JobType.SYNC:
            to_start, done = self._attempt.not_recorded_yet(
                to_start, earlier, self.client, self._log
            )
            self.finished += done
        workers = max(1, min(MAX_CONCURRENT_STARTS, len(to_start)))
        pool = ThreadPoolExecutor(workers, thread_name_prefix="airbyte-start")
        futures = {
            pool.submit(
                start_sync,
                self.client,
                connection_id,
                specs,
                wait_mode=self.wait_mode,
                log=self._log,
                job_type=self.job_type,
                earlier=earlier[connection_id],
            ): connection_id
            for connection_id, specs in to_start.items()
        }
        try:
            for future in as_completed(futures):
                connection_id = futures[future]
                try:
                    job, started = future.result()
                except AirbyteError as error:
                    if self._total == 1:
                        raise
                    url = md.connection_url_of(self.by_connection[connection_id]) or "unknown"
                    self._failed(connection_id, None, f"{error} Connection page: {url}.")
                    continue
                self.started[connection_id] = job
                if self.wait_mode != "sensor" and self._total > 1:
                    # following.follow_job says so for one job
                    self._log.info(
                        f"Following Airbyte job {job.job_id} ({job.status.value}) for "
                        f"connection {connection_id}."
                    )
                yield from started
        finally:
            # Interrupted: let the calls in flight finish, so their jobs can be cancelled too.
            pool.shutdown(wait=True, cancel_futures=True)
            for future, connection_id in futures.items():
                if _succeeded(future) and connection_id not in self.started:
                    self.started[connection_id] = future.result()[0]

    def _still_running(self) -> list[AirbyteJob]:
        return [job for job in self.started.values() if job.job_id not in self._ended]

    def _label(self, connection_id: str) -> str:
        name = md.value_of(self.by_connection[connection_id][0].metadata, md.CONNECTION_NAME)
        return f"'{name}' ({connection_id})" if name else connection_id

    def _workspace_ids(self) -> list[str] | None:
        """The workspaces to list jobs in; None (no filter) if any connection's is unknown."""
        found = {
            md.value_of(self.by_connection[connection_id][0].metadata, md.WORKSPACE_ID)
            for connection_id in self.started
        }
        if not found or None in found or "" in found:
            return None
        return sorted(str(workspace_id) for workspace_id in found)

    def _failed(self, connection_id: str, job: AirbyteJob | None, description: str) -> None:
        label = self._label(connection_id)
        name = md.value_of(self.by_connection[connection_id][0].metadata, md.CONNECTION_NAME)
        self.failures.append(FailedConnection(connection_id, label, job, description, name))
        kind = "sync" if self.job_type is JobType.SYNC else "clear (resync)"
        self._log.error(f"Airbyte {kind} of {label} failed: {description}")

    def _raise_if_failed(self) -> None:
        if self.failures:
            raise self._failure()

    def _failure(self) -> dg.Failure:
        return connections_failure(self.failures, self._total)


def _succeeded(future: Future[tuple[AirbyteJob, list[dg.AssetObservation]]]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None
