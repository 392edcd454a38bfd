"""Starting a job without ever starting two.

Creating a job is not idempotent and can take tens of seconds (docs/airbyte/behaviour.md,
"Jobs"), so ``POST /jobs`` is never blindly retried. Before the first POST the starter reads the
connection's newest job id (``GET /jobs?connectionId=..&orderBy=createdAt|DESC&limit=1``): job
ids only grow, so a job with a higher id is one this start may have created, and the job that
was newest before it is not ours, however recently it ended. After each attempt that did not
return a job:

- 409 ``try-again-later`` (a sync is already running): attach to the running job (or raise,
  with ``on_conflict="fail"``); 409 ``state-conflict`` (inactive connection) is final;
- 429 (load shedding: nothing was created): wait as ``Retry-After`` says, when a proxy sends
  one, else back off, and try again;
- a lost answer (dropped connection, timeout, 5xx): the job may have been created anyway, and
  may even have ended already (a job that fails fast behind a proxy that timed out). One look
  at the connection's newest jobs: a job newer than the one read before, running or ended, is
  this start's: follow it; else one still running is what a 409 would have given: attach to it;
  else nothing was started, so starting again is safe (after a wait, and a second look just
  before, in case a slow creation has landed meanwhile). If that look fails too, whether a job
  was started is unknown: the start fails, saying so, and is not sent again.

At most ``MAX_START_POSTS`` POSTs in all, within ``START_WINDOW_SECONDS``; each wait is logged
with its reason. Every read here (the newest job, the running job after a 409, the look for a
lost start) is read again through a 429, 5xx or no answer within that window too.

>>> starter = JobStarter(transport, list_jobs=client.list_jobs, on_conflict="attach",
...                      logger=logger)
>>> starter.start(connection_id, JobType.SYNC).job_id
42
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from airbyte_cloud_dagster.api.errors import (
    AirbyteConflict,
    AirbyteConnectionError,
    AirbyteError,
    AirbyteRateLimited,
    AirbyteRequestError,
    AirbyteResponseError,
    AirbyteServerError,
)
from airbyte_cloud_dagster.api.models import AirbyteJob, JobType
from airbyte_cloud_dagster.api.transport import Transport

__all__ = ["MAX_START_POSTS", "RECENT_JOBS", "START_WINDOW_SECONDS", "JobStarter"]

# POSTs to /jobs in all. With the default backoff (0.5 s doubling, jittered) the eighth comes
# about 30-60 s after the first, so a minute of load shedding is ridden out.
MAX_START_POSTS = 8
# No wait starts that would end later than this after the first POST: a start that cannot get
# through in a minute fails, saying why, rather than holding a worker.
START_WINDOW_SECONDS = 60.0
RECENT_JOBS = 20  # how many of a connection's newest jobs to search

_LOST = (AirbyteConnectionError, AirbyteServerError)
# Failed reads worth reading again: the answer may differ in a moment. Not a 401: the transport
# has already tried fresh tokens max_retries times, and wrong credentials must fail at once.
_TRANSIENT = (AirbyteConnectionError, AirbyteServerError, AirbyteRateLimited)


class JobStarter:
    """Starts jobs through ``transport``; finds jobs with ``list_jobs`` (the client's)."""

    def __init__(
        self,
        transport: Transport,
        *,
        list_jobs: Callable[..., list[AirbyteJob]],
        on_conflict: Literal["attach", "fail"],
        logger: logging.Logger,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._list_jobs = list_jobs
        self.on_conflict = on_conflict
        self._logger = logger
        self._sleep = sleep
        self._clock = clock

    def start(self, connection_id: str, job_type: JobType) -> AirbyteJob:
        body = {"connectionId": connection_id, "jobType": job_type.value}
        newest = self.newest_job_id(connection_id)
        began = self._clock()
        last_error: AirbyteError
        found: AirbyteJob | None
        for post in range(1, MAX_START_POSTS + 1):
            try:
                payload = self._transport.request_json("POST", "/jobs", json_body=body)
            except AirbyteConflict as error:
                self._check_conflict(error, connection_id)
                last_error, found = error, self.find_running(connection_id, job_type)
                why = "was answered 409 but no running job was found"
            except AirbyteRateLimited as error:
                # Load shedding answers before anything is created
                # (docs/airbyte/behaviour.md, "Errors").
                last_error, found = error, None
                why = "was answered 429 (Airbyte is shedding load; nothing was started)"
            except _LOST as error:
                self._logger.warning(
                    "Starting a %s on connection %s got no usable answer (POST %s of at most "
                    "%s): %s Looking for a job it may have started.",
                    job_type.value,
                    connection_id,
                    post,
                    MAX_START_POSTS,
                    error,
                )
                last_error = error
                found = self.find_since(connection_id, job_type, newest, error)
                why = "got no usable answer and no job was started"
            else:
                return _job_from_start(payload, self._transport.base_path)
            if found is not None:
                return self._attached(found, connection_id)
            asked = retry_after(last_error)
            delay = asked if asked is not None else self.delay(post)
            if post == MAX_START_POSTS or self._clock() - began + delay > START_WINDOW_SECONDS:
                break
            self._logger.warning(
                "Starting a %s on connection %s %s; starting again in %.1f s%s (POST %s of at "
                "most %s).",
                job_type.value,
                connection_id,
                why,
                delay,
                " as Retry-After asks" if asked is not None else "",
                post + 1,
                MAX_START_POSTS,
            )
            self._sleep(delay)
            if isinstance(last_error, _LOST):
                found = self.find_since(connection_id, job_type, newest, last_error)
                if found is not None:
                    return self._attached(found, connection_id)
        final = _final(last_error, post, self._clock() - began, retry_after(last_error))
        raise final from last_error.__cause__

    def delay(self, retry: int) -> float:
        """Seconds before the ``retry``-th re-POST: exponential, bounded, jittered."""
        return self._transport.settings.backoff(retry)

    def newest_job_id(self, connection_id: str) -> int:
        """The id of the connection's newest job of any type (ids only grow), 0 if none; read
        through a moment's failure like the look for a lost start (nothing is started yet)."""
        jobs = self._read_through(
            lambda: self._list_jobs(
                connection_id=connection_id, order_by="createdAt|DESC", limit=1
            ),
            "Reading the newest job before starting one",
            connection_id,
        )
        return jobs[0].job_id if jobs else 0

    def find_running(self, connection_id: str, job_type: JobType | None) -> AirbyteJob | None:
        """The connection's newest job that has not finished, or None (one request, again
        after a moment's failure)."""
        jobs = self._read_through(
            lambda: self._recent(connection_id, job_type),
            "Looking for the running job",
            connection_id,
        )
        return next((job for job in jobs if not job.is_terminal), None)

    def find_since(
        self, connection_id: str, job_type: JobType, newest: int, lost: AirbyteError
    ) -> AirbyteJob | None:
        """After ``lost``: the first job newer than ``newest`` (finished or not), else one
        running, else None. The look is a read, so a transient failure (429, 5xx, no answer) is
        retried with backoff for up to ``START_WINDOW_SECONDS``; a look that still fails
        raises: the POST's fate is unknown.
        """
        try:
            jobs = self._read_through(
                lambda: self._recent(connection_id, job_type),
                "Looking for the job a lost start may have created",
                connection_id,
            )
        except AirbyteError as failure:
            raise _fate_unknown(lost, failure, connection_id) from failure
        # The oldest above the mark is the one this start created; a later one is another
        # caller's, started after ours ended.
        since = [job for job in jobs if job.job_id > newest]
        if since:
            return min(since, key=lambda job: job.job_id)
        return next((job for job in jobs if not job.is_terminal), None)

    def _read_through(
        self, read: Callable[[], list[AirbyteJob]], what: str, connection_id: str
    ) -> list[AirbyteJob]:
        """``read()``, again after a transient failure (429, 5xx, no answer) with backoff, for
        up to ``START_WINDOW_SECONDS``; then its error."""
        began = self._clock()
        retry = 0
        while True:
            try:
                return read()
            except _TRANSIENT as failure:
                retry += 1
                delay = retry_after(failure) or self.delay(retry)
                if self._clock() - began + delay > START_WINDOW_SECONDS:
                    raise
                self._logger.warning(
                    "%s on connection %s failed (%s); reading again in %.1f s.",
                    what,
                    connection_id,
                    failure,
                    delay,
                )
                self._sleep(delay)

    def _recent(self, connection_id: str, job_type: JobType | None) -> list[AirbyteJob]:
        # A clear runs as a reset job (docs/airbyte/behaviour.md, "Jobs").
        kind = JobType.RESET if job_type is JobType.CLEAR else job_type
        return self._list_jobs(
            connection_id=connection_id,
            job_type=kind,
            order_by="createdAt|DESC",
            limit=RECENT_JOBS,
        )

    def _attached(self, found: AirbyteJob, connection_id: str) -> AirbyteJob:
        self._logger.info(
            "Attached to Airbyte job %s (%s, %s) %s on connection %s instead of starting another.",
            found.job_id,
            found.job_type,
            found.status,
            "already finished" if found.is_terminal else "already running",
            connection_id,
        )
        return found

    def _check_conflict(self, error: AirbyteConflict, connection_id: str) -> None:
        """Re-raise a 409 that attaching cannot fix, with a message that says what to do."""
        if error.problem_type == "state-conflict":
            # 409 state-conflict: the connection is inactive, or deleted (status "deprecated")
            # (docs/airbyte/behaviour.md, "Jobs").
            if self._status_of(connection_id) == "deprecated":
                raise error.with_message(
                    f"{error.method} {error.path} returned 409 state-conflict "
                    f"({error.detail}): connection {connection_id} was deleted, so Airbyte will "
                    f"not sync it; remove it from the selection (connection_ids or the "
                    f"component's connection_selector) or load the assets again."
                ) from None
            raise error.with_message(
                f"{error.method} {error.path} returned 409 state-conflict ({error.detail}): "
                f"connection {connection_id} is inactive, so Airbyte will not sync it; enable "
                f"it in Airbyte (or set its status to active) and try again."
            ) from None
        if error.problem_type != "try-again-later":
            raise error
        if self.on_conflict == "fail":
            raise error.with_message(
                f"{error.method} {error.path} returned 409 try-again-later ({error.detail}); "
                f"on_conflict='fail', so the client did not attach to the running sync: "
                f"wait for it to finish, or use on_conflict='attach'."
            ) from None

    def _status_of(self, connection_id: str) -> str | None:
        """The connection's status (best effort: None when it cannot be read)."""
        try:
            payload = self._transport.request_json("GET", f"/connections/{connection_id}")
        except AirbyteError:
            return None
        return payload.get("status") if isinstance(payload, dict) else None


def _final(error: AirbyteError, posts: int, seconds: float, asked: float | None) -> AirbyteError:
    """The last attempt's error, saying that it was the last of several."""
    tried = f"{posts} attempt{'s' if posts > 1 else ''} over {seconds:.1f} s"
    if asked is not None:
        tried += f", the last asking to wait {asked:.0f} s more"
    if isinstance(error, AirbyteRateLimited):
        return error.with_message(
            f"{error.method} {error.path} returned 429 to each of {tried} ({error.detail}); "
            f"Airbyte is shedding load and no job was started: try again later or run fewer "
            f"syncs at once."
        )
    if isinstance(error, AirbyteServerError):
        return error.with_message(
            f"{error.method} {error.path} returned {error.status_code} to the last of {tried} "
            f"({error.detail}), and no job was started; Airbyte or a proxy in front of it is "
            f"failing: try again later."
        )
    if isinstance(error, AirbyteConnectionError):
        return AirbyteConnectionError(
            f"{error} (The last of {tried} to start the sync; no job was started.)",
            reason=error.reason,
        )
    return error


def _fate_unknown(lost: AirbyteError, failure: AirbyteError, connection_id: str) -> AirbyteError:
    """A POST without an answer, and no way to see whether it started a job."""
    message = (
        f"Starting a job on connection {connection_id} got no usable answer ({lost}) and "
        f"looking for the job it may have started failed too ({failure}), so it may have "
        f"started a sync: check the connection's job history in Airbyte before starting another."
    )
    if isinstance(lost, AirbyteServerError):
        return lost.with_message(message)
    reason = lost.reason if isinstance(lost, AirbyteConnectionError) else "other"
    return AirbyteConnectionError(message, reason=reason)


def _job_from_start(payload: Any, base_path: str) -> AirbyteJob:
    if not isinstance(payload, dict) or "jobId" not in payload:
        raise AirbyteResponseError(
            f"POST {base_path}/jobs succeeded but the answer has no 'jobId', so the job cannot "
            f"be followed; check the Airbyte version, and look for the job in the Airbyte UI."
        )
    return AirbyteJob.from_api(payload)


def retry_after(error: AirbyteError) -> float | None:
    """The seconds the answer behind ``error`` asked to wait (its ``Retry-After``), or None."""
    return error.retry_after if isinstance(error, AirbyteRequestError) else None
