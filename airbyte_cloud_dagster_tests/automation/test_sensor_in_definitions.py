"""The example code location has schedules and the sync sensor, and the sensor works there."""

from __future__ import annotations

import importlib
import sys

import dagster as dg
import pytest

from ..helpers import APP_POSTGRES, STRIPE, STRIPE_TABLES, sandbox_environment, wait_until_ended


@pytest.fixture
def definitions(airbyte_sandbox, monkeypatch):
    """The demo code location loaded with the sandbox's environment variables."""
    for name, value in sandbox_environment(airbyte_sandbox).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIRBYTE_SANDBOX_WAREHOUSE", str(airbyte_sandbox.warehouse_path))
    sys.modules.pop("airbyte_cloud_dagster.demo.definitions", None)
    yield importlib.import_module("airbyte_cloud_dagster.demo.definitions")
    sys.modules.pop("airbyte_cloud_dagster.demo.definitions", None)


def test_the_automation_page_has_the_mirrored_schedules_and_the_sensor(definitions):
    defs = definitions.defs

    schedules = {s.name: s for s in defs.schedules}
    assert {s.name for s in defs.sensors} == {"airbyte_sync_sensor", "analytics_automation"}
    assert set(schedules) == {
        "airbyte_sync_app_postgres_warehouse_schedule",
        "airbyte_sync_stripe_warehouse_schedule",
    }
    assert APP_POSTGRES in schedules["airbyte_sync_app_postgres_warehouse_schedule"].description
    revenue = defs.resolve_assets_def("stripe_revenue_by_currency")
    condition = revenue.specs_by_key[dg.AssetKey("stripe_revenue_by_currency")].automation_condition
    assert condition is not None and "eager" in condition.get_label().lower()


@pytest.mark.slow
def test_its_sensor_records_a_sync_airbyte_ran_by_itself(definitions, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    job = wait_until_ended(airbyte_sandbox, airbyte_sandbox.start_external_sync(stripe_id)["jobId"])
    sensor = definitions.defs.resolve_sensor_def("airbyte_sync_sensor")

    result = sensor(
        dg.build_sensor_context(
            instance=dg.DagsterInstance.ephemeral(),
            resources={"airbyte": definitions.airbyte},
        )
    )

    assert isinstance(result, dg.SensorResult)
    materialized = {
        event.asset_key.to_user_string(): int(event.metadata["airbyte/job_id"].value)
        for event in result.asset_events
        if isinstance(event, dg.AssetMaterialization)
    }
    assert materialized == dict.fromkeys(STRIPE_TABLES, job["jobId"])
