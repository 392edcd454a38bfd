"""Airbyte's own schedules (Quartz cron or basic timing) as five-field Dagster cron schedules.

An Airbyte connection runs by itself on a ``cron`` schedule, a **Quartz** expression followed
by a time zone, or a ``basic`` one like ``Every 24 HOURS`` (docs/airbyte/behaviour.md,
"Connections"). Quartz differs from the cron Dagster evaluates: a seconds field first, an
optional year field last,
``?`` for "no specific value", and day-of-week 1-7 = SUN-SAT where cron counts 0-6. This module
translates what has an exact equivalent and refuses the rest, never returning a schedule that
fires at other times than Airbyte's would.

Field syntax (ranges, steps, lists, month and weekday names) is parsed by ``croniter``, the
library Dagster's own scheduler is built on; this module only does what is Quartz-specific.

>>> quartz_to_cron("0 0/30 9-17 ? * MON-FRI America/New_York")
CronSchedule(cron='0,30 9-17 * * 1-5', timezone='America/New_York')
>>> basic_timing_to_cron("Every 15 MINUTES")
CronSchedule(cron='*/15 * * * *', timezone='UTC')
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from croniter import CroniterError, croniter

from airbyte_cloud_dagster.api import ConnectionSchedule
from airbyte_cloud_dagster.api.models.connections import UNKNOWN_SCHEDULE, split_time_zone

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (lowest value, highest value) of the five cron fields, as croniter expands them.
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_BASIC = re.compile(r"every\s+(\d+)\s+(minute|hour|day|week|month)s?", re.IGNORECASE)


@dataclass(frozen=True)
class CronSchedule:
    """A five-field cron expression and the IANA time zone it is evaluated in."""

    cron: str
    timezone: str = "UTC"


class UnsupportedSchedule(ValueError):
    """An Airbyte schedule with no exact five-field cron equivalent (or not valid at all).

    ``reason`` is a clause without a final period: the callers say what to do after it
    (``"...: '0 0 12 L * ? UTC': 'L' (last) in ...; schedule its assets with ..."``).
    """

    def __init__(self, expression: str, reason: str) -> None:
        reason = reason.rstrip(".")
        super().__init__(f"{expression!r}: {reason}")
        self.expression = expression
        self.reason = reason


def schedule_to_cron(schedule: ConnectionSchedule) -> CronSchedule | None:
    """The Dagster equivalent of a connection's schedule; None for a manual connection.

    >>> schedule_to_cron(ConnectionSchedule("basic", basic_timing="Every 24 HOURS"))
    CronSchedule(cron='0 0 * * *', timezone='UTC')
    """
    if schedule.schedule_type == "cron":
        return quartz_to_cron(schedule.cron_expression or "")
    if schedule.schedule_type == "basic":
        return basic_timing_to_cron(schedule.basic_timing or "")
    if schedule.schedule_type == "manual":
        return None
    if schedule.schedule_type == UNKNOWN_SCHEDULE:
        raise UnsupportedSchedule(
            "(unreadable)",
            "Airbyte's answer had no readable schedule for this connection (no scheduleType); "
            "its tables load, but its schedule cannot be mirrored: check it in Airbyte.",
        )
    raise UnsupportedSchedule(
        schedule.schedule_type, "unknown schedule type; expected manual, cron or basic."
    )


def quartz_to_cron(expression: str) -> CronSchedule:
    """Translate ``<sec> <min> <hour> <day-of-month> <month> <day-of-week> [year] [zone]``.

    Refused (``UnsupportedSchedule``): seconds other than 0, ``L``, ``W`` and ``#`` (no
    five-field equivalent), a year field that restricts years, and ``?`` anywhere but in exactly
    one of the two day fields (Quartz's own rule).
    """
    fields, timezone = _split(expression)
    seconds, minutes, hours, day_of_month, month, day_of_week, *year = fields
    if not re.fullmatch(r"0+", seconds):
        raise UnsupportedSchedule(
            expression,
            f"the seconds field is {seconds!r}; Dagster schedules fire on whole minutes, so "
            "only 0 has an equivalent.",
        )
    if year and year[0] != "*":
        raise UnsupportedSchedule(
            expression, f"the year field {year[0]!r} restricts years; cron has no year field."
        )
    for name, field, names in (
        ("minutes", minutes, ()),
        ("hours", hours, ()),
        ("day-of-month", day_of_month, ()),
        ("month", month, _MONTHS),
        ("day-of-week", day_of_week, _WEEKDAYS),
    ):
        _refuse_quartz_only(expression, name, field, names)
    _check_question_marks(expression, minutes, hours, month, day_of_month, day_of_week)
    cron_fields = [
        minutes,
        hours,
        "*" if day_of_month == "?" else day_of_month,
        month,
        "*" if day_of_week == "?" else _shift_weekdays(expression, day_of_week),
    ]
    return CronSchedule(_normalise(expression, cron_fields), timezone)


def basic_timing_to_cron(timing: str) -> CronSchedule:
    """Translate a basic schedule (``Every 15 MINUTES``, ``Every 24 HOURS``) into UTC cron.

    Airbyte counts a basic interval from the previous sync; the cron fires at the same rate on
    clock boundaries (``Every 6 HOURS`` at 00:00, 06:00...). Intervals that do not divide the
    hour or the day evenly have no cron equivalent and are refused.
    """
    parsed = parse_basic_timing(timing)
    if parsed is None:
        raise UnsupportedSchedule(timing, "not a basic timing like 'Every 24 HOURS'.")
    every, unit = parsed
    if unit == "minute" and every in range(1, 60) and 60 % every == 0:
        return CronSchedule("* * * * *" if every == 1 else f"*/{every} * * * *")
    if unit == "minute" and every % 60 == 0:
        every, unit = every // 60, "hour"
    if unit == "hour" and every in range(1, 24) and 24 % every == 0:
        return CronSchedule("0 * * * *" if every == 1 else f"0 */{every} * * *")
    if (unit == "hour" and every == 24) or (unit == "day" and every == 1):
        return CronSchedule("0 0 * * *")
    if unit == "week" and every == 1:
        return CronSchedule("0 0 * * 0")
    if unit == "month" and every == 1:
        return CronSchedule("0 0 1 * *")
    raise UnsupportedSchedule(
        timing,
        f"every {every} {unit}s does not divide the hour, the day or the calendar evenly, so "
        "no cron expression fires at exactly that rate.",
    )


def parse_basic_timing(timing: str) -> tuple[int, str] | None:
    """The number and the unit of a basic timing; None if ``timing`` is not one.

    Case and a plural ``s`` do not matter; the unit comes back lower case and singular.

    >>> parse_basic_timing("Every 24 HOURS")
    (24, 'hour')
    """
    match = _BASIC.fullmatch(timing.strip())
    return None if match is None else (int(match.group(1)), match.group(2).lower())


def cron_ranges(values: Sequence[int]) -> str:
    """Ascending, distinct ``values`` as a cron field of single values and ranges.

    >>> cron_ranges([1, 2, 3, 4, 5, 7])
    '1-5,7'
    """
    runs: list[str] = []
    start = previous = values[0]
    for value in [*values[1:], None]:
        if value is not None and value == previous + 1:
            previous = value
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        if value is not None:
            start = previous = value
    return ",".join(runs)


def _split(expression: str) -> tuple[list[str], str]:
    tokens, written_zone = split_time_zone(expression)
    timezone = written_zone or "UTC"
    if len(tokens) not in (6, 7):
        raise UnsupportedSchedule(
            expression,
            "a Quartz expression has 6 or 7 fields (seconds first, optional year last) "
            "followed by a time zone.",
        )
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnsupportedSchedule(expression, f"unknown time zone {timezone!r}.") from None
    return [token.upper() for token in tokens], timezone


def _refuse_quartz_only(expression: str, name: str, field: str, names: Sequence[str]) -> None:
    bare = field
    for word in names:  # JUL and WED contain letters that are Quartz operators elsewhere
        bare = bare.replace(word, "")
    meaning = {"L": "last", "W": "nearest weekday", "#": "n-th weekday of the month"}
    for char, what in meaning.items():
        if char in bare:
            raise UnsupportedSchedule(
                expression,
                f"'{char}' ({what}) in the {name} field has no equivalent in cron that Dagster "
                "evaluates.",
            )


def _check_question_marks(expression: str, *fields: str) -> None:
    minutes, hours, month, day_of_month, day_of_week = fields
    if "?" in minutes + hours + month or "?" in day_of_month[1:] or "?" in day_of_week[1:]:
        raise UnsupportedSchedule(
            expression, "'?' may only stand alone in the day-of-month or day-of-week field."
        )
    if (day_of_month == "?") == (day_of_week == "?"):
        raise UnsupportedSchedule(
            expression,
            "Quartz needs '?' in exactly one of the day-of-month and day-of-week fields.",
        )


def _shift_weekdays(expression: str, field: str) -> str:
    """Quartz counts SUN-SAT as 1-7, cron as 0-6; step sizes after '/' are not days."""

    def shift(match: re.Match[str]) -> str:
        day = int(match.group(0))
        if not 1 <= day <= 7:
            raise UnsupportedSchedule(
                expression, f"day-of-week {day} is out of Quartz's range 1-7 (SUN-SAT)."
            )
        return str(day - 1)

    return re.sub(r"(?<![/\d])\d+", shift, field)


def _normalise(expression: str, fields: list[str]) -> str:
    """Expand with croniter (it validates) and write each field back in its shortest form."""
    try:
        expanded, _ = croniter.expand(" ".join(fields))
    except (CroniterError, ValueError) as error:
        raise UnsupportedSchedule(expression, f"not a valid schedule ({error}).") from None
    return " ".join(
        _compact(values, low, high)
        for values, (low, high) in zip(expanded[:5], _CRON_RANGES, strict=True)
    )


def _compact(values: list[int | str], low: int, high: int) -> str:
    if values == ["*"]:
        return "*"
    numbers = sorted({int(v) for v in values})
    if len(numbers) > 2:
        step = numbers[1] - numbers[0]
        if numbers == list(range(numbers[0], high + 1, step))[: len(numbers)] and (
            numbers[-1] + step > high
        ):
            first = "*" if numbers[0] == low else f"{numbers[0]}-{high}"
            if step > 1:
                return f"{first}/{step}"
    return cron_ranges(numbers)
