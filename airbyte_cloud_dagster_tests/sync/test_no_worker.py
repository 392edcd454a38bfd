"""wait_mode="sensor": a run only starts the sync and ends; the sensor records the tables."""

from __future__ import annotations

import time

import dagster as dg
import pytest

from airbyte_cloud_dagster import build_airbyte_sync_sensor

from ..helpers import (
    STRIPE,
    STRIPE_TABLES,
    checks,
    evaluate,
    materializations,
    sandbox_resource,
    stripe_assets,
    wait_until_ended,
)


def _started_job_ids(result: dg.ExecuteInProcessResult) -> set[int]:
    return {
        int(event.asset_observation_data.asset_observation.metadata["airbyte/job_id"].value)
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    }


@pytest.mark.slow
def test_the_run_ends_before_the_job_and_the_sensor_records_its_real_figures(
    airbyte_sandbox, instance
):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    # The job runs 5 s: far longer than the run, which only starts it, takes even under load.
    airbyte_sandbox.configure_connection(stripe_id, duration=5.0)
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor")
    assets = stripe_assets(airbyte)

    started = time.monotonic()
    result = dg.materialize(assets, resources={"airbyte": airbyte}, instance=instance)
    run_seconds = time.monotonic() - started

    (job_id,) = _started_job_ids(result)
    assert result.success and run_seconds < 5.0
    assert airbyte_sandbox.job(job_id)["status"] not in ("succeeded", "failed", "cancelled")
    assert result.get_asset_materialization_events() == []
    logs = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert any(f"Started Airbyte job {job_id}" in m and "sync sensor" in m for m in logs)

    job = wait_until_ended(airbyte_sandbox, job_id)
    recorded = materializations(evaluate(build_airbyte_sync_sensor(assets), airbyte, instance))

    assert set(recorded) == STRIPE_TABLES
    charges = recorded["raw/stripe_charges"]
    assert charges["airbyte/job_id"] == str(job_id)
    assert charges["airbyte/connection_rows_synced"] == job["rowsSynced"] > 0
    assert charges["airbyte/duration_seconds"] >= 4.9


def test_a_job_that_ends_failed_shows_as_a_failed_check(airbyte_sandbox, instance):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.3, outcome="failed")
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor")
    assets = stripe_assets(airbyte)

    (job_id,) = _started_job_ids(
        dg.materialize(assets, resources={"airbyte": airbyte}, instance=instance)
    )
    wait_until_ended(airbyte_sandbox, job_id)
    ticked = evaluate(build_airbyte_sync_sensor(assets), airbyte, instance)

    assert materializations(ticked) == {}
    assert checks(ticked) == dict.fromkeys(STRIPE_TABLES, False)


def test_a_run_attaches_to_a_sync_already_running(airbyte_sandbox, instance):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=1.0)
    running = airbyte_sandbox.start_external_sync(stripe_id)
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor")

    result = dg.materialize(
        stripe_assets(airbyte), resources={"airbyte": airbyte}, instance=instance
    )

    assert _started_job_ids(result) == {running["jobId"]}
    assert airbyte_sandbox.jobs_created(stripe_id) == 1


def test_downstream_assets_in_the_same_run_wait_for_the_sensor(airbyte_sandbox, instance):
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor")

    @dg.asset(deps=[dg.AssetKey(["raw", "stripe_charges"])])
    def revenue() -> None: ...

    result = dg.materialize(
        [*stripe_assets(airbyte), revenue], resources={"airbyte": airbyte}, instance=instance
    )

    assert result.success
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
    assert skipped == ["revenue"]
