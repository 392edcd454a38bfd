"""Follow an Airbyte job from a Dagster step: log its progress, and end it the Dagster way.

Starting a job (``AirbyteClient.start_job``) and polling it (``AirbyteClient.wait_for_job``)
live in the client; this module adds what a Dagster step needs around them: progress in the
run's logs, a ``dagster.Failure`` naming the job, connection and link when the sync fails or
times out, and cancelling the job when the run is terminated.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import dagster as dg

from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteError,
    AirbyteJob,
    AirbyteJobFailed,
    AirbyteTimeout,
    PollPolicy,
)

# How often a still-running job is mentioned in the logs when its status does not change.
HEARTBEAT_SECONDS = 300.0


@dataclass(frozen=True)
class SyncSettings:
    """How a sync is followed once started."""

    poll: PollPolicy = field(default_factory=PollPolicy)
    timeout: float | None = None
    cancel_on_timeout: bool = True
    cancel_on_termination: bool = True


def run_sync(
    client: AirbyteClient,
    connection_id: str,
    settings: SyncSettings,
    *,
    log: logging.Logger | dg.DagsterLogManager | None = None,
    connection_url: str | None = None,
) -> AirbyteJob:
    """Start a sync (or attach to the running one) and follow it to success."""
    log = log or dg.get_dagster_logger("airbyte")
    job = client.start_job(connection_id)
    log.info(
        f"Following Airbyte job {job.job_id} ({job.status.value}) for connection {connection_id}."
    )
    return follow_job(client, job, settings, log=log, connection_url=connection_url)


def follow_job(
    client: AirbyteClient,
    job: AirbyteJob,
    settings: SyncSettings,
    *,
    log: logging.Logger | dg.DagsterLogManager,
    connection_url: str | None = None,
) -> AirbyteJob:
    """Wait for ``job`` to succeed; raise ``dagster.Failure`` if it does not."""
    try:
        finished = client.wait_for_job(
            job.job_id,
            poll=settings.poll,
            timeout=settings.timeout,
            on_progress=_ProgressLog(log),
            cancel_on_timeout=settings.cancel_on_timeout,
        )
    except AirbyteJobFailed as error:
        raise dg.Failure(
            description=f"{error} Connection page: {connection_url or 'unknown'}.",
            metadata=_failure_metadata(error.job, connection_url),
        ) from error
    except AirbyteTimeout as error:
        raise dg.Failure(
            description=f"{error} Connection page: {connection_url or 'unknown'}.",
            metadata=_failure_metadata(error.job or job, connection_url),
        ) from error
    except (dg.DagsterExecutionInterruptedError, KeyboardInterrupt):
        _on_termination(client, job, settings, log)
        raise
    log.info(
        f"Airbyte job {finished.job_id} succeeded: {finished.rows_synced or 0} rows, "
        f"{finished.bytes_synced or 0} bytes."
    )
    return finished


def _on_termination(
    client: AirbyteClient,
    job: AirbyteJob,
    settings: SyncSettings,
    log: logging.Logger | dg.DagsterLogManager,
) -> None:
    if not settings.cancel_on_termination:
        log.warning(
            f"Run terminated; Airbyte job {job.job_id} keeps running "
            "(cancel_on_termination is off)."
        )
        return
    try:
        client.cancel_job(job.job_id)
        log.warning(f"Run terminated; cancelled Airbyte job {job.job_id}.")
    except AirbyteError as error:
        log.error(f"Run terminated, but cancelling Airbyte job {job.job_id} failed: {error}")


def _failure_metadata(job: AirbyteJob | None, connection_url: str | None) -> dict[str, object]:
    metadata: dict[str, object] = {}
    if job is not None:
        metadata.update(
            {
                "airbyte/job_id": job.job_id,
                "airbyte/job_status": job.status.value,
                "airbyte/connection_id": job.connection_id,
            }
        )
    if connection_url:
        metadata["airbyte/connection_url"] = dg.MetadataValue.url(connection_url)
    return metadata


class _ProgressLog:
    """Says every few minutes that a job is still going (the client logs status changes)."""

    def __init__(self, log: logging.Logger | dg.DagsterLogManager) -> None:
        self._log = log
        self._started = self._last_logged = time.monotonic()

    def __call__(self, job: AirbyteJob) -> None:
        now = time.monotonic()
        if not job.is_terminal and now - self._last_logged >= HEARTBEAT_SECONDS:
            minutes = (now - self._started) / 60
            self._log.info(
                f"Airbyte job {job.job_id} is still {job.status.value} ({minutes:.0f} min)."
            )
            self._last_logged = now
