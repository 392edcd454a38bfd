"""The sync sensor records clears run outside Dagster, enforces sync_timeout when runs hold no
worker, and never records a check result twice."""

import time

import dagster as dg
import pytest

from airbyte_cloud_dagster import build_airbyte_sync_checks, build_airbyte_sync_sensor

from ..helpers import (
    STRIPE,
    STRIPE_TABLES,
    checks,
    evaluate,
    materializations,
    observations,
    sandbox_jobs,
    sandbox_resource,
    start_in_airbyte,
    stripe_assets,
    wait_until_ended,
)


def test_a_clear_run_outside_dagster_shows_on_each_table_as_emptied(airbyte_sandbox, instance):
    airbyte = sandbox_resource(airbyte_sandbox)
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2)
    sensor = build_airbyte_sync_sensor(stripe_assets(airbyte))
    answer = start_in_airbyte(airbyte_sandbox, stripe_id, "clear")
    assert answer.status_code == 200, answer.text
    clear = wait_until_ended(airbyte_sandbox, answer.json()["jobId"])

    ticked = evaluate(sensor, airbyte, instance)  # one tick
    again = evaluate(sensor, airbyte, instance, cursor=ticked.cursor)

    emptied = observations(ticked)
    assert set(emptied) == STRIPE_TABLES
    for metadata in emptied.values():
        assert metadata["airbyte/emptied"] is True
        assert metadata["airbyte/job_id"] == str(clear["jobId"])
        assert metadata["airbyte/job_type"] == "reset"
        assert metadata["airbyte/connection_url"].startswith(
            airbyte_sandbox.base_url.split("/v1")[0]
        )
    # Not fresh data: no materialization, and the sync check is about syncs only.
    assert materializations(ticked) == {} and checks(ticked) == {}
    assert again.asset_events == []


@pytest.mark.slow
def test_a_resync_run_is_not_recorded_again_by_the_sensor(airbyte_sandbox, instance):
    airbyte = sandbox_resource(airbyte_sandbox)
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=0.2)
    assets = stripe_assets(airbyte)
    run_config = {"ops": {assets[0].op.name: {"config": {"resync": True}}}}
    assert dg.materialize(
        assets, resources={"airbyte": airbyte}, instance=instance, run_config=run_config
    ).success

    ticked = evaluate(build_airbyte_sync_sensor(assets), airbyte, instance)

    assert observations(ticked) == {} and materializations(ticked) == {}


def test_a_check_the_run_already_evaluated_is_not_recorded_twice(airbyte_sandbox, instance):
    """After "Materialize all" (assets and their checks), the next tick adds nothing."""
    airbyte = sandbox_resource(airbyte_sandbox)
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=0.2)
    assets = stripe_assets(airbyte)
    sync_checks = build_airbyte_sync_checks(assets)
    result = dg.materialize(
        [*assets, *sync_checks], resources={"airbyte": airbyte}, instance=instance
    )
    assert result.success
    assert len(result.get_asset_check_evaluations()) == len(STRIPE_TABLES)

    ticked = evaluate(build_airbyte_sync_sensor(assets), airbyte, instance)

    assert ticked.asset_events == []


@pytest.mark.slow
def test_without_a_worker_a_sync_past_its_timeout_is_cancelled_and_its_check_fails(
    airbyte_sandbox, instance
):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=120)  # stays running
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor", sync_timeout=5)
    assets = stripe_assets(airbyte)
    sensor = build_airbyte_sync_sensor(assets, minimum_interval_seconds=1)
    started = time.monotonic()  # before the job is created: never less than the job's age
    assert dg.materialize(assets, resources={"airbyte": airbyte}, instance=instance).success
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)

    cursor, failed = None, {}
    while not failed and time.monotonic() - started < 30:
        ticked = evaluate(sensor, airbyte, instance, cursor=cursor)
        cursor = ticked.cursor
        failed = {
            event.asset_key.to_user_string(): event
            for event in ticked.asset_events
            if isinstance(event, dg.AssetCheckEvaluation) and not event.passed
        }
        if not failed:
            assert airbyte_sandbox.job(job["jobId"])["status"] in ("pending", "running")
            time.sleep(0.5)  # the next tick, as the daemon would run it

    assert time.monotonic() - started >= 4.0  # not before the timeout (1 s of clock margin)
    assert set(failed) == STRIPE_TABLES
    description = failed["raw/stripe_charges"].description
    assert "sync_timeout=5 s" in description and "cancelled it" in description
    assert airbyte_sandbox.job(job["jobId"])["status"] == "cancelled"
    # Its cancelled end adds nothing more.
    wait_until_ended(airbyte_sandbox, job["jobId"])
    assert evaluate(sensor, airbyte, instance, cursor=cursor).asset_events == []


def test_a_sync_with_no_timeout_set_is_never_cancelled_by_the_sensor(airbyte_sandbox, instance):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=120)
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor")
    assets = stripe_assets(airbyte)
    assert dg.materialize(assets, resources={"airbyte": airbyte}, instance=instance).success

    ticked = evaluate(build_airbyte_sync_sensor(assets), airbyte, instance)

    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert job["status"] in ("pending", "running") and ticked.asset_events == []
