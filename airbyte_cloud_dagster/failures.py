"""Why an Airbyte job failed, in Airbyte's own words, for the step's ``dagster.Failure``.

The public API only says *that* a job failed. The reason (``failureType`` and the message
Airbyte's UI shows) is in the internal Config API's attempts (CONFIG-API.md section 1), read
best-effort by ``api.config_api.fetch_job_details``. When that read fails, the message is the
client's own, which still names the job, the connection and its status.

>>> explain_failure(client, error)  # doctest: +SKIP
('Airbyte sync job 12 on connection 9924bcd0-... failed (config_error, from the source): Could
not connect to the database: password authentication failed.', {...})
"""

from __future__ import annotations

from airbyte_cloud_dagster.api import AirbyteClient, AirbyteJobFailed
from airbyte_cloud_dagster.api.config_api import FailureReason, JobDetails, fetch_job_details

__all__ = ["explain_failure", "failure_text"]


def explain_failure(
    client: AirbyteClient, error: AirbyteJobFailed
) -> tuple[str, dict[str, object]]:
    """(message, extra failure metadata) for a job that ended failed or cancelled."""
    details = fetch_job_details(client, error.job.job_id)
    return failure_text(error, details), failure_metadata(details)


def failure_text(error: AirbyteJobFailed, details: JobDetails | None) -> str:
    """Airbyte's reason when known, else the client's message (which says where to look)."""
    reason = details.failure if details else None
    if reason is None:
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


def failure_metadata(details: JobDetails | None) -> dict[str, object]:
    """The primary failure reason's fields, for the ``dagster.Failure``'s metadata."""
    reason = details.failure if details else None
    if details is None or reason is None:
        return {}
    fields = {
        "airbyte/failure_type": reason.failure_type,
        "airbyte/failure_origin": reason.failure_origin,
        "airbyte/failure_message": reason.external_message,
        "airbyte/failure_internal_message": reason.internal_message,
    }
    metadata: dict[str, object] = {key: value for key, value in fields.items() if value}
    metadata["airbyte/attempts"] = details.attempt_count
    return metadata


def _origin(reason: FailureReason) -> str:
    """``airbyte_platform`` reads better as "Airbyte platform"."""
    origin = reason.failure_origin or "unknown"
    return "Airbyte platform" if origin == "airbyte_platform" else origin.replace("_", " ")
