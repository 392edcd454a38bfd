"""Turn a finished Airbyte job into Dagster events.

The public API reports rows and bytes for the whole job only (BEHAVIOUR.md: "no per-stream job
statistics"), so every table gets the job's totals labelled as the *connection's*
(``airbyte/connection_rows_synced``, ``airbyte/connection_bytes_synced``). When the internal
Config API gave per-stream statistics (``api.config_api.fetch_job_details``, best-effort),
each table also gets its own ``airbyte/stream_rows_synced`` / ``airbyte/stream_bytes_synced``,
and ``dagster/row_count`` where the sync replaced the whole table (``full_refresh_overwrite``):
only then are the rows synced the rows in the table. Callers pass those details in::

    details = fetch_job_details(client, job.job_id)  # None when unavailable
    yield from materialize_results(job, specs, details=details)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteJob
from airbyte_cloud_dagster.api.config_api import JobDetails, StreamStats
from airbyte_cloud_dagster.translator import (
    CONNECTION_ID_KEY,
    CONNECTION_URL_KEY,
    STREAM_NAME_KEY,
    STREAM_NAMESPACE_KEY,
    SYNC_MODE_KEY,
)

EventT = TypeVar("EventT", dg.MaterializeResult, dg.AssetMaterialization)

# Read back by the sync sensor (sensor.py) to tell which job a materialization recorded.
JOB_ID_KEY = "airbyte/job_id"
ROW_COUNT_KEY = "dagster/row_count"  # Dagster's standard key: the rows in the table
# The one public sync mode after which a table holds exactly the rows this sync committed.
TABLE_REPLACING_SYNC_MODE = "full_refresh_overwrite"


def job_metadata(job: AirbyteJob, connection_url: str | None = None) -> dict[str, object]:
    """What a finished job tells about every table it synced."""
    metadata: dict[str, object] = {
        JOB_ID_KEY: job.job_id,
        "airbyte/job_status": job.status.value,
        "airbyte/job_type": job.job_type,
        # The whole connection's figures, never one table's (see the module docstring).
        "airbyte/connection_rows_synced": job.rows_synced or 0,
        "airbyte/connection_bytes_synced": job.bytes_synced or 0,
    }
    if job.duration is not None:
        metadata["airbyte/duration_seconds"] = round(job.duration.total_seconds(), 3)
    if connection_url:
        metadata[CONNECTION_URL_KEY] = dg.MetadataValue.url(connection_url)
    return metadata


def materialize_results(
    job: AirbyteJob, specs: Iterable[dg.AssetSpec], *, details: JobDetails | None = None
) -> Iterator[dg.MaterializeResult]:
    """One ``MaterializeResult`` per asset of the synced connection.

    ``details`` (from ``fetch_job_details``) adds each table's own figures when it has them.
    """
    return _per_asset(dg.MaterializeResult, job, specs, details)


def asset_materializations(
    job: AirbyteJob, specs: Iterable[dg.AssetSpec], *, details: JobDetails | None = None
) -> Iterator[dg.AssetMaterialization]:
    """The same events for an op, which reports materializations rather than results."""
    return _per_asset(dg.AssetMaterialization, job, specs, details)


def _per_asset(
    event_type: Callable[..., EventT],
    job: AirbyteJob,
    specs: Iterable[dg.AssetSpec],
    details: JobDetails | None,
) -> Iterator[EventT]:
    specs = list(specs)
    metadata = job_metadata(job, connection_url_of(specs))
    per_table = stream_metadata(specs, details)
    return (
        event_type(asset_key=spec.key, metadata={**metadata, **per_table.get(spec.key, {})})
        for spec in specs
    )


def stream_metadata(
    specs: Sequence[dg.AssetSpec], details: JobDetails | None
) -> dict[dg.AssetKey, dict[str, object]]:
    """Each table's own figures from the job's per-stream statistics; {} when there are none.

    A stream the statistics do not list committed nothing (as in dagster-airbyte), unless no
    stream at all can be found there: then the names do not line up, and no figure is shown
    rather than a row of zeros.
    """
    if details is None or not details.stream_stats:
        return {}
    found = {spec.key: _stats_of(spec, details) for spec in specs}
    if not any(found.values()):
        return {}
    figures: dict[dg.AssetKey, dict[str, object]] = {}
    for spec in specs:
        stats = found[spec.key]
        rows = stats.records_committed if stats else 0
        table: dict[str, object] = {
            "airbyte/stream_rows_synced": rows,
            "airbyte/stream_bytes_synced": stats.bytes_committed if stats else 0,
        }
        if spec.metadata.get(SYNC_MODE_KEY) == TABLE_REPLACING_SYNC_MODE:
            table[ROW_COUNT_KEY] = rows
        figures[spec.key] = table
    return figures


def _stats_of(spec: dg.AssetSpec, details: JobDetails) -> StreamStats | None:
    name = spec.metadata.get(STREAM_NAME_KEY)
    if not isinstance(name, str):
        return None
    namespace = spec.metadata.get(STREAM_NAMESPACE_KEY)
    return details.stats_for(name, namespace if isinstance(namespace, str) else None)


def connection_id_of(specs: Sequence[dg.AssetSpec]) -> str:
    """The one Airbyte connection that the given asset specs belong to."""
    ids = {str(spec.metadata.get(CONNECTION_ID_KEY)) for spec in specs}
    ids.discard("None")
    if len(ids) != 1:
        raise dg.DagsterInvariantViolationError(
            f"Expected the assets to belong to exactly one Airbyte connection (metadata "
            f"'{CONNECTION_ID_KEY}'), found {sorted(ids) or 'none'}. Build them with "
            "load_airbyte_cloud_assets or @airbyte_assets."
        )
    return ids.pop()


def specs_by_connection(assets: Iterable[dg.AssetsDefinition]) -> dict[str, list[dg.AssetSpec]]:
    """The Airbyte tables among ``assets``, grouped by connection id, in the order given.

    Works alike for per-connection multi-assets and the one-step multi-asset (one_step.py),
    which holds the tables of many connections; assets of no connection are left out.
    Raises if none belongs to a connection.
    """
    grouped: dict[str, list[dg.AssetSpec]] = {}
    for assets_def in assets:
        for spec in assets_def.specs:
            connection_id = spec.metadata.get(CONNECTION_ID_KEY)
            if connection_id is not None:
                grouped.setdefault(str(connection_id), []).append(spec)
    if not grouped:
        raise dg.DagsterInvalidDefinitionError(
            "None of the assets belong to an Airbyte connection (metadata "
            f"'{CONNECTION_ID_KEY}'); build them with load_airbyte_cloud_assets."
        )
    return grouped


def connection_url_of(specs: Sequence[dg.AssetSpec]) -> str | None:
    for spec in specs:
        url = spec.metadata.get(CONNECTION_URL_KEY)
        if url is not None:
            return getattr(url, "url", None) or str(url)
    return None
