"""Freshness from Airbyte's schedules: each table's policy follows its connection's schedule."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteLoadOptions,
    AirbyteTranslator,
    AirbyteWorkspaceData,
    build_airbyte_assets,
    build_airbyte_schedules_from_airbyte,
    load_airbyte_asset_specs,
    load_airbyte_cloud_assets,
    read_snapshot,
    write_snapshot,
)
from airbyte_cloud_dagster.api import ConnectionSchedule
from airbyte_cloud_dagster.automation.cron import UnsupportedSchedule
from airbyte_cloud_dagster.automation.freshness import (
    AirbyteFreshnessWarning,
    airbyte_freshness_policy,
    with_airbyte_freshness,
)
from airbyte_cloud_dagster.automation.schedules import AirbyteScheduleWarning
from airbyte_cloud_dagster.sandbox import ScheduleSeed
from airbyte_cloud_dagster.workspace.specs import AirbyteConnectionTableProps

from ..components.project import error_chain, sandbox_workspace
from ..helpers import (
    APP_POSTGRES,
    STRIPE,
    STRIPE_TABLES,
    sandbox_resource,
    sandbox_with_schedule,
)

GRACE = timedelta(minutes=30)
APP_TABLES = {
    "app_public/customers",
    "app_billing/customers",
    "app_public/orders",
    "app_billing/invoice_line_items",
}
S3_TABLES = {"raw/orders_2024_items", "raw/1st_try", "raw/daily_events"}
# The demo workspace, 30 minutes of grace: App Postgres runs at 12:00 UTC (Quartz
# "0 0 12 * * ? UTC"), so its tables are due between 12:00 and 12:30; Stripe runs every 24
# hours after its previous sync, so its tables may be 24 h 30 min old; S3 Files is manual.
APP_POLICY = dg.FreshnessPolicy.cron(
    deadline_cron="30 12 * * *", lower_bound_delta=GRACE, timezone="UTC"
)
STRIPE_POLICY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24, minutes=30))


def policies(assets) -> dict[str, dg.FreshnessPolicy | None]:
    specs = [spec for item in assets for spec in getattr(item, "specs", [item])]
    return {spec.key.to_user_string(): spec.freshness_policy for spec in specs}


def expected_demo_policies() -> dict[str, dg.FreshnessPolicy | None]:
    return {
        **dict.fromkeys(APP_TABLES, APP_POLICY),
        **dict.fromkeys(STRIPE_TABLES, STRIPE_POLICY),
        **dict.fromkeys(S3_TABLES, None),
    }


# --------------------------------------------------------------------------- the mapping


MINUTES = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("quartz", "grace", "deadline", "zone"),
    [
        # Each run + grace, due within the grace after the run.
        ("0 0 12 * * ? UTC", 30, "30 12 * * *", "UTC"),
        ("0 0 */6 * * ? UTC", 30, "30 0,6,12,18 * * *", "UTC"),
        ("0 */15 * * * ? UTC", 10, "10,25,40,55 * * * *", "UTC"),
        ("0 0 12 * * ? UTC", 24 * 60, "0 12 * * *", "UTC"),  # a grace of a whole period
        ("0 0/30 9-17 ? * MON-FRI America/New_York", 15, "15,45 9-17 * * 1-5", "America/New_York"),
        # Runs that move past midnight move to the next weekday, or day of the month.
        ("0 0 23 ? * MON-FRI UTC", 120, "0 1 * * 2-6", "UTC"),
        ("0 0 23 15 * ? UTC", 120, "0 1 16 * *", "UTC"),
        ("0 0 12 ? JAN * Europe/Paris", 120, "0 14 * 1 *", "Europe/Paris"),
        # Not one cron: the most runs one cron names (9:30 and 18:00 are left out).
        ("0 0/30 9-17 ? * MON-FRI UTC", 30, "0,30 10-17 * * 1-5", "UTC"),
        ("0 0,45 9 * * ? UTC", 30, "30 9 * * *", "UTC"),
        # Deadlines are whole minutes: 90 seconds of grace round up to 2 minutes.
        ("0 0 12 * * ? UTC", 1.5, "2 12 * * *", "UTC"),
    ],
)
def test_a_cron_schedule_is_due_within_the_grace_after_each_run(quartz, grace, deadline, zone):
    policy = airbyte_freshness_policy(ConnectionSchedule("cron", quartz), grace * MINUTES)

    assert isinstance(policy, dg.FreshnessPolicy)
    assert (policy.deadline_cron, policy.timezone) == (deadline, zone)
    whole_minutes = -(-grace // 1)
    assert policy.lower_bound_delta == whole_minutes * MINUTES


@pytest.mark.parametrize(
    ("quartz", "grace", "fail_window"),
    [
        # Runs closer together than the grace: the longest wait between runs + grace.
        ("0 */15 * * * ? UTC", 30, timedelta(minutes=45)),
        ("0 0 12 * * ? UTC", 25 * 60, timedelta(hours=49)),
        # Fri 17:30 to Mon 9:00 is 63.5 h, + 1 h the night New York's clocks go back.
        ("0 0/30 9-17 ? * MON-FRI America/New_York", 45, timedelta(hours=65, minutes=15)),
        ("0 0/30 9-17 ? * MON-FRI UTC", 45, timedelta(hours=64, minutes=15)),
        # Runs moved into days that cron cannot name: the 29th of February, other months.
        ("0 0 23 28 * ? UTC", 120, timedelta(days=31, hours=2)),
        ("0 0 23 * JAN ? UTC", 120, timedelta(days=336, hours=2)),
    ],
)
def test_a_cron_schedule_with_no_deadline_per_run_gets_its_longest_wait(quartz, grace, fail_window):
    policy = airbyte_freshness_policy(ConnectionSchedule("cron", quartz), grace * MINUTES)

    assert policy == dg.FreshnessPolicy.time_window(fail_window=fail_window)


@pytest.mark.parametrize(
    ("timing", "fail_window"),
    [
        ("Every 24 HOURS", timedelta(hours=24, minutes=30)),
        ("Every 15 MINUTES", timedelta(minutes=45)),
        ("Every 5 HOURS", timedelta(hours=5, minutes=30)),  # no mirrored schedule, a window
        ("Every 2 DAYS", timedelta(days=2, minutes=30)),
        ("Every 1 WEEKS", timedelta(weeks=1, minutes=30)),
        ("Every 1 MONTHS", timedelta(days=30, minutes=30)),  # Airbyte's month: 30 days
    ],
)
def test_a_basic_schedule_is_a_time_window_of_its_interval_plus_grace(timing, fail_window):
    policy = airbyte_freshness_policy(ConnectionSchedule("basic", basic_timing=timing), GRACE)

    assert policy == dg.FreshnessPolicy.time_window(fail_window=fail_window)


def test_a_manual_schedule_has_no_policy():
    assert airbyte_freshness_policy(ConnectionSchedule("manual"), GRACE) is None


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        (ConnectionSchedule("cron", "0 0 12 L * ? UTC"), "'L' (last)"),
        (ConnectionSchedule("cron", "0 0 0 30 2 ? UTC"), "runs on no day"),
        (ConnectionSchedule("basic", basic_timing="Every 0 HOURS"), "not a basic timing"),
        (ConnectionSchedule("basic", basic_timing="Hourly"), "not a basic timing"),
        (ConnectionSchedule("sometimes"), "unknown schedule type"),
    ],
)
def test_a_schedule_with_no_policy_is_refused(schedule, reason):
    with pytest.raises(UnsupportedSchedule, match=re.escape(reason)) as refused:
        airbyte_freshness_policy(schedule, GRACE)
    assert refused.value.expression == (
        schedule.cron_expression or schedule.basic_timing or schedule.schedule_type
    )


# --------------------------------------------------------------------------- on the assets


def test_each_table_gets_its_connections_schedule_plus_grace(airbyte_sandbox):
    airbyte = sandbox_resource(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, fetch_column_schema=False)

    fresh = with_airbyte_freshness(assets, grace=GRACE)

    # HubSpot is inactive, so not loaded; S3 Files is manual: no policy.
    assert policies(fresh) == expected_demo_policies()
    defs = dg.Definitions(assets=fresh, resources={"airbyte": airbyte})
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["app_public", "orders"])).freshness_policy == APP_POLICY
    assert graph.get(dg.AssetKey(["raw", "daily_events"])).freshness_policy is None


def test_everything_else_is_left_as_it_was(airbyte_sandbox):
    airbyte = sandbox_resource(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, fetch_column_schema=False)

    @dg.asset(deps=[dg.AssetKey(["raw", "stripe_charges"])])
    def revenue() -> None: ...

    fresh = with_airbyte_freshness([*assets, revenue], grace=GRACE)

    assert fresh[-1] is revenue
    s3 = next(a for a in assets if a.op.name == "airbyte_sync_s3_files_warehouse")
    assert s3 in fresh  # nothing to add: the very same definition
    for before, after in zip(assets, fresh, strict=False):
        assert after.op.name == before.op.name
        assert after.can_subset == before.can_subset
        assert after.keys == before.keys
        for key, spec in after.specs_by_key.items():
            assert spec.replace_attributes(freshness_policy=None) == before.specs_by_key[key]


def test_a_table_that_has_a_policy_keeps_it(airbyte_sandbox):
    own = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=2))

    class OwnPolicyForCharges(AirbyteTranslator):
        def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
            spec = super().get_asset_spec(props)
            if props.stream.name != "charges":
                return spec
            return spec.replace_attributes(freshness_policy=own)

    assets = load_airbyte_cloud_assets(
        airbyte=sandbox_resource(airbyte_sandbox),
        fetch_column_schema=False,
        translator=OwnPolicyForCharges(),
    )

    fresh = policies(with_airbyte_freshness(assets, grace=GRACE))

    assert fresh == {**expected_demo_policies(), "raw/stripe_charges": own}


def test_the_one_step_asset_and_specs_get_the_same_policies(airbyte_sandbox):
    airbyte = sandbox_resource(airbyte_sandbox)
    (one_step,) = load_airbyte_cloud_assets(
        airbyte=airbyte, fetch_column_schema=False, execution="one_step"
    )
    specs = load_airbyte_asset_specs(airbyte=airbyte, fetch_column_schema=False)

    (fresh_one_step,) = with_airbyte_freshness([one_step], grace=GRACE)
    fresh_specs = with_airbyte_freshness(specs, grace=GRACE)

    assert policies([fresh_one_step]) == expected_demo_policies()
    assert policies(fresh_specs) == expected_demo_policies()
    assert fresh_one_step.op.name == one_step.op.name and fresh_one_step.can_subset
    assert all(isinstance(spec, dg.AssetSpec) for spec in fresh_specs)


def test_an_untranslatable_schedule_fails_naming_connection_and_expression():
    with sandbox_with_schedule(
        STRIPE, ScheduleSeed("cron", cron_expression="0 0 12 L * ? UTC")
    ) as sb:
        assets = load_airbyte_cloud_assets(airbyte=sandbox_resource(sb), fetch_column_schema=False)
        stripe_id = sb.connection_id(STRIPE)

    with pytest.raises(dg.DagsterInvalidDefinitionError) as refused:
        with_airbyte_freshness(assets, grace=GRACE)

    message = str(refused.value)
    assert f"'{STRIPE}' ({stripe_id})" in message
    assert "0 0 12 L * ? UTC" in message and "'L' (last)" in message


def test_an_untranslatable_schedule_can_be_left_without_a_policy_with_one_warning():
    with sandbox_with_schedule(
        STRIPE, ScheduleSeed("cron", cron_expression="0 0 12 L * ? UTC")
    ) as sb:
        assets = load_airbyte_cloud_assets(airbyte=sandbox_resource(sb), fetch_column_schema=False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh = with_airbyte_freshness(assets, grace=GRACE, on_unsupported="warn")

    (warning,) = [w for w in caught if issubclass(w.category, AirbyteScheduleWarning)]
    assert warning.category is AirbyteFreshnessWarning  # one for the connection's 3 tables
    assert STRIPE in str(warning.message) and "0 0 12 L * ? UTC" in str(warning.message)
    assert warning.filename == __file__  # points at the call
    assert policies(fresh) == {**expected_demo_policies(), **dict.fromkeys(STRIPE_TABLES, None)}


def test_a_basic_timing_that_cannot_be_mirrored_still_has_a_freshness_window():
    with sandbox_with_schedule(STRIPE, ScheduleSeed("basic", basic_timing="Every 5 HOURS")) as sb:
        assets = load_airbyte_cloud_assets(airbyte=sandbox_resource(sb), fetch_column_schema=False)

    with pytest.warns(AirbyteScheduleWarning, match="Every 5 HOURS"):
        build_airbyte_schedules_from_airbyte(assets, on_unsupported="warn")
    fresh = policies(with_airbyte_freshness(assets, grace=GRACE))

    window = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=5, minutes=30))
    assert fresh == {**expected_demo_policies(), **dict.fromkeys(STRIPE_TABLES, window)}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"grace": timedelta(seconds=30)}, "at least one minute"),
        ({"grace": 30}, "give a timedelta"),
        ({"grace": GRACE, "on_unsupported": "skip"}, "use 'warn' or 'fail'"),
    ],
)
def test_bad_arguments_are_refused(arguments, message):
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=message):
        with_airbyte_freshness([], **arguments)


def test_a_table_without_its_schedule_metadata_is_named():
    spec = dg.AssetSpec("orphan", metadata={"airbyte/connection_id": "c-1"})

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="orphan carries no 'airbyte/sch"):
        with_airbyte_freshness([spec], grace=GRACE)


# --------------------------------------------------------------------------- the component


@pytest.mark.slow
@pytest.mark.parametrize("execution", ["per_connection", "one_step"])
def test_the_component_yaml_gives_the_python_policies(airbyte_sandbox, make_project, execution):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "execution": execution,
            "freshness": {"from_airbyte_schedule": True, "grace_minutes": 30},
        }
    )
    project.refresh_state()

    defs = project.load()

    python_api = with_airbyte_freshness(
        load_airbyte_cloud_assets(airbyte=sandbox_resource(airbyte_sandbox), execution=execution),
        grace=GRACE,
    )
    from_yaml = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    assert policies(from_yaml) == policies(python_api) == expected_demo_policies()
    dg.Definitions.validate_loadable(defs)


@pytest.mark.slow
def test_the_component_leaves_freshness_alone_unless_asked(airbyte_sandbox, make_project):
    project = make_project({"workspace": sandbox_workspace(airbyte_sandbox)})
    project.refresh_state()

    from_yaml = [a for a in project.load().assets or [] if isinstance(a, dg.AssetsDefinition)]

    assert set(policies(from_yaml).values()) == {None}


@pytest.mark.parametrize(
    ("freshness", "message"),
    [
        ({"from_airbyte_schedule": True}, "freshness.grace_minutes is required"),
        ({"from_airbyte_schedule": True, "grace_minutes": 0}, "greater than or equal to 1"),
        ({"from_airbyte_schedule": True, "grace": 30}, "AirbyteFreshnessArgsModel.grace\n"),
    ],
)
def test_a_freshness_block_without_a_good_grace_is_named(make_project, freshness, message):
    project = make_project(
        {
            "workspace": {"client_id": "{{ env.X }}", "client_secret": "{{ env.Y }}"},
            "freshness": freshness,
        }
    )

    with pytest.raises(Exception) as raised:
        project.load()

    assert message in error_chain(raised.value)


# --------------------------------------------------------------------------- in Dagster


LOCATION = """\
import os
from datetime import timedelta

