"""The one write to Airbyte: a single ``PATCH /connections/{id}`` that sets a connection's
schedule, and the check of Airbyte's answer (the schedule asked for, the streams untouched).
A PATCH is not retried; when its answer is lost, the connection is read again to learn whether
it applied. The hand-over and the restore both change schedules through :func:`patch_schedule`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteConnection,
    AirbyteError,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.web import connection_url
from airbyte_cloud_dagster.automation.handover.plan import Outcome, ScheduleChange
from airbyte_cloud_dagster.automation.handover.text import describe

MANUAL = ConnectionSchedule("manual")

# What a dry run promises, and what applying it did.
_APPLIED: dict[str, Outcome] = {"would hand over": "handed over", "would restore": "restored"}


def patch_schedule(
    client: AirbyteClient,
    change: ScheduleChange,
    schedule: ConnectionSchedule,
    *,
    confirm: Callable[[AirbyteConnection], bool],
) -> tuple[ScheduleChange, bool | None]:
    """Send one PATCH and check Airbyte's answer: the schedule asked for, the streams kept.

    Returns the change as done (or failed) and whether Airbyte now has ``schedule``: True,
    False, or None when that is unknown (the request failed and reading it again did too).
    """

    def result(outcome: Outcome, detail: str) -> ScheduleChange:
        return dataclasses.replace(change, outcome=outcome, detail=detail)

    try:
        before = client.get_connection(change.connection_id)
        after = client.patch_connection(change.connection_id, schedule=schedule)
    except AirbyteError as error:
        try:  # a lost answer (PATCH is not retried): did it apply anyway?
            applied: bool | None = confirm(client.get_connection(change.connection_id))
        except AirbyteError:
            applied = None
        if applied:
            return result(_APPLIED[change.outcome], change.detail), True
        return result("failed", f"{error}"), applied
    if not confirm(after):
        return result(
            "failed",
            f"Airbyte answered with {describe(after.schedule.to_api())}, not "
            f"{describe(schedule.to_api())}.",
        ), False
    if after.streams != before.streams:
        # docs/airbyte/behaviour.md, "Changing a connection": some server versions replaced the
        # streams of a PATCH that named none.
        page = connection_url(client.api_url, after.workspace_id, after.connection_id)
        return result(
            "failed",
            f"{change.detail.rstrip('.')}, but Airbyte also changed its streams; check them "
            f"on {page}.",
        ), True
    return result(_APPLIED[change.outcome], change.detail), True
