"""Schedules: Airbyte's Quartz and basic schedules mirrored in Dagster, and your own cron."""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    build_airbyte_schedule,
    build_airbyte_schedules_from_airbyte,
    build_airbyte_sync_checks,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.api import ConnectionSchedule
from airbyte_cloud_dagster.automation.cron import (
    CronSchedule,
    UnsupportedSchedule,
    basic_timing_to_cron,
    quartz_to_cron,
    schedule_to_cron,
)
from airbyte_cloud_dagster.automation.schedules import AirbyteScheduleWarning
from airbyte_cloud_dagster.sandbox import ScheduleSeed

from ..helpers import APP_POSTGRES, STRIPE, sandbox_resource, sandbox_with_schedule


@pytest.mark.parametrize(
    ("quartz", "cron", "zone"),
    [
        ("0 0 12 * * ? UTC", "0 12 * * *", "UTC"),
        ("0 0/30 9-17 ? * MON-FRI America/New_York", "0,30 9-17 * * 1-5", "America/New_York"),
        ("0 */5 * * * ? UTC", "*/5 * * * *", "UTC"),
        # Quartz day-of-week 1-7 is SUN-SAT; cron's is 0-6.
        ("0 0 8 ? * 1,7 Europe/Paris", "0 8 * * 0,6", "Europe/Paris"),
        ("0 0 0 ? * 2/2 UTC", "0 0 * * 1-6/2", "UTC"),
        ("0 0 8 ? JUL WED UTC", "0 8 * 7 3", "UTC"),
        ("0 0 22-2 * * ? UTC", "0 0-2,22-23 * * *", "UTC"),
        ("0 15 10 1,15 * ? Asia/Kolkata", "15 10 1,15 * *", "Asia/Kolkata"),
        ("0 0 12 * * ? * UTC", "0 12 * * *", "UTC"),  # a year field of * restricts nothing
        ("0 0 12 * * ?", "0 12 * * *", "UTC"),  # no zone: UTC
    ],
)
def test_quartz_expressions_with_a_cron_equivalent_translate(quartz, cron, zone):
    assert quartz_to_cron(quartz) == CronSchedule(cron, zone)


