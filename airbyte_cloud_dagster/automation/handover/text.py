"""Words the hand-over, the restore and their PATCH share: a schedule as Airbyte serves it, in
a few words (``cron '0 0 12 * * ? UTC'``, ``manual``), and a plan logged at DEBUG, one line per
connection and the summary."""

from __future__ import annotations

import logging

from airbyte_cloud_dagster.automation.handover.plan import HandOverPlan


def describe(schedule: dict[str, str]) -> str:
    """A schedule as Airbyte serves it, in a few words: ``cron '0 0 12 * * ? UTC'``, ``manual``."""
    kind = schedule.get("scheduleType", "?")
    expression = schedule.get("cronExpression") or schedule.get("basicTiming")
    return f"{kind} {expression!r}" if expression else kind


def log_plan(plan: HandOverPlan, log: logging.Logger) -> None:
    """The plan at DEBUG (``print(plan)`` shows it; the CLI prints it)."""
    for change in plan.changes:
        log.debug("Airbyte schedule %s", change.line())
    log.debug("%s", plan.summary())
