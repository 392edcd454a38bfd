"""Waiting for many jobs at once: one jobs-list request per poll, not one request per job.

``polling.wait_for_job`` reads one job with ``GET /jobs/{id}`` on every poll. Fifty syncs
followed that way cost fifty requests a tick; here each tick is one (paged) listing of the jobs
that changed since the last look::

    GET /jobs?workspaceIds=W&updatedAtStart=<mark>&orderBy=updatedAt|ASC&limit=100&offset=0

Each listed item is a full ``JobResponse`` (openapi.yaml ``JobsResponse.data``), so no job needs a
second read. Whether a job is done, and what error a failed or timed-out job ends with, are the
decisions of :mod:`polling` (``AirbyteJob.is_terminal``, ``job_failure``, ``timeout_error``),
shared with the one-job wait.

The mark, and why it is safe against the real API (docs/airbyte/behaviour.md, "Jobs" and
"Pagination"):

- ``updatedAtStart`` filters on the time a job last changed, but a job's ``lastUpdatedAt`` is
  only returned once it is terminal, so the mark is built from times the *server* gave us, never
  from our clock: first the oldest ``startTime`` (creation) of the awaited jobs (a job's update
  time is never before its creation), then the newest ``startTime``/``lastUpdatedAt`` of any job
  listed, a lower bound of the server's clock at that listing. A job that changes later is
  updated after that moment, so it is listed on the next tick. Times are whole seconds;
  ``margin`` seconds are taken off for rounding and for writes committed late.
- ``next`` links drop the filters, so pages are fetched by offset (``AirbyteClient.list_jobs``).
  A job updated *while* pages are fetched moves to the end of the order and shifts the others
  by one, so one of them can be missed; that job then shows up twice. A tick that saw a job
  twice does not move the mark, and the next tick lists the same window again.
- An awaited job that a complete listing should have included but did not (the workspace
  filter does not cover it) is read with ``GET /jobs/{id}`` from then on, with a warning.

>>> for end in wait_for_jobs(client, [client.start_job(c) for c in connection_ids]):
...     print(end.job.connection_id, "ok" if end.error is None else end.error)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from airbyte_cloud_dagster.api.arguments import check_wait_seconds
from airbyte_cloud_dagster.api.errors import (
    AirbyteJobFailed,
    AirbyteTimeout,
)
from airbyte_cloud_dagster.api.models import AirbyteJob
from airbyte_cloud_dagster.api.polling import PollPolicy, job_failure, poll_schedule, timeout_error

__all__ = ["JobEnd", "JobsApi", "JobsWatch", "wait_for_jobs"]

logger = logging.getLogger("airbyte_cloud_dagster")

# Taken off the mark: job times are whole seconds, and a change may be committed a little after
# the time it carries. Larger costs only re-listing the jobs that changed in that window.
DEFAULT_MARGIN_SECONDS = 30.0
# Not the default order, which is by createdAt (docs/airbyte/behaviour.md, "Jobs").
ORDER_BY_UPDATED = "updatedAt|ASC"


class JobsApi(Protocol):
    """The three calls the wait needs; ``AirbyteClient`` has them."""

    def list_jobs(
        self,
        *,
        workspace_ids: Iterable[str] | None = ...,
        updated_at_start: datetime | str | None = ...,
        order_by: str | None = ...,
    ) -> list[AirbyteJob]: ...

    def get_job(self, job_id: int) -> AirbyteJob: ...

    def cancel_job(self, job_id: int) -> AirbyteJob: ...


@dataclass(frozen=True)
class JobEnd:
    """How one awaited job ended: ``error`` is None if it succeeded.

    >>> JobEnd(job).succeeded
    True
    """

    job: AirbyteJob
    error: AirbyteJobFailed | AirbyteTimeout | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


class JobsWatch:
    """The latest known state of many jobs, refreshed by :meth:`tick` (one listing).

    >>> watch = JobsWatch(client, jobs, workspace_ids=[workspace_id])
    >>> changed = watch.tick()  # jobs whose status changed; ended ones leave watch.pending
    """

    def __init__(
        self,
        api: JobsApi,
        jobs: Iterable[AirbyteJob],
        *,
        workspace_ids: Iterable[str] | None = None,
        margin: float = DEFAULT_MARGIN_SECONDS,
        log: logging.Logger = logger,
    ) -> None:
        check_wait_seconds("margin", margin)
        self._api = api
        self._workspace_ids = sorted(set(workspace_ids)) if workspace_ids is not None else None
        self._margin = timedelta(seconds=math.ceil(margin))
        self._log = log
        self.pending: dict[int, AirbyteJob] = {job.job_id: job for job in jobs}
        # Jobs without a creation time, or that the listing does not cover, are read one by one.
        self.read_directly: set[int] = {
            job.job_id for job in self.pending.values() if job.start_time is None
        }
        starts = [job.start_time for job in self.pending.values() if job.start_time is not None]
        self.mark: datetime | None = self._minus_margin(min(starts)) if starts else None

    def tick(self) -> list[AirbyteJob]:
        """Look once; return the awaited jobs whose status changed or that ended."""
        listed = self._list() if self.mark is not None and self._listed_count() else []
        latest = {job.job_id: job for job in listed}  # a later page holds the newer state
        complete = len(latest) == len(listed)
        if complete:
            self._find_uncovered(latest)
        for job_id in sorted(self.read_directly & self.pending.keys()):
            latest[job_id] = self._api.get_job(job_id)
        if complete and listed:
            self._advance(listed)
        return self._apply(latest)

    def _listed_count(self) -> int:
        return len(self.pending.keys() - self.read_directly)

    def _list(self) -> list[AirbyteJob]:
        return self._api.list_jobs(
            workspace_ids=self._workspace_ids,
            updated_at_start=self.mark,
            order_by=ORDER_BY_UPDATED,
        )

    def _find_uncovered(self, latest: dict[int, AirbyteJob]) -> None:
        for job in self.pending.values():
            if job.job_id in latest or job.job_id in self.read_directly:
                continue
            created = job.start_time
            if created is not None and self.mark is not None and created >= self.mark:
                self._log.warning(
                    "Airbyte job %s on connection %s is missing from the jobs list filtered by "
                    "workspaces %s; reading it on its own from now on (one request per poll).",
                    job.job_id,
                    job.connection_id,
                    self._workspace_ids or "(all)",
                )
                self.read_directly.add(job.job_id)

    def _advance(self, listed: Sequence[AirbyteJob]) -> None:
        seen = [t for job in listed for t in (job.start_time, job.last_updated_at) if t is not None]
        if seen and self.mark is not None:
            self.mark = max(self.mark, self._minus_margin(max(seen)))

    def _apply(self, latest: dict[int, AirbyteJob]) -> list[AirbyteJob]:
        changed = []
        for job_id, job in latest.items():
            before = self.pending.get(job_id)
            if before is None:
                continue  # another connection's job, or one already ended
            if job.status != before.status or job.is_terminal:
                changed.append(job)
            if job.is_terminal:
                del self.pending[job_id]
            else:
                self.pending[job_id] = job
        return changed

    def _minus_margin(self, moment: datetime) -> datetime:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return aware.replace(microsecond=0) - self._margin


def wait_for_jobs(
    api: JobsApi,
    jobs: Iterable[AirbyteJob],
    *,
    workspace_ids: Iterable[str] | None = None,
    poll: PollPolicy | None = None,
    timeout: float | None = None,
    cancel_on_timeout: bool = False,
    on_progress: Callable[[JobsWatch], None] | None = None,
    margin: float = DEFAULT_MARGIN_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    log: logging.Logger = logger,
) -> Iterator[JobEnd]:
    """Yield each job's :class:`JobEnd` as soon as a poll sees it end; stop when all ended.

    Polls on ``poll``'s schedule; after ``timeout`` seconds every job still running ends with
    an ``AirbyteTimeout`` (cancelled first if ``cancel_on_timeout``). Errors of the requests
    themselves (after the transport's retries) propagate, as in ``polling.wait_for_job``.
    ``on_progress(watch)`` runs after every poll.

    >>> ends = list(wait_for_jobs(client, jobs, workspace_ids=[workspace_id], timeout=3600))
    """
    if timeout is not None:
        check_wait_seconds("timeout", timeout)
    jobs = list(jobs)
    for job in jobs:
        if job.is_terminal:
            yield JobEnd(job, job_failure(job))
    watch = JobsWatch(
        api,
        (job for job in jobs if not job.is_terminal),
        workspace_ids=workspace_ids,
        margin=margin,
        log=log,
    )
    delays = poll_schedule(poll or PollPolicy())
    deadline = None if timeout is None else clock() + timeout
    while watch.pending:
        for job in watch.tick():
            log.info(
                "Airbyte job %s on connection %s: %s.", job.job_id, job.connection_id, job.status
            )
            if job.is_terminal:
                yield JobEnd(job, job_failure(job))
        if on_progress is not None:
            on_progress(watch)
        if not watch.pending:
            return
        delay = next(delays)
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                cancel = api.cancel_job if cancel_on_timeout else None
                for job in list(watch.pending.values()):
                    yield JobEnd(job, timeout_error(job, timeout or 0.0, cancel, log))
                return
            delay = min(delay, remaining)
        sleep(delay)
