"""Typed, immutable views of Airbyte API payloads, validated at the edge.

Each model has a ``from_api(payload)`` classmethod that checks the fields it needs and raises
:class:`AirbyteResponseError` naming the first missing or malformed one, so a bad payload fails
here with a clear message rather than deep inside the Dagster layer.

>>> job = AirbyteJob.from_api({"jobId": 7, "status": "running", "jobType": "sync",
...                            "startTime": "2025-01-01T00:00:00Z", "connectionId": "..."})
>>> job.is_terminal
False

Modules: ``fields`` (reading and checking one field; ISO times and durations), ``jobs``,
``connections`` (connections, streams, schedules, tags), ``catalog`` (sources, destinations,
workspaces, stream properties), ``columns`` (typed columns from a stream's JSON schema).
Field names follow ``openapi.yaml`` (``JobResponse``, ``ConnectionResponse``, ...); quirks of
the real server are cited from ``docs/airbyte/behaviour.md``.
"""

from airbyte_cloud_dagster.api.models.catalog import (
    AirbyteDestination,
    AirbyteSource,
    AirbyteStreamProperties,
    AirbyteWorkspace,
)
from airbyte_cloud_dagster.api.models.columns import AirbyteColumn
from airbyte_cloud_dagster.api.models.connections import (
    AirbyteConnection,
    AirbyteStream,
    AirbyteTag,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.models.fields import parse_iso_duration
from airbyte_cloud_dagster.api.models.jobs import AirbyteJob, JobStatus, JobType

__all__ = [
    "AirbyteColumn",
    "AirbyteConnection",
    "AirbyteDestination",
    "AirbyteJob",
    "AirbyteSource",
    "AirbyteStream",
    "AirbyteStreamProperties",
    "AirbyteTag",
    "AirbyteWorkspace",
    "ConnectionSchedule",
    "JobStatus",
    "JobType",
    "parse_iso_duration",
]
