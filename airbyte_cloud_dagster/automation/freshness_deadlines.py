"""The arithmetic behind ``freshness.py``: when an Airbyte schedule's syncs are due.

A basic schedule waits ``basic_interval`` after each sync (a month is 30 days, as in Airbyte).
For a cron schedule, ``cron_policy`` moves each run ``grace`` later, rounded up to whole
minutes, and names the moved runs in one cron expression: the deadlines of a Dagster cron
policy. Where one expression cannot name them all, it names the largest hours x minutes grid
of them, on day fields cron can say (runs moved past midnight move their weekdays or days of
the month too). Where runs come closer together than the grace, or no day fields fit, it falls
back to a time window: the longest wait between two runs, over a 28-year calendar cycle, +
grace (+ the hour the clocks go back, in a zone with daylight saving time).

>>> cron_policy(CronSchedule("0,30 9-17 * * 1-5"), timedelta(minutes=30)).deadline_cron
'0,30 10-17 * * 1-5'
>>> basic_interval("Every 2 WEEKS")
datetime.timedelta(days=14)
"""

from __future__ import annotations

import functools
import math
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

import dagster as dg
from croniter import croniter

from airbyte_cloud_dagster.automation.cron import (
    CronSchedule,
    UnsupportedSchedule,
    cron_ranges,
    parse_basic_timing,
)

_MINUTE = timedelta(minutes=1)
_DAY = 24 * 60  # minutes
# Airbyte's basic time units (its ScheduleHelpers.getSecondsInUnit): a month is 30 days.
_UNITS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
}
# Weekdays, month lengths and leap years repeat every 28 years from 1901 to 2099.
_CYCLE_START = date(2001, 1, 1)
_CYCLE_DAYS = (date(2029, 1, 1) - _CYCLE_START).days


def basic_interval(timing: str) -> timedelta:
    """How long Airbyte waits after a sync to start the next (``Every 24 HOURS``: 24 hours).

    Any interval has a freshness window, ``Every 5 HOURS`` too, though it has no mirrored
    schedule (``cron.basic_timing_to_cron`` needs intervals that divide the day).
    """
    parsed = parse_basic_timing(timing)
    if parsed is None or parsed[0] < 1:
        raise UnsupportedSchedule(timing, "not a basic timing like 'Every 24 HOURS'.")
    every, unit = parsed
    return every * _UNITS[unit]


def cron_policy(schedule: CronSchedule, grace: timedelta) -> dg.FreshnessPolicy:
    """The freshness policy of a cron schedule's tables (module docstring).

    Raises ``cron.UnsupportedSchedule`` for a schedule that runs on no day, or once in 28 years.
    """
    runs = _runs_of(schedule.cron)
    minutes = math.ceil(grace / _MINUTE)  # a deadline is on a whole minute, never earlier
    deadline = runs.deadlines(minutes) if minutes <= runs.shortest_gap else None
    if deadline is not None:
        return dg.FreshnessPolicy.cron(
            deadline_cron=deadline,
            lower_bound_delta=timedelta(minutes=minutes),
            timezone=schedule.timezone,
        )
    longest = timedelta(minutes=runs.longest_gap) + _daylight_saving_shift(schedule.timezone)
    return dg.FreshnessPolicy.time_window(fail_window=longest + grace)


