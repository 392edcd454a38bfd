"""Dagster schedules for the connections handed over. Once a connection is manual in Airbyte,
assets loaded from Airbyte again say so, and ``build_airbyte_schedules_from_airbyte`` no longer
mirrors it. The record keeps the schedule it had: :func:`build_airbyte_schedules_from_handover`
rebuilds the very same Dagster schedules (names, crons, jobs) from it, so deploy the record with
the code::

    schedules = [
        *build_airbyte_schedules_from_airbyte(assets),
        *build_airbyte_schedules_from_handover(assets, "airbyte_schedule_handover.json"),
    ]
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence
from typing import Any, Literal

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import ConnectionSchedule
from airbyte_cloud_dagster.automation.handover.record import DEFAULT_RECORD_PATH, read_record
from airbyte_cloud_dagster.automation.schedules import (
    connections_in,
    mirrored_schedules,
)


def build_airbyte_schedules_from_handover(
    assets: Sequence[dg.AssetsDefinition],
    record_path: str | os.PathLike[str] = DEFAULT_RECORD_PATH,
    *,
    on_unsupported: Literal["warn", "fail"] = "fail",
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
) -> list[dg.ScheduleDefinition]:
    """The mirrored schedules of the connections handed over to Dagster, from the record.

    After :func:`hand_over_schedules` a connection is manual in Airbyte, so assets loaded
    again say so and ``build_airbyte_schedules_from_airbyte`` no longer mirrors it. This
    builds, for each connection that is manual in the assets' metadata and has an entry in
    the hand-over record, the schedule ``build_airbyte_schedules_from_airbyte`` made from the
    recorded Airbyte schedule: same name, cron, time zone and job, so a running schedule keeps
    running across the reload. Connections not manual in the assets are left out (the other
    call mirrors them); so are all of them when there is no record (nothing handed over yet).
    No API call: deploy the record with the code, as a snapshot.

    >>> schedules = [
    ...     *build_airbyte_schedules_from_airbyte(assets),
    ...     *build_airbyte_schedules_from_handover(assets, "airbyte_schedule_handover.json"),
    ... ]
    """
    record = read_record(pathlib.Path(record_path), None, missing_ok=True)
    mapped, handed_over = with_recorded_schedules(assets, record)
    if not handed_over:
        return []
    # Only the connections handed over: the others are mirrored (or refused) by the other call.
    return mirrored_schedules(
        [c for cid, c in connections_in(mapped).items() if cid in handed_over],
        on_unsupported=on_unsupported,
        default_status=default_status,
    )


def with_recorded_schedules(
    assets: Sequence[dg.AssetsDefinition], record: dict[str, Any]
) -> tuple[list[dg.AssetsDefinition], set[str]]:
    """``assets`` where each connection manual in the metadata but in the record carries its
    recorded schedule instead, and the ids of those connections. Only what the schedules read
    changes (``airbyte/schedule_type``, ``airbyte/schedule``); keys and ops stay the same."""
    handed_over: set[str] = set()

    def recorded(spec: dg.AssetSpec) -> dg.AssetSpec:
        connection_id = spec.metadata.get(md.CONNECTION_ID)
        entry = record.get(str(connection_id))
        if entry is None or spec.metadata.get(md.SCHEDULE_TYPE) != "manual":
            return spec
        handed_over.add(str(connection_id))
        previous = ConnectionSchedule.from_api(entry["previous_schedule"])
        return spec.merge_attributes(metadata=md.schedule_metadata(previous))

    if not record:
        return list(assets), handed_over
    mapped = [
        assets_def.map_asset_specs(recorded)
        if any(str(spec.metadata.get(md.CONNECTION_ID)) in record for spec in assets_def.specs)
        else assets_def
        for assets_def in assets
    ]
    return mapped, handed_over
