"""Every metadata key this package writes, and the functions that write and read them.

Nothing else in the package spells an ``airbyte/...`` key. Keys on asset *specs* describe a
table (which connection and stream it comes from, its schedule); keys on *events*
(materializations, observations, check results, failures) describe a job. Values have the type
that fits them in the Dagster UI: ids are text (the Plots tab charts numbers over time, and an id
is not a quantity), counts are integers, durations floats, pages links.

Dagster's own table keys (``dagster/table_name``, ``dagster/column_schema``,
``dagster/row_count``) are used where they mean exactly what Dagster means by them.

Example::

    from airbyte_cloud_dagster import metadata

    spec.metadata[metadata.CONNECTION_ID]          # '9924bcd0-...'
    metadata.job_id_of(materialization)            # 42
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteJob, ConnectionSchedule
from airbyte_cloud_dagster.api.config_api import JobDetails

# --------------------------------------------------------------------------- on asset specs
CONNECTION_ID = "airbyte/connection_id"
CONNECTION_NAME = "airbyte/connection_name"
CONNECTION_URL = "airbyte/connection_url"
WORKSPACE_ID = "airbyte/workspace_id"
STREAM_NAME = "airbyte/stream_name"
STREAM_NAMESPACE = "airbyte/stream_namespace"
SYNC_MODE = "airbyte/sync_mode"
PRIMARY_KEY = "airbyte/primary_key"
CURSOR_FIELD = "airbyte/cursor_field"
# Airbyte's own schedule of the connection, read back by build_airbyte_schedules_from_airbyte.
SCHEDULE_TYPE = "airbyte/schedule_type"
SCHEDULE = "airbyte/schedule"
TABLE_NAME = "dagster/table_name"  # Dagster's standard key: the fully qualified table
COLUMN_SCHEMA = "dagster/column_schema"  # Dagster's standard key: the table's columns

# --------------------------------------------------------------------------- on job events
JOB_ID = "airbyte/job_id"
JOB_STATUS = "airbyte/job_status"
JOB_TYPE = "airbyte/job_type"
WAIT_MODE = "airbyte/wait_mode"
# On an observation: a clear (reset) job emptied the table.
EMPTIED = "airbyte/emptied"
# On a failed check: the sync outlived sync_timeout (seconds).
SYNC_TIMEOUT = "airbyte/sync_timeout_seconds"
DURATION_SECONDS = "airbyte/duration_seconds"
# The public API reports rows and bytes for the whole job only: labelled as the connection's.
CONNECTION_ROWS_SYNCED = "airbyte/connection_rows_synced"
CONNECTION_BYTES_SYNCED = "airbyte/connection_bytes_synced"
# One table's own figures, from the Config API's per-stream statistics when it gives them.
STREAM_ROWS_SYNCED = "airbyte/stream_rows_synced"
STREAM_BYTES_SYNCED = "airbyte/stream_bytes_synced"
ROW_COUNT = "dagster/row_count"  # Dagster's standard key: the rows now in the table
FAILURE_TYPE = "airbyte/failure_type"
FAILURE_ORIGIN = "airbyte/failure_origin"
FAILURE_MESSAGE = "airbyte/failure_message"
FAILURE_INTERNAL_MESSAGE = "airbyte/failure_internal_message"
ATTEMPTS = "airbyte/attempts"
# On a materialization of a step that selected only some of a connection's tables: True on the
# selected ones, False on the others, which the same job refreshed (Airbyte syncs whole
# connections) and which the step records too, so they never look older than they are.
SELECTED = "airbyte/selected"
FAILED_CONNECTIONS = "airbyte/failed_connections"
FAILED_COUNT = "airbyte/failed_count"
CONNECTION_COUNT = "airbyte/connection_count"


def _text(value: object) -> dg.TextMetadataValue:
    return dg.MetadataValue.text(str(value))


def _url(url: str | None) -> dict[str, Any]:
    return {CONNECTION_URL: dg.MetadataValue.url(url)} if url else {}


# --------------------------------------------------------------------------- writing


def job_started(job: AirbyteJob, wait_mode: str, connection_url: str | None) -> dict[str, Any]:
    """What a run records when it starts (or attaches to) a job: the sync sensor reads it."""
    return {
        JOB_ID: _text(job.job_id),
        JOB_STATUS: job.status.value,
        WAIT_MODE: wait_mode,
        **_url(connection_url),
    }


def job_finished(job: AirbyteJob, connection_url: str | None = None) -> dict[str, Any]:
    """What a finished job tells about every table it synced (the whole connection's figures,
    never one table's)."""
    metadata: dict[str, Any] = {
        JOB_ID: _text(job.job_id),
        JOB_STATUS: job.status.value,
        JOB_TYPE: job.job_type,
    }
    # rowsSynced and bytesSynced are optional in JobResponse: a figure the job did not report
    # is left out, never shown as 0.
    if job.rows_synced is not None:
        metadata[CONNECTION_ROWS_SYNCED] = job.rows_synced
    if job.bytes_synced is not None:
        metadata[CONNECTION_BYTES_SYNCED] = job.bytes_synced
    if job.duration is not None:
        metadata[DURATION_SECONDS] = round(job.duration.total_seconds(), 3)
    metadata.update(_url(connection_url))
    return metadata


def job_emptied(job: AirbyteJob, connection_url: str | None) -> dict[str, Any]:
    """What a finished clear (reset) job tells about every table it emptied."""
    return {**job_finished(job, connection_url), EMPTIED: True}


def figures_text(job: AirbyteJob) -> str:
    """The job's figures for a log line: "12 rows, 3456 bytes", or what it did not report."""
    rows = "rows not reported" if job.rows_synced is None else f"{job.rows_synced} rows"
    size = "bytes not reported" if job.bytes_synced is None else f"{job.bytes_synced} bytes"
    return f"{rows}, {size}"


def stream_figures(rows: int, bytes_: int, *, replaces_table: bool) -> dict[str, Any]:
    """One table's own figures; ``dagster/row_count`` only when the sync replaced the table."""
    figures: dict[str, Any] = {STREAM_ROWS_SYNCED: rows, STREAM_BYTES_SYNCED: bytes_}
    if replaces_table:
        figures[ROW_COUNT] = rows
    return figures


def selection(selected: bool) -> dict[str, Any]:
    """Whether a step that synced only some of a connection's tables selected this one."""
    return {SELECTED: selected}


def job_failed(job: AirbyteJob | None, connection_url: str | None) -> dict[str, Any]:
    """The metadata of the ``dagster.Failure`` of a job that failed, timed out or was lost."""
    metadata: dict[str, Any] = {}
    if job is not None:
        metadata.update(
            {
                JOB_ID: _text(job.job_id),
                JOB_STATUS: job.status.value,
                CONNECTION_ID: job.connection_id,
            }
        )
    metadata.update(_url(connection_url))
    return metadata


def failure_reason(details: JobDetails | None) -> dict[str, Any]:
    """Airbyte's own failure reason (Config API), when it gave one."""
    reason = details.failure if details else None
    if details is None or reason is None:
        return {}
    fields = {
        FAILURE_TYPE: reason.failure_type,
        FAILURE_ORIGIN: reason.failure_origin,
        FAILURE_MESSAGE: reason.external_message,
        FAILURE_INTERNAL_MESSAGE: reason.internal_message,
    }
    metadata: dict[str, Any] = {key: value for key, value in fields.items() if value}
    metadata[ATTEMPTS] = details.attempt_count
    return metadata


def connections_failed(failed: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """The metadata of the one ``dagster.Failure`` of a step that synced many connections."""
    return {
        FAILED_CONNECTIONS: dg.MetadataValue.json(failed),
        FAILED_COUNT: len(failed),
        CONNECTION_COUNT: total,
    }


def schedule_metadata(schedule: ConnectionSchedule) -> dict[str, Any]:
    """A connection's Airbyte schedule on its tables' specs (read back by :func:`schedule_of`)."""
    metadata: dict[str, Any] = {SCHEDULE_TYPE: schedule.schedule_type}
    timing = schedule.cron_expression or schedule.basic_timing
    if timing and schedule.schedule_type in ("cron", "basic"):
        metadata[SCHEDULE] = timing
    return metadata


# --------------------------------------------------------------------------- reading


def value_of(metadata: Mapping[str, Any], key: str) -> Any:
    """The plain value of a metadata entry (a ``MetadataValue``'s ``.value``), or None."""
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


def job_id_of(event: Any) -> int | None:
    """The Airbyte job an event (a materialization, observation or check evaluation) records
    (written as text; read from an integer too), or None."""
    value = value_of(event.metadata, JOB_ID) if event is not None else None
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def connection_url_of(specs: Any) -> str | None:
    """The connection page named in the first of ``specs`` that has one."""
    for spec in specs:
        url = value_of(spec.metadata, CONNECTION_URL)
        if url is not None:
            return str(url)
    return None


def schedule_of(metadata: Mapping[str, Any], what: str) -> ConnectionSchedule:
    """The Airbyte schedule a spec's metadata carries (no API call); ``what`` names the asset
    or connection when it carries none."""
    schedule_type = value_of(metadata, SCHEDULE_TYPE)
    if schedule_type is None:
        raise dg.DagsterInvalidDefinitionError(
            f"{what} carries no '{SCHEDULE_TYPE}' metadata; build it with "
            "load_airbyte_cloud_assets (a custom translator must keep the metadata of "
            "AirbyteTranslator.get_asset_spec)."
        )
    expression = value_of(metadata, SCHEDULE)
    text = None if expression is None else str(expression)
    return ConnectionSchedule(
        schedule_type=str(schedule_type),
        cron_expression=text if schedule_type == "cron" else None,
        basic_timing=text if schedule_type == "basic" else None,
    )