@pytest.mark.parametrize(
    ("quartz", "reason"),
    [
        ("0 0 12 L * ? UTC", "'L' (last) in the day-of-month field"),
        ("0 15 10 ? * 6L UTC", "'L' (last) in the day-of-week field"),
        ("0 0 12 15W * ? UTC", "'W' (nearest weekday) in the day-of-month field"),
        ("0 0 12 ? * 2#1 UTC", "'#' (n-th weekday of the month)"),
        ("30 0 12 * * ? UTC", "the seconds field is '30'"),
        ("0/10 * * * * ? UTC", "the seconds field is '0/10'"),
        ("0 0 12 * * ? 2027 UTC", "the year field '2027' restricts years"),
        ("0 0 12 ? * ? UTC", "'?' in exactly one of the day-of-month and day-of-week"),
        ("0 0 12 1 * MON UTC", "'?' in exactly one of the day-of-month and day-of-week"),
        ("0 ? 12 * * ? UTC", "'?' may only stand alone in the day-of-month or day-of-week"),
        ("0 0 12 * * ? Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("0 0 25 * * ? UTC", "not a valid schedule"),
        ("0 0 12 ? * 8 UTC", "day-of-week 8 is out of Quartz's range 1-7"),
    ],
)
def test_quartz_features_without_a_cron_equivalent_are_refused(quartz, reason):
    with pytest.raises(UnsupportedSchedule) as refused:
        quartz_to_cron(quartz)
    assert reason in str(refused.value)
    assert quartz in str(refused.value)


@pytest.mark.parametrize(
    ("timing", "cron"),
    [
        ("Every 24 HOURS", "0 0 * * *"),
        ("Every 15 MINUTES", "*/15 * * * *"),
        ("Every 1 HOURS", "0 * * * *"),
        ("Every 8 HOURS", "0 */8 * * *"),
        ("Every 1 WEEKS", "0 0 * * 0"),
    ],
)
def test_basic_timings_translate_to_utc_cron(timing, cron):
    assert basic_timing_to_cron(timing) == CronSchedule(cron, "UTC")


@pytest.mark.parametrize("timing", ["Every 5 HOURS", "Every 45 MINUTES", "Every 2 DAYS", "Soon"])
def test_basic_timings_without_an_even_cron_rate_are_refused(timing):
    with pytest.raises(UnsupportedSchedule, match=timing):
        basic_timing_to_cron(timing)


def test_a_manual_connection_has_no_schedule():
    assert schedule_to_cron(ConnectionSchedule("manual")) is None


def _run_request_keys(defs: dg.Definitions, schedule: dg.ScheduleDefinition, when: datetime):
    context = dg.build_schedule_context(scheduled_execution_time=when)
    (run_request,) = schedule.evaluate_tick(context).run_requests
    job = defs.resolve_job_def(schedule.job_name)
    return run_request, {key.to_user_string() for key in job.asset_layer.executable_asset_keys}


def test_mirrored_schedules_follow_airbyte_and_skip_manual_connections(airbyte_sandbox):
    airbyte = sandbox_resource(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, fetch_column_schema=False)

    schedules = build_airbyte_schedules_from_airbyte(assets)

    # S3 Files is manual, HubSpot is inactive (not loaded): only two schedules.
    by_name = {s.name: s for s in schedules}
    assert sorted(by_name) == [
        "airbyte_sync_app_postgres_warehouse_schedule",
        "airbyte_sync_stripe_warehouse_schedule",
    ]
    app = by_name["airbyte_sync_app_postgres_warehouse_schedule"]
    assert (app.cron_schedule, app.execution_timezone) == ("0 12 * * *", "UTC")
    assert "'0 0 12 * * ? UTC'" in app.description and APP_POSTGRES in app.description
    stripe = by_name["airbyte_sync_stripe_warehouse_schedule"]
    assert (stripe.cron_schedule, stripe.execution_timezone) == ("0 0 * * *", "UTC")

    defs = dg.Definitions(assets=assets, schedules=schedules, resources={"airbyte": airbyte})
    noon = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
    run_request, keys = _run_request_keys(defs, app, noon)
    assert run_request.run_key is None
    assert keys == {
        "app_public/customers",
        "app_billing/customers",
        "app_public/orders",
        "app_billing/invoice_line_items",
    }
    assert defs.resolve_schedule_def(stripe.name).default_status.value == "STOPPED"


def test_an_unsupported_airbyte_schedule_fails_the_load_naming_connection_and_expression():
    with sandbox_with_schedule(
        STRIPE, ScheduleSeed("cron", cron_expression="0 0 12 L * ? UTC")
    ) as sb:
        assets = load_airbyte_cloud_assets(airbyte=sandbox_resource(sb), fetch_column_schema=False)
    with pytest.raises(dg.DagsterInvalidDefinitionError) as refused:
        build_airbyte_schedules_from_airbyte(assets)
    message = str(refused.value)
    assert STRIPE in message and "0 0 12 L * ? UTC" in message and "'L' (last)" in message


def test_an_unsupported_airbyte_schedule_can_be_skipped_with_a_warning():
    with sandbox_with_schedule(STRIPE, ScheduleSeed("basic", basic_timing="Every 5 HOURS")) as sb:
        assets = load_airbyte_cloud_assets(airbyte=sandbox_resource(sb), fetch_column_schema=False)
    with pytest.warns(AirbyteScheduleWarning, match="Every 5 HOURS"):
        schedules = build_airbyte_schedules_from_airbyte(assets, on_unsupported="warn")
    assert [s.name for s in schedules] == ["airbyte_sync_app_postgres_warehouse_schedule"]


def test_your_own_schedule_over_chosen_connections(airbyte_sandbox):
    airbyte = sandbox_resource(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, fetch_column_schema=False)
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    s3_id = airbyte_sandbox.connection_id("S3 Files → Warehouse")

    one = build_airbyte_schedule(assets, connection_ids=[stripe_id], cron_schedule="0 6 * * *")
    both = build_airbyte_schedule(
        assets,
        connection_ids=[stripe_id, s3_id],
        cron_schedule="*/30 * * * *",
        execution_timezone="Europe/Paris",
    )

    assert one.name == "airbyte_sync_stripe_warehouse_schedule"
    assert both.name.startswith("airbyte_sync_2_connections_") and both.name.endswith("_schedule")
    defs = dg.Definitions(assets=assets, schedules=[one, both], resources={"airbyte": airbyte})
    when = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
    _, keys = _run_request_keys(defs, one, when)
    assert keys == {"raw/stripe_charges", "raw/stripe_customers", "raw/stripe_balance_transactions"}
    _, keys = _run_request_keys(defs, both, when)
    assert "raw/daily_events" in keys and "raw/stripe_charges" in keys and len(keys) == 6
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="No Airbyte assets"):
        build_airbyte_schedule(assets, connection_ids=["not-loaded"], cron_schedule="0 6 * * *")


def test_schedules_and_checks_over_the_one_step_asset_match_the_per_connection_ones(
    airbyte_sandbox,
):
    airbyte = sandbox_resource(airbyte_sandbox)
    per_connection = load_airbyte_cloud_assets(airbyte=airbyte, fetch_column_schema=False)
    one_step = load_airbyte_cloud_assets(
        airbyte=airbyte, fetch_column_schema=False, execution="one_step"
    )
    noon = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)

    def mirrored(assets) -> dict[str, tuple[str, set[str]]]:
        schedules = build_airbyte_schedules_from_airbyte(assets)
        defs = dg.Definitions(assets=assets, schedules=schedules, resources={"airbyte": airbyte})
        return {s.name: (s.cron_schedule, _run_request_keys(defs, s, noon)[1]) for s in schedules}

    assert mirrored(one_step) == mirrored(per_connection)
    assert len(mirrored(one_step)) == 2
    checks = build_airbyte_sync_checks(one_step)
    checked = {key.asset_key.to_user_string() for c in checks for key in c.check_keys}
    assert checked == {spec.key.to_user_string() for spec in one_step[0].specs}
