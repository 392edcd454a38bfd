"""Jobs: their status and type enums and the job model (``JobResponse``).

>>> job = AirbyteJob.from_api({"jobId": 7, "status": "running", "jobType": "sync",
...                            "startTime": "2025-01-01T00:00:00Z", "connectionId": "..."})
>>> job.is_terminal
False
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from airbyte_cloud_dagster.api.errors import AirbyteResponseError
from airbyte_cloud_dagster.api.models.fields import (
    UNUSABLE_ANSWER_HINT,
    field,
    optional_datetime,
    parse_iso_duration,
    require_mapping,
)

__all__ = ["AirbyteJob", "JobStatus", "JobType"]

logger = logging.getLogger("airbyte_cloud_dagster")


class JobStatus(str, enum.Enum):
    """A job's status (``JobStatusEnum``).

    Terminal: ``succeeded``, ``failed``, ``cancelled``. ``incomplete`` means an attempt failed and
    Airbyte will retry, so it is *not* terminal (docs/airbyte/behaviour.md, "Jobs"). Airbyte added
    ``queued`` in 2026; any value this client does not know becomes a non-terminal pseudo-member
    (logged once per value) instead of an error:

    >>> JobStatus("paused").is_terminal
    False
    """

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"

    @classmethod
    def _missing_(cls, value: object) -> JobStatus | None:
        if not isinstance(value, str):
            return None
        with _UNKNOWN_STATUS_LOCK:
            member = cls._value2member_map_.get(value)
            if member is None:
                member = str.__new__(cls, value)
                member._name_ = value.upper()
                member._value_ = value
                # Remember the pseudo-member: one object per value, and one log line per value.
                cls._value2member_map_[value] = member
                logger.warning(
                    "Airbyte reported job status %r, which this client does not know; "
                    "treating it as not finished.",
                    value,
                )
        return member  # type: ignore[return-value]

    @property
    def is_known(self) -> bool:
        """False for a pseudo-member created from a status value this client does not know."""
        return type(self).__members__.get(self._name_) is self

    @property
    def is_terminal(self) -> bool:
        """The one place that decides whether a job has finished (for better or worse)."""
        return self in _TERMINAL

    @property
    def succeeded(self) -> bool:
        return self is JobStatus.SUCCEEDED

    def __str__(self) -> str:
        return self.value


_UNKNOWN_STATUS_LOCK = threading.Lock()
_TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class JobType(str, enum.Enum):
    """What ``POST /jobs`` should run (``JobTypeEnum``).

    ``refresh`` is answered 422 by the public API and ``clear`` comes back as a ``reset`` job
    (docs/airbyte/behaviour.md, "Jobs").
    """

    SYNC = "sync"
    RESET = "reset"
    REFRESH = "refresh"
    CLEAR = "clear"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class AirbyteJob:
    """One Airbyte job (``JobResponse``).

    >>> job = client.get_job(42)
    >>> job.status, job.rows_synced, job.is_terminal
    (<JobStatus.SUCCEEDED: 'succeeded'>, 1200, True)
    """

    job_id: int
    status: JobStatus
    job_type: str
    connection_id: str
    start_time: datetime | None = None
    last_updated_at: datetime | None = None
    duration: timedelta | None = None
    rows_synced: int | None = None
    bytes_synced: int | None = None

    @property
    def is_terminal(self) -> bool:
        """True once the job succeeded, failed or was cancelled (:attr:`JobStatus.is_terminal`)."""
        return self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        return self.status.succeeded

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteJob:
        what = "job"
        payload = require_mapping(payload, what)
        job_id = field(payload, "jobId", int, what)
        what = f"job {job_id}"
        duration_text = field(payload, "duration", str, what, default=None)
        try:
            duration = parse_iso_duration(duration_text) if duration_text else None
        except ValueError:
            raise AirbyteResponseError(
                f"Airbyte returned a {what} whose field 'duration' is not an ISO-8601 "
                f"duration ({duration_text!r}); {UNUSABLE_ANSWER_HINT}."
            ) from None
        return cls(
            job_id=job_id,
            status=JobStatus(field(payload, "status", str, what)),
            job_type=field(payload, "jobType", str, what),
            connection_id=field(payload, "connectionId", str, what),
            start_time=optional_datetime(payload, "startTime", what),
            last_updated_at=optional_datetime(payload, "lastUpdatedAt", what),
            duration=duration,
            rows_synced=field(payload, "rowsSynced", int, what, default=None),
            bytes_synced=field(payload, "bytesSynced", int, what, default=None),
        )
