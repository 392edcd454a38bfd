"""Follow an Airbyte job from a Dagster step: log its progress, and end it the Dagster way.

Starting a job (``AirbyteClient.start_job``) and polling it (``AirbyteClient.wait_for_job``)
live in the client; this module adds what a Dagster step needs around them: progress in the
run's logs, a ``dagster.Failure`` naming the job, connection and link when the sync fails or
times out, and cancelling the job when the run is terminated.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
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
from airbyte_cloud_dagster.api.web import connection_url as build_connection_url
from airbyte_cloud_dagster.failures import explain_failure

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
    return follow_job(client, job, settings, log=log, connection_url=connection_url)


def follow_job(
    client: AirbyteClient,
    job: AirbyteJob,
    settings: SyncSettings,
    *,
    log: logging.Logger | dg.DagsterLogManager,
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
            timeout=settings.timeout,
            on_progress=_ProgressLog(log),
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
    log.info(
        f"Airbyte job {finished.job_id} succeeded: {finished.rows_synced or 0} rows, "
        f"{finished.bytes_synced or 0} bytes."
    )
    return finished


def sync_failure(
    error: AirbyteJobFailed | AirbyteTimeout,
    connection_url: str | None,
    *,
    job: AirbyteJob | None = None,
    client: AirbyteClient | None = None,
) -> dg.Failure:
    """The ``dagster.Failure`` for a job that failed, was cancelled or timed out.

    Given the ``client``, a failed or cancelled job's message carries Airbyte's own reason
    (failures.py: one best-effort Config API read; without it, the message is unchanged).

    Shared by ``follow_job`` and the one-step multi-asset (``one_step.py``), which lists one
    such description per failed connection::

        raise sync_failure(error, "https://cloud.airbyte.com/workspaces/.../connections/...")
    """
    reason, reason_metadata = str(error), {}
    if client is not None and isinstance(error, AirbyteJobFailed):
        reason, reason_metadata = explain_failure(client, error)
    the_job = error.job or job
    url = connection_page(client, the_job, connection_url)
    failure_class = (
        AirbyteSyncFailed if isinstance(error, AirbyteJobFailed) else AirbyteSyncTimedOut
    )
    return failure_class(
        f"{reason} {_where_to_look(the_job, url)}".rstrip(),
        job=the_job,
        metadata={**_failure_metadata(the_job, url), **reason_metadata},
    )


class AirbyteSyncFailed(AirbyteJobFailed, dg.Failure):
    """A failed or cancelled job, as ``dagster.Failure`` (with description and metadata) inside
    a step and as :class:`AirbyteJobFailed` (with ``.job``) for plain Python callers::

        try:
            airbyte.sync_and_wait(connection_id)
        except AirbyteJobFailed as error:
            print(error.job.status)
    """

    def __init__(self, description: str, *, job: AirbyteJob, metadata: dict[str, object]):
        dg.Failure.__init__(self, description=description, metadata=metadata)
        self.job = job


class AirbyteSyncTimedOut(AirbyteTimeout, dg.Failure):
    """A sync that outlived ``sync_timeout``: ``dagster.Failure`` and :class:`AirbyteTimeout`."""

    def __init__(self, description: str, *, job: AirbyteJob, metadata: dict[str, object]):
        dg.Failure.__init__(self, description=description, metadata=metadata)
        self.job = job


class AirbyteSyncLostTrack(AirbyteError, dg.Failure):
    """Following a job failed (Airbyte unreachable, errors after every retry) while the sync
    itself goes on in Airbyte; ``.job`` is the job, ``__cause__`` the error."""

    def __init__(self, description: str, *, job: AirbyteJob, metadata: dict[str, object]):
        dg.Failure.__init__(self, description=description, metadata=metadata)
        self.job = job


def lost_track_failure(
    error: AirbyteError,
    job: AirbyteJob,
    connection_url: str | None,
    client: AirbyteClient,
) -> AirbyteSyncLostTrack:
    """The ``dagster.Failure`` for a step that lost track of a job still running in Airbyte."""
    retry = (
        "a retry of this step attaches to it instead of starting another"
        if client.conflict_policy == "attach"
        else "a retry of this step fails while it runs (on_conflict='fail')"
    )
    url = connection_page(client, job, connection_url)  # best-effort: Airbyte may be down
    return AirbyteSyncLostTrack(
        f"Lost track of Airbyte {job.job_type} job {job.job_id} on connection "
        f"{job.connection_id}: {error} The sync is most likely still running in Airbyte; "
        f"{retry}. {_where_to_look(job, url)}",
        job=job,
        metadata=_failure_metadata(job, url),
    )


def connection_page(
    client: AirbyteClient | None, job: AirbyteJob | None, connection_url: str | None
) -> str | None:
    """``connection_url`` if known; else built from one ``GET /connections/{id}`` (the page
    needs the workspace id), asked only when a sync has failed. None if that fails too."""
    if connection_url or client is None or job is None:
        return connection_url
    try:
        connection = client.get_connection(job.connection_id)
    except AirbyteError:
        return None
    return build_connection_url(client.api_url, connection.workspace_id, job.connection_id)


def _where_to_look(job: AirbyteJob | None, url: str | None) -> str:
    if url:
        return f"Connection page: {url}."
    if job is None:
        return ""
    return f"Look for job {job.job_id} in the job history of connection {job.connection_id}."


def on_termination(
    client: AirbyteClient,
    jobs: Iterable[AirbyteJob],
    settings: SyncSettings,
    log: logging.Logger | dg.DagsterLogManager,
) -> None:
    """What a terminated step does with the jobs it follows: cancel each one still running,
    unless ``settings.cancel_on_termination`` is off. Never raises::

        on_termination(client, still_running, airbyte.sync_settings, context.log)
    """
    for job in jobs:
        _on_termination(client, job, settings, log)


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