import dagster as dg

from airbyte_cloud_dagster import AirbyteCloudResource, build_airbyte_assets, read_snapshot
from airbyte_cloud_dagster.automation.freshness import with_airbyte_freshness

assets = with_airbyte_freshness(
    build_airbyte_assets(read_snapshot(os.environ["FRESHNESS_TEST_SNAPSHOT"])),
    grace=timedelta(minutes=1),
)
defs = dg.Definitions(
    assets=assets, resources={"airbyte": AirbyteCloudResource(api_token="unused")}
)
"""


def _freshness_states(assets, airbyte, instance) -> dict[str, str]:
    """What Dagster's freshness evaluation recorded for each table: PASS, FAIL or absent,
    read through the public automation conditions that test it."""
    states: dict[str, str] = {}
    for state, condition in (
        ("PASS", dg.AutomationCondition.freshness_passed()),
        ("FAIL", dg.AutomationCondition.freshness_failed()),
    ):
        testing = [
            a.map_asset_specs(
                lambda spec, c=condition: spec.replace_attributes(automation_condition=c)
            )
            for a in assets
        ]
        defs = dg.Definitions(assets=testing, resources={"airbyte": airbyte})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        for spec in (spec for a in testing for spec in a.specs):
            if result.get_requested_partitions(spec.key):
                states[spec.key.to_user_string()] = state
    return states


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_dagster_sees_a_stalled_sync_late(tmp_path, monkeypatch):
    """A real ``dagster-daemon`` evaluates the policies: fresh after a sync, late once a run
    + grace passes without one. App Postgres runs every minute here (Quartz ``0 * * * * ?``):
    with 1 minute of grace its tables are due a minute after each run, so a sync that stops
    shows as failed within two minutes."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    every_minute = ScheduleSeed("cron", cron_expression="0 * * * * ? UTC")
    with (
        sandbox_with_schedule(APP_POSTGRES, every_minute) as sb,
        dg.DagsterInstance.get() as instance,
    ):
        airbyte = sandbox_resource(sb)
        options = AirbyteLoadOptions(fetch_column_schema=False)
        data = AirbyteWorkspaceData.fetch(airbyte.get_client(), options)
        snapshot = write_snapshot(data, tmp_path / "snapshot.json")
        # The daemon's code location (LOCATION) and this test build the same assets.
        assets = with_airbyte_freshness(
            build_airbyte_assets(read_snapshot(snapshot)), grace=timedelta(minutes=1)
        )
        location = tmp_path / "location.py"
        location.write_text(LOCATION)
        env = {
            **os.environ,
            "FRESHNESS_TEST_SNAPSHOT": str(snapshot),
            "FRESHNESS_DAEMON_INTERVAL_SECONDS": "1",
        }
        with (tmp_path / "daemon.log").open("w") as log:
            daemon = subprocess.Popen(
                [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-f", str(location)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            synced = [a for a in assets if a.op.name != "airbyte_sync_s3_files_warehouse"]
            assert dg.materialize(synced, resources={"airbyte": airbyte}, instance=instance).success

            fresh = _wait_for(
                lambda: (
                    (s := _freshness_states(assets, airbyte, instance))
                    and all(s.get(k) == "PASS" for k in APP_TABLES | STRIPE_TABLES)
                    and s
                ),
                timeout=60,
                what="the synced tables to pass",
            )
            assert not S3_TABLES & set(fresh)  # manual: no policy, neither passes nor fails

            # No more syncs: App Postgres misses its next run + grace; Stripe's 24 h hold.
            late = _wait_for(
                lambda: (
                    (s := _freshness_states(assets, airbyte, instance))
                    and all(s.get(k) == "FAIL" for k in APP_TABLES)
                    and s
                ),
                timeout=150,
                what="App Postgres's tables to fail",
            )
            assert all(late[k] == "PASS" for k in STRIPE_TABLES)
        finally:
            os.killpg(daemon.pid, signal.SIGINT)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
