"""``PATCH /connections/{connectionId}`` (``patchConnection``): the changes a body asks for, checked
as the real server checks them (docs/airbyte/behaviour.md, "Changing a connection").

The sandbox changes ``name``, ``status`` and ``schedule``; the other fields of
``ConnectionPatchRequest`` are refused with a 422 naming the sandbox, rather than ignored.
What the real server does with a schedule, and this module does too:

- ``scheduleType`` is ``manual`` or ``cron`` (``ScheduleTypeEnum``): a basic schedule can be
  read through the API but not set; anything else is a 400.
- ``cron``: a ``cronExpression`` is required; a trailing ``UTC`` is dropped and the rest must be
  a Quartz expression (6 or 7 fields) whose seconds and minutes are single numbers; it is
  stored in time zone UTC, so it is served back as ``<expression> UTC``. An expression with
  another time zone after it is not valid.
- ``manual`` *without* a ``cronExpression`` changes nothing (the server drops such a schedule
  before applying the patch) and the answer still shows the old schedule; with any
  ``cronExpression`` (not checked, not kept) the connection becomes manual.

>>> parse_connection_patch({"schedule": {"scheduleType": "cron", "cronExpression": "0 0 6 * * ?"}})
ConnectionPatch(name=None, status=None, schedule=ScheduleSeed(schedule_type='cron', ...))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from airbyte_cloud_dagster.sandbox.problems import Problem, bad_request
from airbyte_cloud_dagster.sandbox.seed import ScheduleSeed

SCHEDULE_TYPES = ("manual", "cron")
STATUSES = ("active", "inactive", "deprecated", "locked")
# ConnectionPatchRequest's other fields: real, but not changed by the sandbox.
NOT_SUPPORTED = (
    "configurations",
    "dataResidency",
    "namespaceDefinition",
    "namespaceFormat",
    "prefix",
    "nonBreakingSchemaUpdatesBehavior",
    "tags",
)
QUARTZ_DOCS = (
    "https://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html"
)

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# name, lowest, highest, names for the values, extra Quartz characters allowed in the field
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], str], ...] = (
    ("seconds", 0, 59, (), ""),
    ("minutes", 0, 59, (), ""),
    ("hours", 0, 23, (), ""),
    ("day-of-month", 1, 31, (), "?LW"),
    ("month", 1, 12, _MONTHS, ""),
    ("day-of-week", 1, 7, _WEEKDAYS, "?L#"),
    ("year", 1970, 2099, (), ""),
)


@dataclass(frozen=True)
class ConnectionPatch:
    """What a PATCH changes; ``None`` leaves a field as it is."""

    name: str | None = None
    status: str | None = None
    schedule: ScheduleSeed | None = None

    def changes(self) -> dict[str, Any]:
        """The ``ConnectionSeed`` fields to replace."""
        fields = {"name": self.name, "status": self.status, "schedule": self.schedule}
        return {key: value for key, value in fields.items() if value is not None}


def parse_connection_patch(body: dict[str, Any]) -> ConnectionPatch:
    """The changes a ``ConnectionPatchRequest`` asks for; a :class:`Problem` when refused."""
    unsupported = [key for key in NOT_SUPPORTED if body.get(key) is not None]
    if unsupported:
        raise Problem(
            "unprocessable-entity",
            f"The sandbox changes only name, status and schedule of a connection; "
            f"{', '.join(unsupported)} cannot be changed here.",
        )
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise bad_request(f"'name' must be a string, got {name!r}.")
    status = body.get("status")
    if status is not None and status not in STATUSES:
        raise bad_request(f"'status' must be one of {', '.join(STATUSES)}; got {status!r}.")
    schedule = body.get("schedule")
    return ConnectionPatch(
        name=name,
        status=status,
        schedule=None if schedule is None else parse_schedule(schedule),
    )


def parse_schedule(schedule: Any) -> ScheduleSeed | None:
    """An ``AirbyteApiConnectionSchedule``, as the schedule it sets (None: left unchanged)."""
    if not isinstance(schedule, dict):
        raise bad_request(f"'schedule' must be an object, got {schedule!r}.")
    schedule_type = schedule.get("scheduleType")
    if schedule_type not in SCHEDULE_TYPES:
        raise bad_request(
            f"'schedule.scheduleType' must be one of {', '.join(SCHEDULE_TYPES)}; got "
            f"{schedule_type!r} (a basic schedule cannot be set through the public API)."
        )
    expression = schedule.get("cronExpression")
    if expression is not None and not isinstance(expression, str):
        raise bad_request(f"'schedule.cronExpression' must be a string, got {expression!r}.")
    if schedule_type == "manual":
        # The real server drops a schedule without cronExpression before applying the patch.
        return None if expression is None else ScheduleSeed("manual")
    if expression is None:
        raise bad_request("Missing cron expression in the schedule.")
    normalized = expression.replace("UTC", "").strip() if expression.endswith("UTC") else expression
    check_quartz(normalized, shown=expression)
    return ScheduleSeed("cron", cron_expression=f"{normalized} UTC")


def check_quartz(expression: str, *, shown: str) -> None:
    """A 400 unless ``expression`` is Quartz (6 or 7 fields, no time zone) whose seconds and
    minutes are single numbers; ``shown`` is the expression as the client sent it."""
    fields = expression.split()
    if len(fields) not in (6, 7):
        raise _not_valid(shown, f"Cron expression contains {len(fields)} parts but we expect 6-7")
    for text, (name, low, high, names, extra) in zip(fields, _FIELDS, strict=False):
        error = _field_error(text.upper(), low, high, names, extra)
        if error:
            raise _not_valid(shown, f"Invalid {name} field {text!r}: {error}")
    day_of_month, day_of_week = fields[3], fields[5]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise _not_valid(shown, "use '?' in exactly one of day-of-month and day-of-week")
    for text in fields[:2]:
        if not re.fullmatch(r"\d+", text):
            raise bad_request(
                f"The cron expression {shown} is not valid or is less than the one hour "
                "minimum. The seconds and minutes values cannot be `*`."
            )


def _not_valid(shown: str, error: str) -> Problem:
    return bad_request(
        f"The cron expression {shown} is not valid. Error: {error}. Please check the cron "
        f"expression format at {QUARTZ_DOCS}"
    )


def _field_error(text: str, low: int, high: int, names: tuple[str, ...], extra: str) -> str | None:
    """Why one Quartz field is not valid, or None."""
    if text in ("*", "?") and (text == "*" or "?" in extra):
        return None
    for part in text.split(","):
        base, _, step = part.partition("/")
        error = _base_error(base, low, high, names, extra)
        if error:
            return error
        if step and not (step.isdigit() and int(step) >= 1):
            return f"step {step!r} is not a positive number"
    return None


def _base_error(base: str, low: int, high: int, names: tuple[str, ...], extra: str) -> str | None:
    """Why one item of a field (a value, a range, or a Quartz special) is not valid, or None."""
    if base == "*" or (base == "L" and "L" in extra) or (base == "LW" and "W" in extra):
        return None
    if "#" in base and "#" in extra:
        day, _, nth = base.partition("#")
        if _value(day, low, high, names) is None or nth not in ("1", "2", "3", "4", "5"):
            return f"{base!r} is not a weekday followed by #1 to #5"
        return None
    if base.endswith(("L", "W")) and base[-1] in extra and base[:-1]:
        base = base[:-1]
    start, _, end = base.partition("-")
    ends = [start, end] if end else [start]
    if any(_value(value, low, high, names) is None for value in ends):
        return f"values must be {low}-{high}{' or their names' if names else ''}"
    return None


def _value(text: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if text in names:
        return low + names.index(text)
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None
