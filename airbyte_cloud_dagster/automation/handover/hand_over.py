"""Setting to manual, in Airbyte, the connections whose schedule Dagster now mirrors. The
connections are found by the same rule as the mirroring (``build_airbyte_schedules_from_airbyte``
itself): manual connections and schedules it cannot translate are not mirrored, so not handed
over. A dry run by default; with ``apply=True`` the record is written before any PATCH::

    print(hand_over_schedules(airbyte, assets))              # the plan
    print(hand_over_schedules(airbyte, assets, apply=True))  # record written, then PATCHes
"""

from __future__ import annotations

import logging
import os
import pathlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteClient, AirbyteNotFound, ConnectionSchedule
from airbyte_cloud_dagster.automation.cron import UnsupportedSchedule, schedule_to_cron
from airbyte_cloud_dagster.automation.handover.definitions import with_recorded_schedules
from airbyte_cloud_dagster.automation.handover.inputs import assets_to_hand_over, open_record
from airbyte_cloud_dagster.automation.handover.patch import MANUAL, patch_schedule
from airbyte_cloud_dagster.automation.handover.plan import HandOverPlan, Outcome, ScheduleChange
from airbyte_cloud_dagster.automation.handover.record import DEFAULT_RECORD_PATH, write_record
from airbyte_cloud_dagster.automation.handover.text import describe, log_plan
from airbyte_cloud_dagster.automation.schedules import (
    AirbyteScheduleWarning,
    build_airbyte_schedules_from_airbyte,
    connection_schedule,
    connections_in,
)
from airbyte_cloud_dagster.resource import AirbyteCloudResource


def hand_over_schedules(
    airbyte: AirbyteCloudResource | AirbyteClient,
    assets_or_connection_ids: Sequence[dg.AssetsDefinition] | Sequence[str] | str | None = None,
    *,
    apply: bool = False,
    record_path: str | os.PathLike[str] = DEFAULT_RECORD_PATH,
    workspace_id: str | None = None,
    logger: logging.Logger | None = None,
) -> HandOverPlan:
    """Set to manual, in Airbyte, the connections whose schedule Dagster now mirrors.

    ``assets_or_connection_ids``: the Airbyte assets your definitions schedule (as given to
    ``build_airbyte_schedules_from_airbyte``), or connection ids, or None for every active
    connection of ``workspace_id`` (default: the resource's). The connections handed over are
    those ``build_airbyte_schedules_from_airbyte(assets, on_unsupported="warn")`` makes a
    schedule for, whose schedule in Airbyte is still the one the assets mirror (read again,
    one ``GET /connections/{id}`` each).

    Dry run by default: returns the plan and changes nothing. ``apply=True`` first adds each
    connection's name, schedule as Airbyte served it and the time to the JSON record at
    ``record_path`` (atomically; earlier entries are kept), then sends one
    ``PATCH /connections/{id}`` per connection. A connection already manual is left alone and
    keeps its earlier record. Errors for one connection are in the plan (``plan.failed``);
    a record that cannot be read raises :class:`AirbyteHandOverError` before any change.

    >>> print(hand_over_schedules(airbyte, assets))              # the plan
    >>> plan = hand_over_schedules(airbyte, assets, apply=True)  # then restore_schedules(...)
    """
    log = logger or logging.getLogger("airbyte_cloud_dagster")
    # The record before anything else: one that cannot be read stops it before any request.
    client, path, record = open_record(airbyte, record_path, missing_ok=True)
    assets = assets_to_hand_over(client, airbyte, assets_or_connection_ids, workspace_id, log)
    changes = [_hand_over_step(client, entry) for entry in _mirroring(assets, record)]
    if apply and any(change.outcome == "would hand over" for change in changes):
        changes = _apply_hand_over(client, changes, path, record)
    plan = HandOverPlan("hand over", apply, client.api_url, path, tuple(changes))
    log_plan(plan, log)
    return plan


@dataclass(frozen=True)
class _Mirroring:
    """One connection among the assets and the Dagster schedule that mirrors it, if any."""

    connection_id: str
    name: str
    schedule: ConnectionSchedule  # from the assets' metadata
    dagster_schedule: dg.ScheduleDefinition | None
    why_not: str = ""


