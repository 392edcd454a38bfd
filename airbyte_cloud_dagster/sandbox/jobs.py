"""Job life cycle in wall-clock time.

A job's status is a pure function of its creation time, its connection's :class:`JobPlan` and
the clock, worked out lazily whenever the job is read (plus a light ticker, see app.py)::

    pending ─▶ queued (queued_for s) ─▶ running ─▶ [incomplete ─▶ running] x attempts ─▶ outcome

A successful job still reads ``running`` until its rows have landed in the warehouse, so a client
that sees ``succeeded`` can query the tables straight away. The rules for starting jobs come from
docs/airbyte/behaviour.md, "Jobs": one job at a time per connection (409 ``try-again-later``), a
reset cancels a running sync, cancelling a finished job is a 409. A job is served as the real
server writes it (same section): times from whole epoch seconds in Java's format, a duration that
changes only when the job does, and the figures of its last attempt, absent before the first.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from airbyte_cloud_dagster.sandbox.problems import Problem, not_found

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
OUTCOMES = ("succeeded", "failed", "cancelled")
MAX_PENDING_SECONDS = 0.1
BYTES_PER_ROW = 187  # a plausible average record size; keeps bytesSynced deterministic
# FailureReason.failureType and .failureOrigin of the Config API (docs/airbyte/config-api.md §1).
FAILURE_TYPES = (
    "config_error",
    "system_error",
    "manual_cancellation",
    "refresh_schema",
    "heartbeat_timeout",
    "destination_timeout",
    "transient_error",
)
FAILURE_ORIGINS = (
    "source",
    "destination",
    "replication",
    "persistence",
    "airbyte_platform",
    "normalization",
    "dbt",
    "unknown",
)


@dataclass(frozen=True)
class JobPlan:
    """How the next jobs of one connection behave (``Sandbox.configure_connection``)."""

    duration: float = 5.0
    outcome: str = "succeeded"
    queued_for: float = 0.0
    incomplete_attempts: int = 0
    rows: int | None = None
    bytes: int | None = None
    # Why a failed job failed, as the Config API reports it (None = a generic connector error).
    failure_type: str | None = None
    failure_message: str | None = None
    failure_origin: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")
        if self.failure_type is not None and self.failure_type not in FAILURE_TYPES:
            raise ValueError(
                f"failure_type must be one of {FAILURE_TYPES}, got {self.failure_type!r}"
            )
        if self.failure_origin is not None and self.failure_origin not in FAILURE_ORIGINS:
            raise ValueError(
                f"failure_origin must be one of {FAILURE_ORIGINS}, got {self.failure_origin!r}"
            )
        if self.duration < 0 or self.queued_for < 0 or self.incomplete_attempts < 0:
            raise ValueError("duration, queued_for and incomplete_attempts must not be negative")
        if (self.rows is not None and self.rows < 0) or (self.bytes is not None and self.bytes < 0):
            raise ValueError("rows and bytes must not be negative")

    @property
    def pending_for(self) -> float:
        return min(MAX_PENDING_SECONDS, self.duration / 5)


@dataclass
class Job:
    """One job; ``rows``/``bytes`` are the totals it reports once it succeeded."""

    job_id: int
    connection_id: str
    job_type: str  # "sync" | "reset"
    created: float  # epoch seconds
    plan: JobPlan
    rows: int
    bytes: int
    final_status: str | None = None
    finished: float | None = None
    landing: bool = False

    def timeline(self, now: float) -> tuple[str, float]:
        """(status the clock gives, when that status began); ignores landing."""
        if self.final_status is not None:
            return self.final_status, self.finished or self.created
        plan = self.plan
        start = self.created
        if now < start + plan.pending_for:
            return "pending", start
        start += plan.pending_for
        if now < start + plan.queued_for:
            return "queued", start
        start += plan.queued_for
        run = plan.duration - plan.pending_for
        if now < start + run:
            segment = run / (2 * plan.incomplete_attempts + 1)
            index = int((now - start) // segment)
            return ("running" if index % 2 == 0 else "incomplete"), start + index * segment
        return plan.outcome, start + run

    def attempt_spans(self, now: float) -> list[tuple[float, float | None]]:
        """(start, end) of every attempt begun by ``now``; ``end`` is None while it runs.

        Attempt ``k`` runs in the ``2k``-th segment of the running phase of :meth:`timeline`;
        the odd segments between them are the job's ``incomplete`` spells. A finished job's
        last attempt ends when the job did (a cancel cuts it short).
        """
        plan = self.plan
        start = self.created + plan.pending_for + plan.queued_for
        segment = (plan.duration - plan.pending_for) / (2 * plan.incomplete_attempts + 1)
        stop = self.finished if self.final_status is not None else None
        spans: list[tuple[float, float | None]] = []
        for k in range(plan.incomplete_attempts + 1):
            begin = start + 2 * k * segment
            if begin > now or (stop is not None and (begin > stop or (k and begin >= stop))):
                break
            end = begin + segment if k < plan.incomplete_attempts else None
            if stop is not None:
                end = stop if end is None else min(end, stop)
            spans.append((begin, end if end is not None and end <= now else None))
        return spans


def iso_time(epoch: float) -> str:
    """ISO-8601 UTC with ``Z``, whole seconds (Airbyte stores job times in epoch seconds)."""
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def java_time(epoch: float) -> str:
    """A job time as the public API writes it: Java's ``OffsetDateTime.toString()`` of whole epoch
    seconds in UTC, which leaves out seconds that are zero (``2024-05-01T19:31Z``,
    ``2024-05-01T19:31:05Z``; docs/airbyte/behaviour.md, "Jobs")."""
    moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M" + (":%S" if moment.second else "") + "Z")


def iso_duration(seconds: float) -> str:
    """ISO-8601 duration like ``PT8S``, ``PT1M2.5S`` or ``PT8H6M12S`` (Java's
    ``Duration.toString()``; the public API's job durations are whole seconds)."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if millis or text == "PT":
        whole, frac = divmod(millis, 1000)
        text += f"{whole}.{frac:03d}".rstrip("0").rstrip(".") + "S"
    return text


def default_rows(connection_id: str, sequence: int, streams: int) -> int:
    """Deterministic row total for the ``sequence``-th job of a connection."""
    digest = hashlib.sha256(f"{connection_id}:{sequence}".encode()).digest()
    return sum(10 + digest[i % len(digest)] % 90 for i in range(max(streams, 1)))


Lander = Callable[[Job, Callable[[], None]], None]


class JobBook:
    """All jobs of a sandbox; thread-safe. ``lander(job, done)`` writes a successful job's rows."""

    def __init__(self, default_duration: float = 5.0, lander: Lander | None = None):
        self.default_plan = JobPlan(duration=default_duration)
        self._lander = lander
        self._jobs: dict[int, Job] = {}
        self._plans: dict[str, JobPlan] = {}
        self._created: Counter[str] = Counter()
        self._next_id = 1
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- configuration
    def configure(self, connection_id: str, **changes: Any) -> JobPlan:
        """Set how the next jobs of a connection run; unspecified fields keep the default."""
        changes = {k: v for k, v in changes.items() if v is not None}
        with self._lock:
            plan = replace(self.default_plan, **changes)
            self._plans[connection_id] = plan
        return plan

    # ----------------------------------------------------------------- life cycle
    def start(self, connection_id: str, job_type: str, streams: int) -> Job:
        """Create a sync or reset job, applying the one-job-per-connection rules."""
        with self._lock:
            now = time.time()
            running = [
                j
                for j in self._jobs.values()
                if j.connection_id == connection_id and self._status(j, now) not in TERMINAL
            ]
            if running and (job_type == "sync" or any(j.job_type == "reset" for j in running)):
                # 409 try-again-later, and no second job is queued
                # (docs/airbyte/behaviour.md, "Jobs").
                raise Problem("try-again-later", f"A sync is already running for: {connection_id}")
            # A reset cancels the running sync (docs/airbyte/behaviour.md, "Jobs").
            for job in running:
                self._finish(job, "cancelled", now)
            plan = self._plans.get(connection_id, self.default_plan)
            self._created[connection_id] += 1
            rows = 0
            if job_type == "sync":
                sequence = self._created[connection_id]
                rows = (
                    plan.rows
                    if plan.rows is not None
                    else default_rows(connection_id, sequence, streams)
                )
            job = Job(
                job_id=self._next_id,
                connection_id=connection_id,
                job_type=job_type,
                created=now,
                plan=plan,
                rows=rows,
                bytes=plan.bytes if plan.bytes is not None else rows * BYTES_PER_ROW,
            )
            self._next_id += 1
            self._jobs[job.job_id] = job
            return job

    def get(self, job_id: int) -> Job:
        """The job (404 problem if unknown), advanced to now."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise not_found("job", job_id)
            self._status(job, time.time())
            return job

    def cancel(self, job_id: int) -> Job:
        """Cancel a job that has not finished (409 otherwise: docs/airbyte/behaviour.md, "Jobs")."""
        with self._lock:
            job = self.get(job_id)
            now = time.time()
            if self._status(job, now) in TERMINAL:
                raise Problem("state-conflict", "Job is not currently running")
            self._finish(job, "cancelled", now)
            return job

    def all(self) -> list[Job]:
        """Every job, advanced to now, in creation order."""
        with self._lock:
            now = time.time()
            for job in self._jobs.values():
                self._status(job, now)
            return list(self._jobs.values())

    def tick(self) -> None:
        """Advance unfinished jobs so successful ones land even if nobody polls."""
        with self._lock:
            now = time.time()
            for job in self._jobs.values():
                if job.final_status is None:
                    self._status(job, now)

    def jobs_created(self, connection_id: str) -> int:
        with self._lock:
            return self._created[connection_id]

    def created_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._created)

    # ----------------------------------------------------------------- views
    def status(self, job: Job) -> str:
        with self._lock:
            return self._status(job, time.time())

    def updated_at(self, job: Job) -> float:
        """When the job last changed status (used by updatedAt filters and ordering)."""
        with self._lock:
            now = time.time()
            return self._updated(job, self._status(job, now), now)

    def to_json(self, job: Job) -> dict[str, Any]:
        """JobResponse as the real server maps it (docs/airbyte/behaviour.md, "Jobs"):
        ``lastUpdatedAt`` only when terminal; ``duration`` (absent while pending) = last update
        minus creation, in whole seconds; ``rowsSynced``/``bytesSynced`` what the last attempt
        committed, absent before the first attempt."""
        with self._lock:
            now = time.time()
            status = self._status(job, now)
            created = int(job.created)  # Airbyte keeps job times in whole epoch seconds
            updated = int(self._updated(job, status, now))
            body: dict[str, Any] = {
                "jobId": job.job_id,
                "status": status,
                "jobType": job.job_type,
                "startTime": java_time(created),
                "connectionId": job.connection_id,
            }
            if status in TERMINAL:
                body["lastUpdatedAt"] = java_time(updated)
            if status != "pending":
                body["duration"] = iso_duration(updated - created)
            committed = self._committed(job, status, now)
            if committed is not None:
                body["rowsSynced"], body["bytesSynced"] = committed
            return body

    # ----------------------------------------------------------------- internals
    @staticmethod
    def _updated(job: Job, status: str, now: float) -> float:
        if status in TERMINAL:
            return job.finished or job.created
        return job.timeline(now)[1]

    @staticmethod
    def _committed(job: Job, status: str, now: float) -> tuple[int, int] | None:
        """(rows, bytes) the job's last attempt has committed by ``now``; None before its first
        attempt. Only a sync's final attempt that is to succeed commits, as it goes; the rows
        land in the warehouse when the job succeeds, so a failed or cancelled job reports 0."""
        spans = job.attempt_spans(now)
        if not spans:
            return None
        if status == "succeeded" and job.job_type == "sync":
            return job.rows, job.bytes
        plan = job.plan
        final = len(spans) == plan.incomplete_attempts + 1
        if status in TERMINAL or job.job_type != "sync" or plan.outcome != "succeeded" or not final:
            return 0, 0
        begin = spans[-1][0]
        length = (plan.duration - plan.pending_for) / (2 * plan.incomplete_attempts + 1)
        progress = min(1.0, (now - begin) / length) if length > 0 else 1.0
        return int(job.rows * progress), int(job.bytes * progress)

    def _status(self, job: Job, now: float) -> str:
        status, since = job.timeline(now)
        if job.final_status is not None or status not in TERMINAL:
            return status
        if status != "succeeded":
            self._finish(job, status, since)
            return status
        if self._lander is None:
            self._finish(job, "succeeded", since)
            return "succeeded"
        if not job.landing:
            job.landing = True
            self._lander(job, lambda: self._landed(job))
        return "running"  # until the rows are in the warehouse

    def _landed(self, job: Job) -> None:
        with self._lock:
            if job.final_status is None:
                self._finish(job, "succeeded", time.time())

    @staticmethod
    def _finish(job: Job, status: str, when: float) -> None:
        job.final_status = status
        job.finished = when
