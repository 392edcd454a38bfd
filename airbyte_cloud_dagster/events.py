"""Turn a finished Airbyte job into Dagster events.

The public API reports rows and bytes for the whole job only (BEHAVIOUR.md: "no per-stream job
statistics"), so every table of the connection gets the job's totals under job-level names,
and no per-table row count is invented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteJob
from airbyte_cloud_dagster.translator import CONNECTION_ID_KEY, CONNECTION_URL_KEY

EventT = TypeVar("EventT", dg.MaterializeResult, dg.AssetMaterialization)


def job_metadata(job: AirbyteJob, connection_url: str | None = None) -> dict[str, object]:
    """What a finished job tells about every table it synced."""
    metadata: dict[str, object] = {
        "airbyte/job_id": job.job_id,
        "airbyte/job_status": job.status.value,
        "airbyte/job_type": job.job_type,
        "airbyte/rows_synced": job.rows_synced or 0,
        "airbyte/bytes_synced": job.bytes_synced or 0,
    }
    if job.duration is not None:
        metadata["airbyte/duration_seconds"] = round(job.duration.total_seconds(), 3)
    if connection_url:
        metadata["airbyte/connection_url"] = dg.MetadataValue.url(connection_url)
    return metadata


def materialize_results(
    job: AirbyteJob, specs: Iterable[dg.AssetSpec]
) -> Iterator[dg.MaterializeResult]:
    """One ``MaterializeResult`` per asset of the synced connection."""
    return _per_asset(dg.MaterializeResult, job, specs)


def asset_materializations(
    job: AirbyteJob, specs: Iterable[dg.AssetSpec]
) -> Iterator[dg.AssetMaterialization]:
    """The same events for an op, which reports materializations rather than results."""
    return _per_asset(dg.AssetMaterialization, job, specs)


def _per_asset(
    event_type: Callable[..., EventT], job: AirbyteJob, specs: Iterable[dg.AssetSpec]
) -> Iterator[EventT]:
    specs = list(specs)
    metadata = job_metadata(job, connection_url_of(specs))
    return (event_type(asset_key=spec.key, metadata=metadata) for spec in specs)


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


def connection_url_of(specs: Sequence[dg.AssetSpec]) -> str | None:
    for spec in specs:
        url = spec.metadata.get(CONNECTION_URL_KEY)
        if url is not None:
            return getattr(url, "url", None) or str(url)
    return None
