"""Freshness policies from Airbyte's own schedules, so that a stalled sync shows on its tables.

Every connection that Airbyte runs by itself has a schedule; ``with_airbyte_freshness`` turns
it into a Dagster ``FreshnessPolicy`` on each of the connection's tables, with a grace period
you choose for a sync to land. It reads the schedule from the specs' metadata
(``airbyte/schedule_type``, ``airbyte/schedule``), so it makes no API call and works from a
snapshot or a component's state.

=============================================  ==========================================
Airbyte schedule                               Dagster freshness policy
=============================================  ==========================================
``manual``                                     none: Airbyte never runs it by itself
``basic`` ``Every N <unit>``                   ``time_window(fail_window=N units + grace)``
                                               (a month is 30 days, as in Airbyte)
``cron``: Quartz, as ``cron.py`` translates    ``cron(deadline_cron=<each run + grace>,
it (``0 0 12 * * ? UTC``: ``0 12 * * *``)      lower_bound_delta=grace, timezone=<zone>)``
                                               (``30 12 * * *``, 30 min, UTC)
``cron`` with a grace longer than the          ``time_window(fail_window=<longest wait
shortest wait between two runs                 between two runs> + grace)``
=============================================  ==========================================

Why: Airbyte starts a *basic* schedule's sync N units after the previous one, not on the
clock, so "the latest sync is no older than N units + grace" is exactly its promise: a time
window. A *cron* schedule runs on the clock, and Dagster's cron policy states what each run
owes: "materialized between the run and the run + grace" (12:00 to 12:30 above), so a missed
run shows at its own deadline, also for schedules that skip nights or weekends. Where the runs
+ grace are not one cron expression, the deadlines are the largest part of them that is
(every 30 minutes from 9:00 to 17:30, + 30 minutes: ``0,30 10-17``, leaving out 9:30 and
18:00). When runs come closer together than the grace, there is no deadline per run: the time
window of the longest wait + grace (plus the hour the clocks go back, in a zone with daylight
saving time) never reports a connection that syncs on time as late, but sees a stall later,
after a weekend for a weekday schedule. That arithmetic is in ``freshness_deadlines.py``.

Example::

    assets = with_airbyte_freshness(
        load_airbyte_cloud_assets(airbyte=airbyte), grace=timedelta(minutes=30)
    )
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from datetime import timedelta
from typing import Literal, TypeVar

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import ConnectionSchedule
from airbyte_cloud_dagster.automation.cron import UnsupportedSchedule, schedule_to_cron
from airbyte_cloud_dagster.automation.freshness_deadlines import basic_interval, cron_policy
from airbyte_cloud_dagster.automation.schedules import AirbyteScheduleWarning

OnUnsupported = Literal["warn", "fail"]
AssetsOrSpec = TypeVar("AssetsOrSpec", dg.AssetsDefinition, dg.AssetSpec)

_MINUTE = timedelta(minutes=1)


class AirbyteFreshnessWarning(AirbyteScheduleWarning):
    """A connection's Airbyte schedule gave its tables no freshness policy
    (``with_airbyte_freshness(..., on_unsupported="warn")``)."""


def with_airbyte_freshness(
    assets: Iterable[AssetsOrSpec],
    *,
    grace: timedelta,
    on_unsupported: OnUnsupported = "fail",
) -> list[AssetsOrSpec]:
    """``assets`` with a freshness policy on each Airbyte table, from its connection's schedule.

    Takes what ``load_airbyte_cloud_assets`` returns (per-connection multi-assets or the
    one-step multi-asset), ``airbyte_assets`` definitions, or the specs of
    ``load_airbyte_asset_specs``, and returns them in the same order with only their
    ``freshness_policy`` set (``dg.apply_freshness_policy``). Tables of manual connections,
    tables that already have a policy, and assets that are not Airbyte tables are returned
    unchanged. ``grace`` is how long a sync may take to land after Airbyte starts it (at
    least a minute; cron deadlines round it up to whole minutes).

    A schedule with no policy (Quartz ``L``, ``W``, ``#``..., an unknown basic timing) fails
    with a message naming the connection and the expression, or, with
    ``on_unsupported="warn"``, leaves that connection's tables without a policy and warns once
    per connection (``AirbyteFreshnessWarning``).
    """
    if on_unsupported not in ("warn", "fail"):
        raise dg.DagsterInvalidDefinitionError(
            f"on_unsupported={on_unsupported!r}; use 'warn' or 'fail'."
        )
    if not isinstance(grace, timedelta) or grace < _MINUTE:
        raise dg.DagsterInvalidDefinitionError(
            f"grace={grace!r}; give a timedelta of at least one minute: how long a sync may "
            "take to land after Airbyte starts it."
        )
    with_policy = _WithPolicy(grace, fail=on_unsupported == "fail")
    mapped = [with_policy.apply(item) for item in assets]
    for message in with_policy.unsupported.values():
        warnings.warn(message, AirbyteFreshnessWarning, stacklevel=2)
    return mapped


def airbyte_freshness_policy(
    schedule: ConnectionSchedule, grace: timedelta
) -> dg.FreshnessPolicy | None:
    """The freshness policy of a connection's tables (module docstring); None when manual.

    Raises ``cron.UnsupportedSchedule`` for a schedule that has none.

    >>> airbyte_freshness_policy(ConnectionSchedule("cron", "0 0 12 * * ? UTC"), timedelta(minutes=30))
    CronFreshnessPolicy(deadline_cron='30 12 * * *', serializable_lower_bound_delta=SerializableTimeDelta(days=0, seconds=1800, microseconds=0), timezone='UTC')
    """  # noqa: E501
    if schedule.schedule_type == "basic":
        # A window, not a cron: Airbyte runs it N units after the previous sync, not on a clock.
        interval = basic_interval(schedule.basic_timing or "")
        return dg.FreshnessPolicy.time_window(fail_window=interval + grace)
    cron = schedule_to_cron(schedule)  # None when manual; refuses what has no cron equivalent
    if cron is None:
        return None
    try:
        return cron_policy(cron, grace)
    except UnsupportedSchedule as error:  # name Airbyte's expression, not its translation
        raise UnsupportedSchedule(schedule.cron_expression or "", error.reason) from None


# --------------------------------------------------------------------------- the assets


class _WithPolicy:
    """Gives each Airbyte spec its connection's policy; collects the unsupported schedules."""

    def __init__(self, grace: timedelta, *, fail: bool) -> None:
        self.grace = grace
        self.fail = fail
        self.unsupported: dict[str, str] = {}  # connection id -> message

    def apply(self, item: AssetsOrSpec) -> AssetsOrSpec:
        if isinstance(item, dg.AssetSpec):
            return self(item)
        if not isinstance(item, dg.AssetsDefinition):  # a SourceAsset, say: not a table of ours
            return item
        if all(self._policy(spec) is None for spec in item.specs):
            return item  # not rebuilt: truly unchanged
        return item.map_asset_specs(self)

    def __call__(self, spec: dg.AssetSpec) -> dg.AssetSpec:
        policy = self._policy(spec)
        if policy is None:
            return spec
        return dg.apply_freshness_policy(spec, policy, overwrite_existing=False)

    def _policy(self, spec: dg.AssetSpec) -> dg.FreshnessPolicy | None:
        connection_id = md.value_of(spec.metadata, md.CONNECTION_ID)
        if connection_id is None or spec.freshness_policy is not None:
            return None
        try:
            return _cached_policy(_schedule_of(spec), self.grace)
        except UnsupportedSchedule as error:
            name = md.value_of(spec.metadata, md.CONNECTION_NAME)
            message = (
                f"The Airbyte schedule of connection '{name}' ({connection_id}) gives its "
                f"tables no freshness policy: {error}; give them one yourself "
                "(dg.FreshnessPolicy), or pass on_unsupported='warn' to leave them without."
            )
            if self.fail:
                raise dg.DagsterInvalidDefinitionError(message) from error
            self.unsupported[str(connection_id)] = message
            return None


def _schedule_of(spec: dg.AssetSpec) -> ConnectionSchedule:
    return md.schedule_of(spec.metadata, f"Asset {spec.key.to_user_string()}")


@functools.lru_cache(maxsize=1024)
def _cached_policy(schedule: ConnectionSchedule, grace: timedelta) -> dg.FreshnessPolicy | None:
    # Dagster checks a cron policy's cron when it is made (~10 ms): once per schedule, not table.
    return airbyte_freshness_policy(schedule, grace)
