"""Turn a finished Airbyte job into Dagster events: one per table of the synced connection.

The public API reports rows and bytes for the whole job only (docs/airbyte/behaviour.md,
"Jobs"), so every table gets the job's totals labelled as the *connection's*. When the internal
Config API gives per-stream statistics (``api.config_api.fetch_job_details``, best-effort;
docs/airbyte/config-api.md), each table also gets its own figures, and ``dagster/row_count``
where the sync replaced the whole table (``full_refresh_overwrite``): only then are the rows
synced the rows in the table.

Airbyte syncs whole connections, so a step that selected only some of a connection's tables
records the others too, from the same job: the selected ones as the step's own event type, the
others as a ``dg.AssetMaterialization`` whose description says it was not selected, and each
carries ``airbyte/selected`` (assets/multi_asset.py says why).

Example::

    yield from finished_job_events(client, job, specs)                         # asset bodies
    events = finished_job_events(client, job, specs, event_type=dg.AssetMaterialization)
    yield from finished_job_events(client, job, specs, selected={charges_key})  # a subset
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any, TypeVar

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteClient, AirbyteJob
from airbyte_cloud_dagster.api.config_api import JobDetails, StreamStats, fetch_job_details

EventT = TypeVar("EventT", dg.MaterializeResult, dg.AssetMaterialization)

# The one public sync mode after which a table holds exactly the rows this sync committed.
TABLE_REPLACING_SYNC_MODE = "full_refresh_overwrite"
_NAMED_IN_DESCRIPTION = 3  # selected tables a not-selected table's description names


def finished_job_events(
    client: AirbyteClient,
    job: AirbyteJob,
    specs: Sequence[dg.AssetSpec],
    *,
    event_type: Callable[..., EventT] = dg.MaterializeResult,  # type: ignore[assignment]
    selected: Collection[dg.AssetKey] | None = None,
) -> Iterator[EventT | dg.AssetMaterialization]:
    """One event per table of a succeeded job, with each table's own figures where Airbyte's
    Config API gives them (one best-effort read; without it, the connection's figures only).

    ``event_type`` is ``dg.MaterializeResult`` in an asset body, ``dg.AssetMaterialization`` in
    an op or a sensor. ``selected``: the tables the step was asked for (default: all of
    ``specs``); the others get a ``dg.AssetMaterialization`` saying the job refreshed them.
    """
    details = fetch_job_details(client, job.job_id)
    return materializations(job, specs, details, event_type, selected=selected)


def table_observations(
    specs: Sequence[dg.AssetSpec], description: str, metadata: dict[str, Any]
) -> list[dg.AssetObservation]:
    """The same observation on every table (a job started, emptied, or ended badly)."""
    return [
        dg.AssetObservation(asset_key=spec.key, description=description, metadata=metadata)
        for spec in specs
    ]


def materializations(
    job: AirbyteJob,
    specs: Sequence[dg.AssetSpec],
    details: JobDetails | None,
    event_type: Callable[..., EventT],
    *,
    selected: Collection[dg.AssetKey] | None = None,
) -> Iterator[EventT | dg.AssetMaterialization]:
    """The events of :func:`finished_job_events` from details already read."""
    metadata = md.job_finished(job, md.connection_url_of(specs))
    per_table = stream_metadata(specs, details)
    chosen = [spec.key for spec in specs if selected is None or spec.key in selected]
    for spec in specs:
        table = {**metadata, **per_table.get(spec.key, {})}
        if len(chosen) == len(specs):
            yield event_type(asset_key=spec.key, metadata=table)
        elif spec.key in chosen:
            yield event_type(asset_key=spec.key, metadata={**table, **md.selection(True)})
        else:
            yield dg.AssetMaterialization(
                asset_key=spec.key,
                description=_not_selected(job, chosen),
                metadata={**table, **md.selection(False)},
            )


def _not_selected(job: AirbyteJob, chosen: Sequence[dg.AssetKey]) -> str:
    names = [key.to_user_string() for key in chosen[:_NAMED_IN_DESCRIPTION]]
    if len(chosen) > len(names):
        names.append(f"{len(chosen) - len(names)} more")
    return (
        f"Refreshed by Airbyte {job.job_type} job {job.job_id} without being selected: the run "
        f"selected {', '.join(names)} of the same connection, and Airbyte syncs whole "
        "connections."
    )


def stream_metadata(
    specs: Sequence[dg.AssetSpec], details: JobDetails | None
) -> dict[dg.AssetKey, dict[str, Any]]:
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
    return {
        spec.key: md.stream_figures(
            stats.records_committed if stats else 0,
            stats.bytes_committed if stats else 0,
            replaces_table=spec.metadata.get(md.SYNC_MODE) == TABLE_REPLACING_SYNC_MODE,
        )
        for spec in specs
        for stats in [found[spec.key]]
    }


def _stats_of(spec: dg.AssetSpec, details: JobDetails) -> StreamStats | None:
    name = spec.metadata.get(md.STREAM_NAME)
    if not isinstance(name, str):
        return None
    namespace = spec.metadata.get(md.STREAM_NAMESPACE)
    return details.stats_for(name, namespace if isinstance(namespace, str) else None)
