"""A sandbox job as the internal Config API shows it: ``JobInfoRead``.

Its fields are those of docs/airbyte/config-api.md §1-§3. Built from the same job the public API
serves (jobs.py), so the two never disagree:

- attempts follow :meth:`Job.attempt_spans`: one failed attempt per ``incomplete`` spell,
  then the final one (``succeeded``, or ``failed`` for failed and cancelled jobs);
- per-stream records are the job's ``rowsSynced`` split over the connection's streams exactly as
  the warehouse splits them (:func:`warehouse.split_rows`), so each stream's
  ``recordsCommitted`` is what landed in its table; bytes are split in proportion to rows;
- the last attempt of a failed job carries the plan's failure reason (``failure_type``,
  ``failure_message``, ``failure_origin``), by default the CDK's generic connector error.

Quirks kept from the real server: nulls are omitted; times are epoch seconds except
``FailureReason.timestamp`` (ms); attempt stats hold no ``streamNamespace`` and no
``bytesCommitted``; ``jobs/get`` never fills the job-level ``aggregatedStats`` and
``streamAggregatedStats``, ``jobs/get_without_logs`` does.
"""

from __future__ import annotations

import time
from typing import Any

from airbyte_cloud_dagster.sandbox.jobs import Job, JobBook, JobPlan, iso_time
from airbyte_cloud_dagster.sandbox.seed import ConnectionSeed
from airbyte_cloud_dagster.sandbox.warehouse import split_rows

# Real externalMessage texts (docs/airbyte/config-api.md, "Failure messages").
CONNECTOR_ERROR = "Something went wrong in the connector. See the logs for more details."
SOURCE_ERROR = "Something went wrong within the source connector"
SOURCE_EXIT = "Source process exited with non-zero exit code 1"
CANCELLED = "This attempt was cancelled"


def config_type(job: Job) -> str:
    """``JobRead.configType``: a public ``reset`` job is a ``reset_connection``."""
    return "reset_connection" if job.job_type == "reset" else "sync"


def stream_descriptors(connection: ConnectionSeed) -> list[dict[str, str]]:
    """``StreamDescriptor``s of the enabled streams; no ``namespace`` key when there is none."""
    return [
        {"name": s.name, **({"namespace": s.namespace} if s.namespace is not None else {})}
        for s in connection.streams
    ]


