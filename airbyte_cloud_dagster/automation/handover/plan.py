"""What a hand-over or restore would do, or did: one :class:`ScheduleChange` per connection in a
:class:`HandOverPlan`, whose ``str()`` is one line per connection and a summary, and the error a
bad record raises. Nothing here reads from or writes to Airbyte::

    plan = hand_over_schedules(airbyte, assets)
    print(plan)                                   # "would hand over: 'App Postgres' (...): ..."
    [change.connection_id for change in plan.pending]
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Literal

from airbyte_cloud_dagster.api import AirbyteError

Outcome = Literal[
    "would hand over",
    "handed over",
    "already manual",
    "not mirrored",
    "would restore",
    "restored",
    "already restored",
    "restore by hand",
    "skipped",
    "failed",
]


class AirbyteHandOverError(AirbyteError):
    """The hand-over record is missing, unreadable, or was written for another Airbyte."""


@dataclass(frozen=True)
class ScheduleChange:
    """One connection in a hand-over or restore plan.

    ``schedule`` is the connection's schedule as Airbyte served it when the plan was made
    (``{"scheduleType": "cron", "cronExpression": "0 0 12 * * ? UTC"}``; for a connection not
    mirrored, which is not read again, as the assets' metadata has it); ``detail`` says in one
    sentence what happens to it, or why nothing does; ``dagster_schedule`` names the mirroring
    schedule.
    """

    connection_id: str
    connection_name: str
    outcome: Outcome
    schedule: dict[str, str]
    detail: str
    dagster_schedule: str | None = None

    def line(self) -> str:
        return f"{self.outcome}: '{self.connection_name}' ({self.connection_id}): {self.detail}"


@dataclass(frozen=True)
class HandOverPlan:
    """What :func:`hand_over_schedules` or :func:`restore_schedules` would do, or did.

    ``str(plan)`` is one line per connection and a summary. ``applied`` is False for a dry run
    (nothing was changed in Airbyte, nor written to ``record_path``).
    """

    action: Literal["hand over", "restore"]
    applied: bool
    api_url: str
    record_path: pathlib.Path
    changes: tuple[ScheduleChange, ...] = field(default_factory=tuple)

    def by_outcome(self, *outcomes: Outcome) -> list[ScheduleChange]:
        return [change for change in self.changes if change.outcome in outcomes]

    @property
    def changed(self) -> list[ScheduleChange]:
        """The connections whose schedule this call changed in Airbyte."""
        return self.by_outcome("handed over", "restored")

    @property
    def pending(self) -> list[ScheduleChange]:
        """The connections a dry run would change."""
        return self.by_outcome("would hand over", "would restore")

    @property
    def failed(self) -> list[ScheduleChange]:
        return self.by_outcome("failed")

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.outcome] = counts.get(change.outcome, 0) + 1
        tally = ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "no connections"
        if not self.applied:
            return f"Dry run at {self.api_url}: {tally}. Nothing was changed."
        record = f"record: {self.record_path}"
        return f"{self.action.capitalize()} at {self.api_url}: {tally}; {record}."

    def __str__(self) -> str:
        return "\n".join([*(change.line() for change in self.changes), self.summary()])
