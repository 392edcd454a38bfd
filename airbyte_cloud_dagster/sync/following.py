"""Follow an Airbyte job from a Dagster step: log its progress, and end it the Dagster way.

Starting a job (``AirbyteClient.start_job``) and polling it (``AirbyteClient.wait_for_job``)
live in the client; this module adds what a Dagster step needs around them: progress in the
run's logs, a ``dagster.Failure`` naming the job, connection and link when the sync fails or
times out, and cancelling the job when the run is terminated.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteError,
    AirbyteJob,
    AirbyteJobFailed,
    AirbyteTimeout,
    JobStatus,
    PollPolicy,
)
from airbyte_cloud_dagster.sync.failures import lost_track_failure, sync_failure

Log = logging.Logger | dg.DagsterLogManager
# What ends a step early: a terminated run, or (GeneratorExit) Dagster no longer consuming it.
INTERRUPTS = (dg.DagsterExecutionInterruptedError, KeyboardInterrupt, GeneratorExit)

# How often a still-running job is mentioned in the logs when its status does not change.
HEARTBEAT_SECONDS = 300.0
# How long a step body closed from outside its run waits for its jobs' cancels.
ABANDONED_CANCEL_SECONDS = 60.0
_abandoned_log = logging.getLogger("airbyte_cloud_dagster.sync")


@dataclass(frozen=True)
class SyncSettings:
    """How a sync is followed once started."""

    poll: PollPolicy = field(default_factory=PollPolicy)
    sync_timeout: float | None = None
    cancel_on_timeout: bool = True
    cancel_on_termination: bool = True


def run_sync(
    client: AirbyteClient,
    connection_id: str,
    settings: SyncSettings,
    *,
    log: Log | None = None,
    connection_url: str | None = None,
) -> AirbyteJob:
    """Start a sync (or attach to the running one) and follow it to success."""
    log = log or dg.get_dagster_logger("airbyte")
    job = client.start_job(connection_id)
    return follow_job(client, job, settings, log=log, connection_url=connection_url)


def follow_job(
    client: AirbyteClient,
    job: AirbyteJob,
    settings: SyncSettings,
    *,
    log: Log,
    connection_url: str | None = None,
) -> AirbyteJob:
    """Wait for ``job`` to succeed; raise ``dagster.Failure`` if it does not.

    Everything after the start, the first log line included, sits inside the ``try`` that
    cancels the job on termination: a run killed at any moment after the start leaves no
    orphaned sync (unless ``cancel_on_termination`` is off)."""
    try:
        log.info(
            f"Following Airbyte job {job.job_id} ({job.status.value}) "
            f"for connection {job.connection_id}."
        )
        finished = client.wait_for_job(
            job.job_id,
            poll=settings.poll,
            timeout=settings.sync_timeout,
            on_progress=Heartbeat(log, _still),
            cancel_on_timeout=settings.cancel_on_timeout,
        )
    except (AirbyteJobFailed, AirbyteTimeout) as error:
        raise sync_failure(error, connection_url, job=job, client=client) from error
    except AirbyteError as error:
        # Following failed (after the client's retries), not the sync: it goes on in Airbyte.
        raise lost_track_failure(error, job, connection_url, client) from error
    except (dg.DagsterExecutionInterruptedError, KeyboardInterrupt):
        on_termination(client, [job], settings, log)
        raise
    log.info(f"Airbyte job {finished.job_id} succeeded: {md.figures_text(finished)}.")
    return finished


def on_termination(
    client: AirbyteClient,
    jobs: Iterable[AirbyteJob],
    settings: SyncSettings,
    log: Log,
) -> None:
    """What a terminated step does with the jobs it follows: cancel each one still running,
    unless ``settings.cancel_on_termination`` is off. Never raises::

        on_termination(client, still_running, airbyte.sync_settings, context.log)
    """
    for job in jobs:
        _on_termination(client, job, settings, log)


def on_abandonment(
    client: AirbyteClient, jobs: Iterable[AirbyteJob], settings: SyncSettings
) -> None:
    """What a step body closed from outside its run (``GeneratorExit``: garbage collection, the
    process's exit, ``in_flight.close_left_behind``) does with the jobs it follows: what
    :func:`on_termination` does, in a thread of its own, logging to Python's logging only.

    Such a close can come in any frame: a garbage collection that starts while this thread
    stores an event in Dagster's SQLite storage, or holds the HTTP pool's lock. Logging to the
    run's event log or sending from this thread could wait forever on a lock it holds itself
    (seen in the soak). The thread is waited for up to ``ABANDONED_CANCEL_SECONDS``; a lock held
    here only delays it until this frame lets go."""
    jobs = list(jobs)
    if not jobs:
        return
    worker = threading.Thread(
        target=on_termination,
        args=(client, jobs, settings, _abandoned_log),
        name="airbyte-cancel-abandoned",
        daemon=True,
    )
    worker.start()
    worker.join(ABANDONED_CANCEL_SECONDS)


def _on_termination(
    client: AirbyteClient,
    job: AirbyteJob,
    settings: SyncSettings,
    log: Log,
) -> None:
    if not settings.cancel_on_termination:
        log.warning(
            f"Run terminated; Airbyte job {job.job_id} keeps running "
            "(cancel_on_termination is off)."
        )
        return
    try:
        after = client.cancel_job(job.job_id)  # an ended job comes back as it ended
        if after.is_terminal and after.status is not JobStatus.CANCELLED:
            log.info(
                f"Run terminated; Airbyte job {job.job_id} had already ended "
                f"({after.status.value}), nothing to cancel."
            )
        else:
            log.warning(f"Run terminated; cancelled Airbyte job {job.job_id}.")
    except AirbyteError as error:
        log.error(f"Run terminated, but cancelling Airbyte job {job.job_id} failed: {error}")


class Heartbeat:
    """Says every few minutes that jobs are still going (the client logs status changes).

    ``describe`` turns what the wait loop reports (one job, or a watch over many) into the
    words to log, or None when nothing is pending::

        on_progress=Heartbeat(log, lambda job: None if job.is_terminal else f"job {job.job_id}")
    """

    def __init__(self, log: Log, describe: Callable[[Any], str | None]) -> None:
        self._log = log
        self._describe = describe
        self._started = self._last_logged = time.monotonic()

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if now - self._last_logged < HEARTBEAT_SECONDS:
            return
        pending = self._describe(progress)
        if pending:
            minutes = (now - self._started) / 60
            self._log.info(f"{pending} ({minutes:.0f} min).")
            self._last_logged = now


def _still(job: AirbyteJob) -> str | None:
    return None if job.is_terminal else f"Airbyte job {job.job_id} is still {job.status.value}"
