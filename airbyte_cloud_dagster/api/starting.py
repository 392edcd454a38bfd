"""Starting a job without ever starting two.

Creating a job is not idempotent and can take tens of seconds (docs/airbyte/behaviour.md, "Jobs"),
so ``POST /jobs`` is never blindly retried. After each attempt that did not return a job:

- 409 ``try-again-later`` (a sync is already running): attach to the running job (or raise,
  with ``on_conflict="fail"``); 409 ``state-conflict`` (inactive connection) is final;
- 429 (load shedding: nothing was created): back off and try again;
- a lost answer (dropped connection, timeout, 5xx): the job may have been created anyway, and
  may even have ended already (a job that fails fast behind a proxy that timed out). So look
  for *any* job of the connection created since the attempt began, running or not, and follow
  it; else for one running; only then POST again.

At most ``START_ATTEMPTS`` POSTs in all, the later ones after an exponential, jittered delay.

>>> starter = JobStarter(transport, list_jobs=client.list_jobs, on_conflict="attach",
...                      logger=logger)
>>> starter.start(connection_id, JobType.SYNC).job_id
42
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Literal

from airbyte_cloud_dagster.api.errors import (
    AirbyteConflict,
    AirbyteConnectionError,
    AirbyteError,
    AirbyteRateLimited,
    AirbyteResponseError,
    AirbyteServerError,
)
from airbyte_cloud_dagster.api.models import AirbyteJob, JobType
from airbyte_cloud_dagster.api.transport import Transport

__all__ = ["RECENT_JOBS", "START_ATTEMPTS", "JobStarter"]

START_ATTEMPTS = 3  # POSTs to /jobs in all, whatever went wrong
RECENT_JOBS = 20  # how many of a connection's newest jobs to search
# Airbyte's createdAt has whole-second resolution (and the two clocks may differ a little): look
# back this far before the attempt began for a job it may have created. A job another caller
# created in that second, and that has already ended, would be taken for ours: keep it short.
CLOCK_MARGIN_SECONDS = 1.0


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
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = transport
        self._list_jobs = list_jobs
        self.on_conflict = on_conflict
        self._logger = logger
        self._sleep = sleep
        self._wall_clock = wall_clock

    def start(self, connection_id: str, job_type: JobType) -> AirbyteJob:
        body = {"connectionId": connection_id, "jobType": job_type.value}
        began = self._wall_clock()
        last_error: AirbyteError | None = None
        for attempt in range(1, START_ATTEMPTS + 1):
            if attempt > 1:
                self._sleep(self.delay(attempt - 1))
            try:
                payload = self._transport.request_json("POST", "/jobs", json_body=body)
            except AirbyteConflict as error:
                self._check_conflict(error, connection_id)
                last_error, found = error, self.find_running(connection_id, job_type)
            except AirbyteRateLimited as error:
                # Load shedding answers before anything is created
                # (docs/airbyte/behaviour.md, "Errors").
                self._logger.warning(
                    "Starting a %s on connection %s was answered 429 (attempt %s of %s); "
                    "backing off.",
                    job_type.value,
                    connection_id,
                    attempt,
                    START_ATTEMPTS,
                )
                last_error, found = error, None
            except (AirbyteConnectionError, AirbyteServerError) as error:
                self._logger.warning(
                    "Starting a %s on connection %s got no usable answer (attempt %s of %s): "
                    "%s Looking for a job it may have started.",
                    job_type.value,
                    connection_id,
                    attempt,
                    START_ATTEMPTS,
                    error,
                )
                last_error = error
                found = self.find_created_since(connection_id, job_type, began)
                found = found or self.find_running(connection_id, job_type)
            else:
                return _job_from_start(payload, self._transport.base_path)
            if found is not None:
                self._logger.info(
                    "Attached to Airbyte job %s (%s, %s) %s on connection %s instead of "
                    "starting another.",
                    found.job_id,
                    found.job_type,
                    found.status,
                    "already finished" if found.is_terminal else "already running",
                    connection_id,
                )
                return found
        assert last_error is not None
        final = _final(last_error, began, self._wall_clock())
        raise final from last_error.__cause__

    def delay(self, retry: int) -> float:
        """Seconds before the ``retry``-th re-POST: exponential, bounded, jittered."""
        settings = self._transport.settings
        ceiling = min(settings.backoff_max, settings.backoff_factor * 2**retry)
        return ceiling * random.uniform(0.5, 1.0)

    def find_running(self, connection_id: str, job_type: JobType | None) -> AirbyteJob | None:
        """The connection's newest job that has not finished, or None (one request)."""
        jobs = self._recent(connection_id, job_type)
        return next((job for job in jobs if not job.is_terminal), None)

    def find_created_since(
        self, connection_id: str, job_type: JobType, began: float
    ) -> AirbyteJob | None:
        """The connection's newest job created since ``began`` (wall clock), finished or not."""
        since = datetime.fromtimestamp(began - CLOCK_MARGIN_SECONDS, tz=timezone.utc)
        jobs = self._recent(connection_id, job_type, created_at_start=since)
        return jobs[0] if jobs else None

    def _recent(self, connection_id: str, job_type: JobType | None, **filters: Any) -> list:
        # A clear runs as a reset job (docs/airbyte/behaviour.md, "Jobs").
        kind = JobType.RESET if job_type is JobType.CLEAR else job_type
        return self._list_jobs(
            connection_id=connection_id,
            job_type=kind,
            order_by="createdAt|DESC",
            limit=RECENT_JOBS,
            **filters,
        )

    def _check_conflict(self, error: AirbyteConflict, connection_id: str) -> None:
        """Re-raise a 409 that attaching cannot fix, with a message that says what to do."""
        if error.problem_type == "state-conflict":
            # 409 state-conflict: the connection is inactive (docs/airbyte/behaviour.md, "Jobs").
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


def _final(error: AirbyteError, began: float, now: float) -> AirbyteError:
    """The last attempt's error, saying that it was the last of several."""
    tried = f"{START_ATTEMPTS} attempts over {now - began:.1f} s"
    if isinstance(error, AirbyteRateLimited):
        return error.with_message(
            f"{error.method} {error.path} returned 429 to each of {tried} ({error.detail}); "
            f"Airbyte is shedding load and no job was started: try again later or run fewer "
            f"syncs at once."
        )
    if isinstance(error, AirbyteServerError):
        return error.with_message(
            f"{error.method} {error.path} returned {error.status_code} to the last of {tried} "
            f"({error.detail}), and no job that they may have started was found; Airbyte or a "
            f"proxy in front of it is failing: try again later."
        )
    if isinstance(error, AirbyteConnectionError):
        return AirbyteConnectionError(
            f"{error} (The last of {tried} to start the sync; no job that they may have "
            f"started was found.)",
            reason=error.reason,
        )
    return error


def _job_from_start(payload: Any, base_path: str) -> AirbyteJob:
    if not isinstance(payload, dict) or "jobId" not in payload:
        raise AirbyteResponseError(
            f"POST {base_path}/jobs succeeded but the answer has no 'jobId', so the job cannot "
            f"be followed; check the Airbyte version, and look for the job in the Airbyte UI."
        )
    return AirbyteJob.from_api(payload)
