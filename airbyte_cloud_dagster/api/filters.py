"""The filters of the list calls, checked before anything is sent: workspace ids, a job's status
and type, times, order and how many.

Each refusal is an :class:`AirbyteConfigurationError` naming the argument as the caller wrote it
and what a right value looks like.

>>> job_list_params(status="runing")
Traceback (most recent call last):
AirbyteConfigurationError: status='runing' is not a job status; use one of pending, ...
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from airbyte_cloud_dagster.api.arguments import check_job_type, check_uuid
from airbyte_cloud_dagster.api.errors import AirbyteConfigurationError
from airbyte_cloud_dagster.api.models import JobStatus, JobType

__all__ = ["ORDER_BY", "check_job_status", "iso_time", "job_list_params", "workspace_params"]

# Anything else is answered 400 (docs/airbyte/behaviour.md, "Jobs").
ORDER_BY = ("createdAt|ASC", "createdAt|DESC", "updatedAt|ASC", "updatedAt|DESC")


def workspace_params(workspace_ids: Iterable[str] | str | None) -> dict[str, Any]:
    """``workspaceIds`` for a list call: one id or several, each a UUID; None: every one."""
    if workspace_ids is None:
        return {}
    if isinstance(workspace_ids, str):
        workspace_ids = [workspace_ids]
    if not isinstance(workspace_ids, Iterable):
        raise AirbyteConfigurationError(
            f"workspace_ids={workspace_ids!r} is not a list of workspace ids; pass a list of "
            f"UUIDs, or None for every workspace these credentials can see."
        )
    ids = [check_uuid("workspace_ids", workspace_id) for workspace_id in workspace_ids]
    return {"workspaceIds": ids} if ids else {}


def check_job_status(status: Any) -> JobStatus:
    """One of the statuses Airbyte documents (``JobStatusEnum``), or a status it reported."""
    if isinstance(status, JobStatus):
        return status  # also one this client did not know, as Airbyte reported it
    known = [member.value for member in JobStatus]  # the documented ones only
    if status not in known:
        raise AirbyteConfigurationError(
            f"status={status!r} is not a job status; use one of {', '.join(known)}."
        )
    return JobStatus(status)


def iso_time(name: str, value: datetime | str) -> str:
    """A time for a filter: a datetime (naive ones are UTC), or an ISO-8601 string as given."""
    if isinstance(value, datetime):
        # Naive datetimes are taken as UTC; Airbyte compares instants.
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return value
    except (AttributeError, ValueError):
        raise AirbyteConfigurationError(
            f"{name}={value!r} is not a time; pass a datetime, or an ISO-8601 string such as "
            f"'2024-05-01T00:00:00Z'."
        ) from None


def job_list_params(
    *,
    job_type: JobType | str | None = None,
    status: JobStatus | str | None = None,
    created_at_start: datetime | str | None = None,
    created_at_end: datetime | str | None = None,
    updated_at_start: datetime | str | None = None,
    updated_at_end: datetime | str | None = None,
    order_by: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """``listJobs``' query parameters for ``AirbyteClient.list_jobs``' filters (ids apart)."""
    params: dict[str, Any] = {}
    if job_type is not None:
        params["jobType"] = check_job_type(job_type).value
    if status is not None:
        params["status"] = check_job_status(status).value
    for name, key, value in (
        ("created_at_start", "createdAtStart", created_at_start),
        ("created_at_end", "createdAtEnd", created_at_end),
        ("updated_at_start", "updatedAtStart", updated_at_start),
        ("updated_at_end", "updatedAtEnd", updated_at_end),
    ):
        if value is not None:
            params[key] = iso_time(name, value)
    if order_by is not None:
        if order_by not in ORDER_BY:
            raise AirbyteConfigurationError(
                f"order_by={order_by!r} is not supported by Airbyte; use 'createdAt|ASC', "
                f"'createdAt|DESC', 'updatedAt|ASC' or 'updatedAt|DESC'."
            )
        params["orderBy"] = order_by
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise AirbyteConfigurationError(f"limit={limit!r} must be a positive integer or None.")
    return params
