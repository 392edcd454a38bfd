"""The sync sensor records in Dagster the Airbyte syncs that ended outside a waiting run."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qsl

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    build_airbyte_sync_checks,
    build_airbyte_sync_sensor,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.sandbox import Sandbox

from ..helpers import (
    APP_POSTGRES,
    STRIPE,
    STRIPE_TABLES,
    checks,
    evaluate,
    materializations,
    sandbox_resource,
    stripe_assets,
    wait_until_ended,
)


def job_ids(result: dg.SensorResult) -> set[int]:
    """Jobs whose tables the tick materialized."""
    return {
        int(event.metadata["airbyte/job_id"].value)
        for event in result.asset_events
        if isinstance(event, dg.AssetMaterialization)
    }


@pytest.mark.slow
def test_an_external_sync_is_recorded_once_with_its_figures(airbyte_sandbox, instance):
    airbyte = sandbox_resource(airbyte_sandbox)
    sensor = build_airbyte_sync_sensor(load_airbyte_cloud_assets(airbyte=airbyte))
    job = airbyte_sandbox.start_external_sync(airbyte_sandbox.connection_id(STRIPE))
    job = wait_until_ended(airbyte_sandbox, job["jobId"])

    first = evaluate(sensor, airbyte, instance)
    again = evaluate(sensor, airbyte, instance, cursor=first.cursor)

    recorded = materializations(first)
    assert set(recorded) == STRIPE_TABLES
    charges = recorded["raw/stripe_charges"]
    assert charges["airbyte/job_id"] == str(job["jobId"])
    assert charges["airbyte/job_status"] == "succeeded"
    assert charges["airbyte/connection_rows_synced"] == job["rowsSynced"] > 0
    assert charges["airbyte/connection_bytes_synced"] == job["bytesSynced"]
    assert "airbyte/connection_url" in charges
    assert checks(first) == dict.fromkeys(STRIPE_TABLES, True)
    assert again.asset_events == []


@pytest.mark.slow
def test_a_job_a_dagster_run_already_recorded_is_not_recorded_again(airbyte_sandbox, instance):
    airbyte = sandbox_resource(airbyte_sandbox)
    assets = stripe_assets(airbyte)
    result = dg.materialize(assets, resources={"airbyte": airbyte}, instance=instance)
    (run_event, *_) = result.get_asset_materialization_events()
    run_job_id = run_event.materialization.metadata["airbyte/job_id"].value

    ticked = evaluate(build_airbyte_sync_sensor(assets), airbyte, instance)

    assert materializations(ticked) == {}
    assert checks(ticked) == dict.fromkeys(STRIPE_TABLES, True)  # the check still says "ok"
    assert {e.metadata["airbyte/job_id"].value for e in ticked.asset_events} == {run_job_id}


@pytest.mark.slow
def test_the_cursor_survives_a_new_sensor_object(airbyte_sandbox, instance):
    airbyte = sandbox_resource(airbyte_sandbox)
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    first_job = wait_until_ended(
        airbyte_sandbox, airbyte_sandbox.start_external_sync(stripe_id)["jobId"]
    )
    before = evaluate(
        build_airbyte_sync_sensor(load_airbyte_cloud_assets(airbyte=airbyte)), airbyte, instance
    )
    second_job = wait_until_ended(
        airbyte_sandbox, airbyte_sandbox.start_external_sync(stripe_id)["jobId"]
    )

    # A code reload: new assets, a new sensor, a new resource; only the cursor string is kept.
    reloaded_airbyte = sandbox_resource(airbyte_sandbox)
    reloaded = build_airbyte_sync_sensor(load_airbyte_cloud_assets(airbyte=reloaded_airbyte))
    # As the daemon evaluates a sensor: evaluate_tick, resources on the context only.
    context = dg.build_sensor_context(
        instance=instance, cursor=before.cursor, resources={"airbyte": reloaded_airbyte}
    )
    after = reloaded.evaluate_tick(context)

    assert job_ids(before) == {first_job["jobId"]}
    assert job_ids(after) == {second_job["jobId"]}


def test_a_failed_external_job_shows_as_a_failed_check_and_an_observation(
    airbyte_sandbox, instance
):
    airbyte = sandbox_resource(airbyte_sandbox)
    app_id = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.configure_connection(app_id, duration=0.3, outcome="failed")
    job = wait_until_ended(airbyte_sandbox, airbyte_sandbox.start_external_sync(app_id)["jobId"])

    ticked = evaluate(
        build_airbyte_sync_sensor(load_airbyte_cloud_assets(airbyte=airbyte)), airbyte, instance
    )

    assert materializations(ticked) == {}
    failed_checks = checks(ticked)
    assert len(failed_checks) == 4 and not any(failed_checks.values())
    observations = [e for e in ticked.asset_events if isinstance(e, dg.AssetObservation)]
    assert len(observations) == 4
    assert all(o.metadata["airbyte/job_status"].value == "failed" for o in observations)
    assert all(o.metadata["airbyte/job_id"].value == str(job["jobId"]) for o in observations)
    assert f"job {job['jobId']} ended failed" in observations[0].description


@pytest.mark.slow
def test_a_job_a_blocking_run_still_follows_waits_for_that_run(instance):
    with Sandbox(job_duration=0.3) as sandbox:
        # The run checks its job only every 3 s: the job ends long before the run records it.
        airbyte = sandbox_resource(sandbox, poll_interval=3.0, poll_interval_max=3.0)
        assets = stripe_assets(airbyte)
        sensor = build_airbyte_sync_sensor(assets)
        run = threading.Thread(
            target=dg.materialize,
            args=(assets,),
            kwargs={"resources": {"airbyte": airbyte}, "instance": instance},
        )
        run.start()
        while not sandbox.jobs_created(sandbox.connection_id(STRIPE)):
            time.sleep(0.02)
        wait_until_ended(sandbox, 1)

        while_running = evaluate(sensor, airbyte, instance)
        run.join()
        after_run = evaluate(sensor, airbyte, instance, cursor=while_running.cursor)

    assert while_running.asset_events == []
    assert materializations(after_run) == {}  # the run recorded it
    assert checks(after_run) == dict.fromkeys(STRIPE_TABLES, True)


@pytest.mark.slow
def test_one_tick_lists_jobs_with_filters_and_a_bounded_number_of_pages(instance):
    with Sandbox(job_duration=0.02) as sandbox:
        airbyte = sandbox_resource(sandbox)
        connection_ids = [sandbox.connection_id(STRIPE), sandbox.connection_id(APP_POSTGRES)]
        started = 0
        while started < 130:
            try:
                sandbox.start_external_sync(connection_ids[started % 2])
                started += 1
            except RuntimeError:  # the previous sync of that connection still runs
                time.sleep(0.01)
        wait_until_ended(sandbox, started)
        time.sleep(0.2)
        sensor = build_airbyte_sync_sensor(
            load_airbyte_cloud_assets(airbyte=airbyte), max_pages_per_tick=1
        )

        before = len(sandbox.requests)
        first = evaluate(sensor, airbyte, instance)
        listed = [
            r for r in sandbox.requests[before:] if r.path == "/v1/jobs" and r.method == "GET"
        ]
        second = evaluate(sensor, airbyte, instance, cursor=first.cursor)

    (request,) = listed  # one page of 100 in this tick, whatever the number of jobs
    query = dict(parse_qsl(request.query))
    assert query["orderBy"] == "updatedAt|ASC" and query["limit"] == "100"
    # Every job type that changes the tables: syncs and clears (which run as resets).
    assert "updatedAtStart" in query and "jobType" not in query
    recorded = [job_ids(tick) for tick in (first, second)]
    assert not recorded[0] & recorded[1]  # nothing twice
    assert recorded[0] | recorded[1] == set(range(1, started + 1))  # and the next tick catches up


def test_executing_the_sync_check_reads_the_latest_finished_sync(airbyte_sandbox, instance):
    airbyte = sandbox_resource(airbyte_sandbox)
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2, outcome="cancelled")
    wait_until_ended(airbyte_sandbox, airbyte_sandbox.start_external_sync(stripe_id)["jobId"])
    assets = stripe_assets(airbyte)

    result = dg.materialize(
        [*assets, *build_airbyte_sync_checks(assets)],
        selection=dg.AssetSelection.all_asset_checks(),
        resources={"airbyte": airbyte},
        instance=instance,
        raise_on_error=False,
    )

    evaluations = result.get_asset_check_evaluations()
    assert {e.asset_key.to_user_string() for e in evaluations} == STRIPE_TABLES
    assert not any(e.passed for e in evaluations)
    assert "cancelled" in evaluations[0].description
