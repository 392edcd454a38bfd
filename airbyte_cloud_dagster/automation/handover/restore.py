"""Putting back, in Airbyte, the schedules the hand-over recorded, only on connections still
manual. What the public API cannot do (docs/airbyte/behaviour.md, "Changing a connection") is
set a ``basic`` schedule, or a ``cron`` one in a time zone other than UTC: such connections are
listed as ``restore by hand`` with their page in Airbyte's web app, and keep their entry::

    print(restore_schedules(airbyte))              # the plan
    print(restore_schedules(airbyte, apply=True))  # back as it was
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteConnection,
    AirbyteNotFound,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.web import connection_url
from airbyte_cloud_dagster.automation.handover.inputs import open_record
from airbyte_cloud_dagster.automation.handover.patch import patch_schedule
from airbyte_cloud_dagster.automation.handover.plan import HandOverPlan, Outcome, ScheduleChange
from airbyte_cloud_dagster.automation.handover.record import DEFAULT_RECORD_PATH, write_record
from airbyte_cloud_dagster.automation.handover.text import describe, log_plan
from airbyte_cloud_dagster.resource import AirbyteCloudResource


def restore_schedules(
    airbyte: AirbyteCloudResource | AirbyteClient,
    record_path: str | os.PathLike[str] = DEFAULT_RECORD_PATH,
    *,
    apply: bool = False,
    logger: logging.Logger | None = None,
) -> HandOverPlan:
    """Put back the schedules :func:`hand_over_schedules` recorded, on connections still manual.

    Each recorded connection is read again: one still manual gets its previous schedule back
    exactly (cron expression and time zone); one whose schedule was changed since is left alone
    and the plan says so; a schedule the public API cannot set (basic, cron outside UTC) is
    listed as ``restore by hand`` with the connection's page. Dry run by default;
    ``apply=True`` sends one ``PATCH /connections/{id}`` per connection and removes the
    restored ones from the record. A missing record, or one written for another ``api_url``,
    raises :class:`AirbyteHandOverError`.

    >>> print(restore_schedules(airbyte, "airbyte_schedule_handover.json", apply=True))
    """
    log = logger or logging.getLogger("airbyte_cloud_dagster")
    client, path, record = open_record(airbyte, record_path, missing_ok=False)
    changes = [
        _restore_step(client, connection_id, entry)
        for connection_id, entry in sorted(record.items(), key=lambda item: item[1]["name"])
    ]
    done = ("would restore", "already restored")
    if apply and any(change.outcome in done for change in changes):
        for index, change in enumerate(changes):
            if change.outcome == "already restored":
                del record[change.connection_id]
            if change.outcome != "would restore":
                continue
            previous = record[change.connection_id]["previous_schedule"]
            changes[index], applied = patch_schedule(
                client,
                change,
                ConnectionSchedule.from_api(previous),
                confirm=_serves(previous),
            )
            if applied:
                del record[change.connection_id]
        write_record(path, client.api_url, record)
    plan = HandOverPlan("restore", apply, client.api_url, path, tuple(changes))
    log_plan(plan, log)
    return plan


def _serves(schedule: dict[str, str]) -> Callable[[AirbyteConnection], bool]:
    """Whether a connection's schedule is exactly ``schedule`` as Airbyte serves it."""
    return lambda connection: connection.schedule.to_api() == schedule


def _restore_step(
    client: AirbyteClient, connection_id: str, entry: dict[str, Any]
) -> ScheduleChange:
    previous: dict[str, str] = entry["previous_schedule"]

    def change(outcome: Outcome, detail: str, schedule: dict[str, str]) -> ScheduleChange:
        return ScheduleChange(
            connection_id, entry["name"], outcome, schedule, detail, entry.get("dagster_schedule")
        )

    try:
        live = client.get_connection(connection_id)
    except AirbyteNotFound:
        return change("skipped", "Airbyte no longer has it (404).", previous)
    now = live.schedule.to_api()
    if now == previous:  # put back by hand (a basic schedule, say): the entry is done
        return change("already restored", f"Airbyte runs it on {describe(now)} again.", now)
    if live.schedule.schedule_type != "manual":
        return change(
            "skipped",
            f"changed since the hand-over (Airbyte now runs it on {describe(now)}); left alone.",
            now,
        )
    reason = ConnectionSchedule.from_api(previous).unsettable_reason
    if reason:
        page = connection_url(client.api_url, live.workspace_id, connection_id)
        return change(
            "restore by hand",
            f"set {describe(previous)} back on {page}: {reason}.",
            now,
        )
    dagster_schedule = entry.get("dagster_schedule")
    turn_off = f"; turn off Dagster's {dagster_schedule}" if dagster_schedule else ""
    return change("would restore", f"manual -> {describe(previous)}{turn_off}.", now)