def _mirroring(assets: Sequence[dg.AssetsDefinition], record: dict[str, Any]) -> list[_Mirroring]:
    """Which connections ``build_airbyte_schedules_from_airbyte`` mirrors: the same call, so
    the same rule (on the schedule recorded for connections already handed over); a schedule
    is matched to its connection by name (``<op name>_schedule``)."""
    if not assets:  # a workspace without connections (or without enabled streams)
        return []
    assets = with_recorded_schedules(assets, record)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AirbyteScheduleWarning)  # each is explained below
        schedules = {
            schedule.name: schedule
            for schedule in build_airbyte_schedules_from_airbyte(assets, on_unsupported="warn")
        }
    found = []
    for connection in connections_in(assets).values():
        schedule = connection_schedule(connection)
        dagster_schedule = schedules.get(f"{connection.sync_name}_schedule")
        name = str(connection.specs[0].metadata.get(md.CONNECTION_NAME, ""))
        found.append(
            _Mirroring(
                connection.connection_id,
                name,
                schedule,
                dagster_schedule,
                "" if dagster_schedule else _why_not_mirrored(schedule),
            )
        )
    return found


def _why_not_mirrored(schedule: ConnectionSchedule) -> str:
    try:
        schedule_to_cron(schedule)
    except UnsupportedSchedule as error:
        return f"{describe(schedule.to_api())} has no Dagster equivalent ({error.reason})"
    return f"{describe(schedule.to_api())} in Airbyte: no Dagster schedule mirrors it"


def _hand_over_step(client: AirbyteClient, entry: _Mirroring) -> ScheduleChange:
    """The plan for one connection, from its schedule in Airbyte now."""

    def change(outcome: Outcome, schedule: dict[str, str], detail: str) -> ScheduleChange:
        dagster_schedule = entry.dagster_schedule.name if entry.dagster_schedule else None
        return ScheduleChange(
            entry.connection_id, entry.name, outcome, schedule, detail, dagster_schedule
        )

    if entry.dagster_schedule is None:
        return change("not mirrored", entry.schedule.to_api(), f"{entry.why_not}.")
    try:
        live = client.get_connection(entry.connection_id)
    except AirbyteNotFound:
        return change("skipped", entry.schedule.to_api(), "Airbyte no longer has it (404).")
    now = live.schedule.to_api()
    runner = _runner(entry.dagster_schedule)
    if live.schedule.schedule_type == "manual":
        return change("already manual", now, f"manual in Airbyte; {runner}.")
    if live.schedule != entry.schedule:
        return change(
            "skipped",
            now,
            f"Airbyte now runs it on {describe(now)} but the assets mirror "
            f"{describe(entry.schedule.to_api())}; load the definitions again (refresh the "
            "snapshot) first.",
        )
    detail = f"{describe(now)} -> manual; {runner}"
    reason = live.schedule.unsettable_reason
    if reason:
        detail += f"; restore by hand only: {reason}"
    return change("would hand over", now, detail + ".")


def _runner(schedule: dg.ScheduleDefinition) -> str:
    return (
        f"Dagster's {schedule.name} runs it ({schedule.cron_schedule} "
        f"{schedule.execution_timezone or 'UTC'})"
    )


def _apply_hand_over(
    client: AirbyteClient,
    changes: list[ScheduleChange],
    path: pathlib.Path,
    record: dict[str, Any],
) -> list[ScheduleChange]:
    """Record first, then PATCH; the record ends up holding what was changed (and what may
    have been: a connection whose state is unknown after an error keeps its entry)."""
    to_change = [change for change in changes if change.outcome == "would hand over"]
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for change in to_change:
        record[change.connection_id] = {
            "name": change.connection_name,
            "previous_schedule": change.schedule,
            "handed_over_at": when,
            "dagster_schedule": change.dagster_schedule,
        }
    write_record(path, client.api_url, record)
    done = {}
    for change in to_change:
        done[change.connection_id], applied = patch_schedule(
            client, change, MANUAL, confirm=lambda c: c.schedule.schedule_type == "manual"
        )
        if applied is False:  # nothing was changed: nothing to restore
            del record[change.connection_id]
    write_record(path, client.api_url, record)
    return [done.get(change.connection_id, change) for change in changes]
