"""Waiting for a job: an adaptive poll schedule and the one loop that polls.

The schedule starts fast (short syncs are detected within a second or two) and backs off to a
ceiling (long syncs cost few requests):

>>> list(itertools.islice(poll_schedule(PollPolicy()), 6))
[1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375]

Whether a job is done is decided by :attr:`AirbyteJob.is_terminal` alone; this module only
decides *when to ask*. ``clock`` and ``sleep`` are injectable so a simulated clock can show what
a wait costs (see ``benchmarks/poll_schedule.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from airbyte_cloud_dagster.api.arguments import check_seconds, check_wait_seconds
from airbyte_cloud_dagster.api.errors import (
    AirbyteConfigurationError,
    AirbyteError,
    AirbyteJobFailed,
    AirbyteTimeout,
)
from airbyte_cloud_dagster.api.models import AirbyteJob

__all__ = ["PollPolicy", "job_failure", "poll_schedule", "timeout_error", "wait_for_job"]

logger = logging.getLogger("airbyte_cloud_dagster")


@dataclass(frozen=True)
class PollPolicy:
    """Sleep ``poll_interval`` seconds after the first poll, then ``factor`` times longer each time,
    never more than ``poll_interval_max``.

    >>> PollPolicy(poll_interval=2.0, factor=2.0, poll_interval_max=60.0)
    """

    poll_interval: float = 1.0
    factor: float = 1.5
    poll_interval_max: float = 30.0

    def __post_init__(self) -> None:
        if not (
            self.poll_interval > 0
            and self.poll_interval_max >= self.poll_interval
            and self.factor >= 1.0
        ):
            raise AirbyteConfigurationError(
                f"{self!r} is not a usable poll policy; it needs poll_interval > 0, "
                f"poll_interval_max >= poll_interval and factor >= 1."
            )


def poll_schedule(policy: PollPolicy) -> Iterator[float]:
    """The seconds to sleep between polls, forever: pure, no clock involved."""
    delay = policy.poll_interval
    while True:
        yield min(delay, policy.poll_interval_max)
        if delay < policy.poll_interval_max:
            delay *= policy.factor


def wait_for_job(
    get_job: Callable[[int], AirbyteJob],
    job_id: int,
    *,
    poll: PollPolicy | None = None,
    timeout: float | None = None,
    on_progress: Callable[[AirbyteJob], None] | None = None,
    cancel_job: Callable[[int], AirbyteJob] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    log: logging.Logger = logger,
) -> AirbyteJob:
    """Poll ``get_job(job_id)`` until the job is terminal; return it if it succeeded.

    Raises :class:`AirbyteJobFailed` if it failed or was cancelled, :class:`AirbyteTimeout` if it
    was still running after ``timeout`` seconds (cancelling it first when ``cancel_job`` is
    given). ``incomplete``, ``queued``, ``pending`` and unknown statuses keep the wait going.
    Errors from ``get_job`` (after the transport's own retries) propagate.

    >>> job = wait_for_job(client.get_job, 42, timeout=3600, on_progress=print)
    """
    if timeout is not None:
        check_wait_seconds("timeout", timeout)
    delays = poll_schedule(poll or PollPolicy())
    deadline = None if timeout is None else clock() + timeout
    last_status = None
    while True:
        job = get_job(job_id)
        if job.status != last_status:
            log.info("Airbyte job %s on connection %s: %s.", job_id, job.connection_id, job.status)
            last_status = job.status
        if on_progress is not None:
            on_progress(job)
        if job.is_terminal:
            return _finished(job)
        delay = next(delays)
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                raise timeout_error(job, timeout or 0.0, cancel_job, log)
            delay = min(delay, remaining)
        sleep(delay)


def _finished(job: AirbyteJob) -> AirbyteJob:
    failure = job_failure(job)
    if failure is not None:
        raise failure
    return job


def job_failure(job: AirbyteJob) -> AirbyteJobFailed | None:
    """The error a terminal job ends a wait with, or None if it succeeded.

    Shared by the one-job wait here and the many-jobs wait (``multi_wait.py``)::

    >>> job_failure(client.get_job(42))  # None, or AirbyteJobFailed naming job and status
    """
    if job.succeeded:
        return None
    return AirbyteJobFailed(
        f"Airbyte {job.job_type} job {job.job_id} on connection {job.connection_id} ended with "
        f"status {job.status}; see the connection's job history in Airbyte for the reason.",
        job=job,
    )


def timeout_error(
    job: AirbyteJob,
    timeout: float,
    cancel_job: Callable[[int], AirbyteJob] | None,
    log: logging.Logger,
) -> AirbyteTimeout:
    """The error a wait that ran out of time ends with, cancelling the job if ``cancel_job``.

    >>> raise timeout_error(job, 3600, client.cancel_job, logger)
    """
    waited = f"Airbyte job {job.job_id} on connection {job.connection_id} was still {job.status}"
    if cancel_job is None:
        return AirbyteTimeout(
            f"{waited} after {timeout:g} s; it keeps running in Airbyte: wait again with "
            f"wait_for_job({job.job_id}) or cancel it with cancel_job({job.job_id}).",
            job=job,
        )
    try:
        cancelled = cancel_job(job.job_id)
    except AirbyteError as error:
        return AirbyteTimeout(
            f"{waited} after {timeout:g} s and cancelling it failed ({error}); it may still "
            f"be running in Airbyte.",
            job=job,
        )
    log.warning("Cancelled Airbyte job %s after waiting %g s.", job.job_id, timeout)
    return AirbyteTimeout(
        f"{waited} after {timeout:g} s, so it was cancelled (cancel_on_timeout=True); "
        f"its status is now {cancelled.status}.",
        job=cancelled,
    )


def check_wait_arguments(
    *, poll: Any = None, timeout: Any = None, on_progress: Any = None, **others: Any
) -> None:
    """The keyword arguments of ``AirbyteClient.sync_and_wait``, checked before any job starts."""
    if poll is not None and not isinstance(poll, PollPolicy):
        raise AirbyteConfigurationError(f"poll={poll!r} must be a PollPolicy or None.")
    if timeout is not None:
        check_seconds("timeout", timeout)
    if on_progress is not None and not callable(on_progress):
        raise AirbyteConfigurationError(f"on_progress={on_progress!r} must be callable or None.")
    unknown = sorted(set(others) - {"cancel_on_timeout"})
    if unknown:
        raise AirbyteConfigurationError(
            f"sync_and_wait got unexpected arguments {unknown}; it takes poll, timeout, "
            f"on_progress and cancel_on_timeout."
        )