def split_bytes(total: int, rows: list[int]) -> list[int]:
    """``total`` bytes shared in proportion to ``rows``, adding up exactly."""
    row_total = sum(rows)
    if row_total == 0:
        return split_rows(total, len(rows))
    shares = [total * r // row_total for r in rows]
    for i in range(total - sum(shares)):
        shares[i % len(shares)] += 1
    return shares


def stream_counts(job: Job, status: str, connection: ConnectionSeed) -> list[tuple[int, int]]:
    """(records, bytes) committed per enabled stream: the job's totals once it succeeded."""
    streams = len(connection.streams)
    if status != "succeeded" or job.job_type != "sync":
        return [(0, 0)] * streams
    rows = split_rows(job.rows, streams)
    return list(zip(rows, split_bytes(job.bytes, rows), strict=True))


def job_info(
    book: JobBook, job: Job, connection: ConnectionSeed, *, logs: bool, aggregated: bool
) -> dict[str, Any]:
    """``JobInfoRead`` for ``jobs/get`` (``logs``) or ``jobs/get_without_logs`` (``aggregated``)."""
    status = book.status(job)
    spans = job.attempt_spans(time.time())
    counts = stream_counts(job, status, connection)
    body = _job_read(book, job, connection, status, spans)
    if aggregated:
        body["aggregatedStats"] = _aggregated(counts)
        body["streamAggregatedStats"] = [
            _stream_aggregated(stream.name, stream.namespace, records, size)
            for stream, (records, size) in zip(connection.streams, counts, strict=True)
            if status == "succeeded" and job.job_type == "sync"
        ]
    attempts = []
    for number, (start, end) in enumerate(spans):
        last = number == len(spans) - 1
        attempt = _attempt(job, status, connection, number, start, end, last, counts)
        info: dict[str, Any] = {"attempt": attempt}
        if logs:
            info["logType"] = "formatted"
            info["logs"] = {"logLines": _log_lines(job, number, start, attempt["status"])}
        attempts.append(info)
    return {"job": body, "attempts": attempts}


def job_info_light(book: JobBook, job: Job, connection: ConnectionSeed) -> dict[str, Any]:
    """``JobInfoLightRead`` for ``jobs/get_light``: the ``JobRead`` alone, no attempts built."""
    status = book.status(job)
    return {"job": _job_read(book, job, connection, status, job.attempt_spans(time.time()))}


def _job_read(
    book: JobBook,
    job: Job,
    connection: ConnectionSeed,
    status: str,
    spans: list[tuple[float, float | None]],
) -> dict[str, Any]:
    """``JobRead`` without the aggregated stats."""
    body: dict[str, Any] = {
        "id": job.job_id,
        "configType": config_type(job),
        "configId": job.connection_id,
        "enabledStreams": stream_descriptors(connection),
        "createdAt": int(job.created),
        "updatedAt": int(book.updated_at(job)),
        "status": status,
    }
    if spans:
        body["startedAt"] = int(spans[0][0])
    if job.job_type == "reset":
        body["resetConfig"] = {"streamsToReset": stream_descriptors(connection)}
    return body


def _aggregated(counts: list[tuple[int, int]]) -> dict[str, int]:
    records = sum(r for r, _ in counts)
    size = sum(b for _, b in counts)
    return {
        "recordsEmitted": records,
        "bytesEmitted": size,
        "recordsCommitted": records,
        "bytesCommitted": size,
        "recordsRejected": 0,
    }


def _stream_aggregated(name: str, namespace: str | None, records: int, size: int) -> dict[str, Any]:
    stats: dict[str, Any] = {"streamName": name}
    if namespace is not None:
        stats["streamNamespace"] = namespace
    stats.update(_aggregated([(records, size)]), wasBackfilled=False, wasResumed=False)
    return stats


def _attempt(
    job: Job,
    job_status: str,
    connection: ConnectionSeed,
    number: int,
    start: float,
    end: float | None,
    last: bool,
    counts: list[tuple[int, int]],
) -> dict[str, Any]:
    """``AttemptRead``; stats and ``endedAt`` only once the attempt has ended."""
    if end is None:
        status = "running"
    elif last and job_status == "succeeded":
        status = "succeeded"
    else:
        status = "failed"
    attempt: dict[str, Any] = {
        "id": number,
        "status": status,
        "createdAt": int(start),
        "updatedAt": int(end if end is not None else time.time()),
    }
    if end is None:
        return attempt
    # Only the final, successful attempt commits records (earlier ones fail before a commit).
    committed = counts if status == "succeeded" else [(0, 0)] * len(counts)
    records = sum(r for r, _ in committed)
    size = sum(b for _, b in committed)
    attempt.update(
        {
            "endedAt": int(end),
            "bytesSynced": size,
            "recordsSynced": records,
            "totalStats": {
                "recordsEmitted": records,
                "bytesEmitted": size,
                "stateMessagesEmitted": len(committed) if records else 0,
                "recordsCommitted": records,
            },
            "streamStats": [
                {
                    "streamName": stream.name,
                    "stats": {
                        "recordsEmitted": r,
                        "bytesEmitted": b,
                        "stateMessagesEmitted": 1,
                        "recordsCommitted": r,
                    },
                }
                for stream, (r, b) in zip(connection.streams, committed, strict=True)
                if r
            ],
        }
    )
    if status == "failed":
        attempt["failureSummary"] = {
            "failures": [_failure(job.plan, job_status, end, final=last)],
            "partialSuccess": False,
        }
    return attempt


def _failure(plan: JobPlan, job_status: str, end: float, *, final: bool) -> dict[str, Any]:
    """``FailureReason`` of a failed attempt: the plan's reason on the last attempt of a failed
    job, a cancellation for a cancelled one, a retryable source error before a retry."""
    if final and job_status == "cancelled":
        origin, kind, external, internal = (
            "airbyte_platform",
            "manual_cancellation",
            CANCELLED,
            ("Setting attempt to FAILED because the job was cancelled"),
        )
    elif final:
        origin = plan.failure_origin or "source"
        kind = plan.failure_type or "system_error"
        external = plan.failure_message or CONNECTOR_ERROR
        internal = plan.failure_message or SOURCE_EXIT
    else:
        origin, kind, external, internal = "source", "system_error", SOURCE_ERROR, SOURCE_EXIT
    return {
        "failureOrigin": origin,
        "failureType": kind,
        "externalMessage": external,
        "internalMessage": internal,
        "retryable": kind not in ("config_error", "manual_cancellation"),
        "timestamp": int(end * 1000),
    }


def _log_lines(job: Job, number: int, start: float, status: str) -> list[str]:
    stamp = iso_time(start).replace("T", " ").rstrip("Z")
    return [
        f"{stamp} platform > Starting attempt {number} of job {job.job_id}",
        f"{stamp} platform > Attempt {number} of job {job.job_id}: {status}",
    ]
