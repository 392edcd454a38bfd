"""Why a sync did not end well, as a ``dagster.Failure`` a user can act on.

The public API only says *that* a job failed. The reason (``failureType`` and the message
Airbyte's UI shows) is in the internal Config API's attempts (docs/airbyte/config-api.md,
section 1), read best-effort by ``api.config_api.fetch_job_details``; when that read fails, the
message is the client's own, which still names the job, the connection and its status. Every
message ends with where to look: the connection's page in Airbyte.

The failure types are both ``dagster.Failure`` (description and metadata in the UI) and the
client's errors (``.job``), so plain Python callers catch them too::

    try:
        airbyte.sync_and_wait(connection_id)
    except AirbyteJobFailed as error:      # AirbyteSyncFailed is one
        print(error.job.status)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteError,
    AirbyteJob,
    AirbyteJobFailed,
    AirbyteTimeout,
)
from airbyte_cloud_dagster.api.config_api import FailureReason, JobDetails, fetch_job_details
from airbyte_cloud_dagster.api.web import connection_url as build_connection_url

__all__ = [
    "AirbyteSyncFailed",
    "AirbyteSyncLostTrack",
    "AirbyteSyncTimedOut",
    "FailedConnection",
    "connections_failure",
    "failure_text",
    "lost_track_failure",
    "sync_failure",
]


class _JobFailure(dg.Failure):
    """A ``dagster.Failure`` that carries the Airbyte job it is about."""

    def __init__(self, description: str, *, job: AirbyteJob, metadata: dict[str, Any]):
        dg.Failure.__init__(self, description=description, metadata=metadata)
        self.job = job


# The client's error comes first, so ``except AirbyteJobFailed`` reads as it should; the
# ``dagster.Failure`` constructor is the one used (the client's takes other arguments).
class AirbyteSyncFailed(AirbyteJobFailed, _JobFailure):
    """A failed or cancelled job: ``dagster.Failure`` and :class:`AirbyteJobFailed`."""

    __init__ = _JobFailure.__init__


class AirbyteSyncTimedOut(AirbyteTimeout, _JobFailure):
    """A sync that outlived ``sync_timeout``: ``dagster.Failure`` and :class:`AirbyteTimeout`."""

    __init__ = _JobFailure.__init__


class AirbyteSyncLostTrack(AirbyteError, _JobFailure):
    """Following a job failed (Airbyte unreachable, errors after every retry) while the sync
    itself goes on in Airbyte; ``.job`` is the job, ``__cause__`` the error."""

    __init__ = _JobFailure.__init__


def sync_failure(
    error: AirbyteJobFailed | AirbyteTimeout,
    connection_url: str | None,
    *,
    job: AirbyteJob | None = None,
    client: AirbyteClient | None = None,
) -> AirbyteSyncFailed | AirbyteSyncTimedOut:
    """The failure for a job that failed, was cancelled or timed out; given the ``client``, a
    failed or cancelled job's message carries Airbyte's own reason::

        raise sync_failure(error, "https://cloud.airbyte.com/workspaces/.../connections/...")
    """
    reason, reason_metadata = str(error), {}
    if client is not None and isinstance(error, AirbyteJobFailed):
        details = fetch_job_details(client, error.job.job_id)
        reason, reason_metadata = failure_text(error, details), md.failure_reason(details)
    the_job = error.job or job
    url = connection_page(client, the_job, connection_url)
    failure_class = (
        AirbyteSyncFailed if isinstance(error, AirbyteJobFailed) else AirbyteSyncTimedOut
    )
    return failure_class(
        f"{reason} {where_to_look(the_job, url)}".rstrip(),
        job=the_job,
        metadata={**md.job_failed(the_job, url), **reason_metadata},
    )


def lost_track_failure(
    error: AirbyteError, job: AirbyteJob, connection_url: str | None, client: AirbyteClient
) -> AirbyteSyncLostTrack:
    """The failure for a step that lost track of a job still running in Airbyte."""
    retry = (
        "a retry of this step attaches to it instead of starting another"
        if client.on_conflict == "attach"
        else "a retry of this step fails while it runs (on_conflict='fail')"
    )
    url = connection_page(client, job, connection_url)  # best-effort: Airbyte may be down
    return AirbyteSyncLostTrack(
        f"Lost track of Airbyte {job.job_type} job {job.job_id} on connection "
        f"{job.connection_id}: {error} The sync is most likely still running in Airbyte; "
        f"{retry}. {where_to_look(job, url)}",
        job=job,
        metadata=md.job_failed(job, url),
    )


def failure_text(error: AirbyteJobFailed, details: JobDetails | None) -> str:
    """Airbyte's reason when known, else the client's message (which says where to look).

    >>> failure_text(error, details)  # doctest: +SKIP
    'Airbyte sync job 12 on connection 9924bcd0-... failed (config_error, from the source):
    Could not connect to the database: password authentication failed.'
    """
    reason = details.failure if details else None
    if details is None or reason is None:
        return str(error)
    job = error.job
    kind = ", ".join(
        part
        for part in (reason.failure_type, reason.failure_origin and f"from the {_origin(reason)}")
        if part
    )
    said = reason.external_message or reason.internal_message or "no message"
    attempts = f" after {details.attempt_count} attempts" if details.attempt_count > 1 else ""
    return (
        f"Airbyte {job.job_type} job {job.job_id} on connection {job.connection_id} "
        f"{job.status.value}{attempts} ({kind}): {said.rstrip('.')}."
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


def where_to_look(job: AirbyteJob | None, url: str | None) -> str:
    if url:
        return f"Connection page: {url}."
    if job is None:
        return ""
    return f"Look for job {job.job_id} in the job history of connection {job.connection_id}."


def _origin(reason: FailureReason) -> str:
    """``airbyte_platform`` reads better as "Airbyte platform"."""
    origin = reason.failure_origin or "unknown"
    return "Airbyte platform" if origin == "airbyte_platform" else origin.replace("_", " ")


@dataclass(frozen=True)
class FailedConnection:
    """One connection of a many-connection step that did not sync (or clear), and why."""

    connection_id: str
    label: str
    job: AirbyteJob | None
    description: str
    name: object = None


def connections_failure(failures: Sequence[FailedConnection], total: int) -> dg.Failure:
    """One ``dagster.Failure`` naming every failed connection of a step of ``total`` and its
    job."""
    lines = [f"- {f.label}: {f.description}" for f in failures]
    failed = [
        {
            "connection_id": f.connection_id,
            "connection_name": f.name,
            "job_id": f.job.job_id if f.job else None,
            "job_status": f.job.status.value if f.job else None,
        }
        for f in failures
    ]
    return dg.Failure(
        description=(
            f"{len(failures)} of {total} Airbyte connections did not sync:\n" + "\n".join(lines)
        ),
        metadata=md.connections_failed(failed, total),
    )
