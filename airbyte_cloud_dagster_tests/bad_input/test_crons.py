"""Airbyte cron schedules with no five-field equivalent (Quartz ``#``, ``L``, ``W``, seconds
other than 0) are refused when mirrored, naming the connection, the expression, the Quartz
feature and what to do instead; never a schedule that fires at other times than Airbyte's."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pytest

from airbyte_cloud_dagster import build_airbyte_schedules_from_airbyte, load_airbyte_cloud_assets
from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.sandbox import Sandbox, ScheduleSeed, demo_workspace

from ..helpers import APP_POSTGRES, HUBSPOT, S3_FILES, STRIPE, sandbox_resource
from .expect import assert_clear

# connection -> (its Airbyte cron, what the refusal names)
UNSUPPORTED = {
    APP_POSTGRES: ("0 0 12 ? * MON#2 UTC", "'#' (n-th weekday of the month) in the day-of-week"),
    STRIPE: ("0 0 12 L * ? UTC", "'L' (last) in the day-of-month field"),
    S3_FILES: ("0 0 12 15W * ? Europe/Paris", "'W' (nearest weekday) in the day-of-month"),
    HUBSPOT: ("30 0 12 * * ? UTC", "the seconds field is '30'"),
}
FIX = "schedule its assets with build_airbyte_schedule(...) instead"


@pytest.fixture(scope="module")
def assets_by_connection() -> Iterator[dict[str, list[dg.AssetsDefinition]]]:
    """The demo workspace's assets, each connection on one of the crons above (all active)."""
    seed = demo_workspace()
    for name, (cron, _) in UNSUPPORTED.items():
        connection = seed.connection_by_name(name)
        connection.schedule, connection.status = (
            ScheduleSeed("cron", cron_expression=cron),
            "active",
        )
    with Sandbox(seed, job_duration=0.5) as sandbox:
        assets = load_airbyte_cloud_assets(
            airbyte=sandbox_resource(sandbox), fetch_column_schema=False
        )
    grouped: dict[str, list[dg.AssetsDefinition]] = {}
    for assets_def in assets:
        name = md.value_of(next(iter(assets_def.specs)).metadata, md.CONNECTION_NAME)
        grouped.setdefault(str(name), []).append(assets_def)
    yield grouped


@pytest.mark.parametrize("name", list(UNSUPPORTED), ids=["hash", "L", "W", "seconds"])
def test_an_unsupported_quartz_cron_is_refused_naming_connection_expression_and_fix(
    assets_by_connection, name
):
    cron, feature = UNSUPPORTED[name]

    with pytest.raises(dg.DagsterInvalidDefinitionError) as raised:
        build_airbyte_schedules_from_airbyte(assets_by_connection[name])

    assert_clear(
        raised.value,
        dg.DagsterInvalidDefinitionError,
        problem=[f"connection '{name}'", repr(cron), feature],
        fix=[FIX, "build_airbyte_sync_sensor"],
    )