@dataclass(frozen=True)
class _Runs:
    """When a five-field cron runs: at which minutes of the day, on which days, how far apart."""

    fields: tuple[str, ...]
    times: tuple[int, ...]  # minutes after midnight, ascending
    day_of_month: frozenset[int] | None  # None: any
    month: frozenset[int] | None
    day_of_week: frozenset[int] | None  # 0-6 from Sunday
    shortest_gap: int = 0  # minutes between two consecutive runs (wall clock)
    longest_gap: int = 0

    @property
    def every_day(self) -> bool:
        return self.day_of_month is None and self.month is None and self.day_of_week is None

    def runs_on(self, day: date) -> bool:
        if self.month is not None and day.month not in self.month:
            return False
        by_month = self.day_of_month is None or day.day in self.day_of_month
        by_week = self.day_of_week is None or (day.weekday() + 1) % 7 in self.day_of_week
        if self.day_of_month is not None and self.day_of_week is not None:
            return by_month or by_week  # cron's rule when both are restricted
        return by_month and by_week

    def deadlines(self, minutes: int) -> str | None:
        """A cron expression that fires ``minutes`` after each of these runs, or after as many
        of them as one cron expression can name; None if it can name none."""
        by_day: dict[int, set[int]] = {}  # days later -> times of day
        for time in self.times:
            by_day.setdefault(0 if self.every_day else (time + minutes) // _DAY, set()).add(
                (time + minutes) % _DAY
            )
        best: tuple[int, str] | None = None
        for days_later, times in sorted(by_day.items()):
            day_fields = self._days_later(days_later)
            if day_fields is None:
                continue
            hours, minute_values = _largest_grid(times)
            count = len(hours) * len(minute_values)
            if best is None or count > best[0]:
                cron = (_field(minute_values, 0, 59), _field(hours, 0, 23), *day_fields)
                best = (count, " ".join(cron))
        return best[1] if best else None

    def _days_later(self, later: int) -> tuple[str, ...] | None:
        """The three day fields of runs moved ``later`` days on, if cron can say them."""
        if self.every_day or later == 0:
            return self.fields[2:]
        if self.day_of_week is not None and self.day_of_month is None and self.month is None:
            weekdays = sorted({(d + later) % 7 for d in self.day_of_week})
            return (*self.fields[2:4], _field(weekdays, 0, 6))
        if self.day_of_month is not None and self.day_of_week is None:
            if max(self.day_of_month) + later > 28:
                return None  # a day that some months do not have
            month_days = sorted(d + later for d in self.day_of_month)
            return (_field(month_days, 1, 31), *self.fields[3:])
        return None  # runs in some months only: the moved runs would cross into others


def _largest_grid(times: set[int]) -> tuple[list[int], list[int]]:
    """The most times of day (minutes after midnight) that one hours x minutes grid names.

    9:30, 10:00, 10:30 ... 17:30, 18:00 (business hours every 30 minutes, 30 minutes later):
    hours 10-17 x minutes 0,30; 9:30 and 18:00 are left out.
    """
    hours_at: dict[int, set[int]] = {}  # minute of the hour -> hours
    for time in times:
        hours_at.setdefault(time % 60, set()).add(time // 60)
    candidates = [(set.intersection(*hours_at.values()), set(hours_at))]
    for hours in hours_at.values():
        candidates.append((hours, {m for m, more in hours_at.items() if more >= hours}))
    hours, minute_values = max(candidates, key=lambda grid: len(grid[0]) * len(grid[1]))
    return sorted(hours), sorted(minute_values)


@functools.lru_cache(maxsize=256)
def _runs_of(cron: str) -> _Runs:
    expanded, _ = croniter.expand(cron)
    minutes, hours, day_of_month, month, day_of_week = (_values(f) for f in expanded[:5])
    times = tuple(sorted(60 * h + m for h in hours or range(24) for m in minutes or range(60)))
    runs = _Runs(tuple(cron.split()), times, day_of_month, month, day_of_week)
    if runs.every_day:
        days = [_CYCLE_START, _CYCLE_START + timedelta(days=1)]
    else:
        cycle = (_CYCLE_START + timedelta(days=n) for n in range(_CYCLE_DAYS))
        days = [day for day in cycle if runs.runs_on(day)]
    overnight = times[0] - times[-1]
    gaps = [b - a for a, b in pairwise(times)]
    gaps += [(b - a).days * _DAY + overnight for a, b in pairwise(days)]
    if len(days) < 2:
        raise UnsupportedSchedule(cron, "it runs on no day, or once in 28 years.")
    return _Runs(runs.fields, times, day_of_month, month, day_of_week, min(gaps), max(gaps))


def _values(field: list[int | str]) -> frozenset[int] | None:
    return None if field == ["*"] else frozenset(int(v) for v in field)


def _field(values: list[int], low: int, high: int) -> str:
    """``values`` as a cron field: ``*``, or runs like ``1-5,7``."""
    return "*" if values == list(range(low, high + 1)) else cron_ranges(values)


def _daylight_saving_shift(timezone: str) -> timedelta:
    """How much longer a wait between runs is the night the clocks go back (0 in UTC)."""
    zone = zoneinfo.ZoneInfo(timezone)
    january, july = (datetime(2026, m, 1, tzinfo=zone).utcoffset() or timedelta() for m in (1, 7))
    return abs(january - july)
