"""Many connections in one step: one subsettable multi-asset that syncs what is selected."""

from __future__ import annotations

import os
import signal
import threading
import time

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets

from ..helpers import (
    ACTIVE,
    APP_POSTGRES,
    S3_FILES,
    STRIPE,
    STRIPE_TABLES,
    fail_the_first_poll_after,
    sandbox_jobs,
    sandbox_resource,
)


def _one_step(airbyte: AirbyteCloudResource) -> dg.AssetsDefinition:
    (asset,) = load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step")
    return asset


def _materialized(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }


def _step_failure(result: dg.ExecuteInProcessResult) -> str:
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    return failure.step_failure_data.error.message


def _configure(sandbox, duration: float, **by_name: str) -> dict[str, str]:
    """Ids of the active connections, each set to ``duration`` and its outcome (default ok)."""
    ids = {name: sandbox.connection_id(name) for name in ACTIVE}
    for name, connection_id in ids.items():
        outcome = by_name.get(name, "succeeded")
        sandbox.configure_connection(connection_id, duration=duration, outcome=outcome)
    return ids


def test_one_step_is_one_subsettable_asset_over_the_same_tables(airbyte):
    per_connection = load_airbyte_cloud_assets(airbyte=airbyte)

    one_step = _one_step(airbyte)

    assert one_step.op.name == "airbyte_sync_all"
    assert one_step.can_subset
    assert one_step.op.pool == "airbyte"
    assert set(one_step.keys) == {key for asset in per_connection for key in asset.keys}
    spec = next(s for s in one_step.specs if s.key.to_user_string() == "raw/stripe_charges")
    assert f"'{STRIPE}'" in (spec.description or "")
    assert "each is recorded as materialized (the ones not selected say so)" in (
        spec.description or ""
    )


@pytest.mark.slow
def test_materializing_a_subset_syncs_exactly_the_selected_connections(airbyte, airbyte_sandbox):
    ids = _configure(airbyte_sandbox, 0.3)

    result = dg.materialize(
        [_one_step(airbyte)], resources={"airbyte": airbyte}, selection=["raw/stripe_charges"]
    )

    assert result.success
    # Airbyte synced the whole connection: every Stripe table is recorded, the others say so.
    assert set(_materialized(result)) == STRIPE_TABLES
    assert {name: airbyte_sandbox.jobs_created(cid) for name, cid in ids.items()} == {
        APP_POSTGRES: 0,
        STRIPE: 1,
        S3_FILES: 0,
    }


@pytest.mark.slow
def test_every_selected_connection_syncs_in_one_step_polled_through_the_jobs_list(
    airbyte, airbyte_sandbox
):
    ids = _configure(airbyte_sandbox, 0.5)

    result = dg.materialize([_one_step(airbyte)], resources={"airbyte": airbyte})

    assert result.success
    materialized = _materialized(result)
    assert len(materialized) == 10  # 4 + 3 + 3 tables
    for name, connection_id in ids.items():
        (job,) = sandbox_jobs(airbyte_sandbox, connection_id)
        assert job["status"] == "succeeded", name
    (job,) = sandbox_jobs(airbyte_sandbox, ids[STRIPE])
    assert materialized["raw/stripe_charges"]["airbyte/job_id"].value == str(job["jobId"])
    job_reads = [r for r in airbyte_sandbox.requests if r.path.startswith("/v1/jobs/")]
    assert job_reads == []  # every poll was one GET /jobs, not one GET /jobs/{id} per job


def test_one_failed_connection_fails_the_step_naming_it_while_the_others_materialize(
    airbyte, airbyte_sandbox
):
    ids = _configure(airbyte_sandbox, 0.3, **{STRIPE: "failed", S3_FILES: "cancelled"})

    result = dg.materialize(
        [_one_step(airbyte)], resources={"airbyte": airbyte}, raise_on_error=False
    )

    assert not result.success
    assert {key.split("/")[0] for key in _materialized(result)} == {"app_public", "app_billing"}
    message = _step_failure(result)
    assert "2 of 3 Airbyte connections did not sync" in message
    for name in (STRIPE, S3_FILES):
        (job,) = sandbox_jobs(airbyte_sandbox, ids[name])
        assert name in message
        assert f"job {job['jobId']}" in message
        assert f"/connections/{ids[name]}" in message
    assert APP_POSTGRES not in message


def test_terminating_the_run_cancels_every_job_it_started(airbyte, airbyte_sandbox):
    ids = _configure(airbyte_sandbox, 30)

    def interrupt_once_all_run() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            jobs = [j for cid in ids.values() for j in sandbox_jobs(airbyte_sandbox, cid)]
            if len(jobs) == 3 and all(j["status"] == "running" for j in jobs):
                break
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_all_run, daemon=True).start()
    with pytest.raises((dg.DagsterExecutionInterruptedError, KeyboardInterrupt)):
        dg.materialize([_one_step(airbyte)], resources={"airbyte": airbyte})

    for connection_id in ids.values():
        (job,) = sandbox_jobs(airbyte_sandbox, connection_id)
        assert job["status"] == "cancelled"


def test_a_step_stopped_while_recording_the_started_jobs_still_cancels_them(
    airbyte, airbyte_sandbox
):
    ids = _configure(airbyte_sandbox, 30)
    body = _one_step(airbyte)(context=dg.build_asset_context(resources={"airbyte": airbyte}))

    assert isinstance(next(body), dg.AssetObservation)  # every sync is started by now
    body.close()  # the step stops consuming events, as a terminated step does

    for connection_id in ids.values():
        (job,) = sandbox_jobs(airbyte_sandbox, connection_id)
        assert job["status"] == "cancelled"


@pytest.mark.slow
def test_a_retried_step_attaches_to_every_sync_still_running(airbyte_sandbox):
    ids = _configure(airbyte_sandbox, 1.5)
    no_retries = sandbox_resource(
        airbyte_sandbox, max_retries=0, poll_interval=0.5, poll_interval_max=0.5
    )
    # The first attempt's first poll is answered 503: the step fails, the syncs run on. (Each
    # start reads the connection's newest job first, also a GET /jobs: the fault is set once
    # the three syncs have started, half a second before the first poll.)
    fail_the_first_poll_after(airbyte_sandbox, starts=len(ACTIVE))
    defs = dg.Definitions(
        assets=[_one_step(no_retries)],
        resources={"airbyte": no_retries},
        jobs=[
            dg.define_asset_job(
                "sync_all",
                selection=dg.AssetSelection.all(),
                op_retry_policy=dg.RetryPolicy(max_retries=2),
            )
        ],
    )

    result = defs.resolve_job_def("sync_all").execute_in_process()

    assert result.success
    retries = [
        e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert len(retries) == 1
    assert {name: airbyte_sandbox.jobs_created(cid) for name, cid in ids.items()} == {
        name: 1 for name in ACTIVE
    }
    assert len(_materialized(result)) == 10


@pytest.mark.slow
def test_with_wait_mode_sensor_the_step_only_starts_the_syncs_and_the_sensor_records_them(
    airbyte_sandbox,
):
    from airbyte_cloud_dagster import build_airbyte_sync_sensor

    from ..helpers import evaluate, materializations, wait_until_ended

    ids = _configure(airbyte_sandbox, 1.5)
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor")
    asset = _one_step(airbyte)
    instance = dg.DagsterInstance.ephemeral()

    result = dg.materialize([asset], resources={"airbyte": airbyte}, instance=instance)

    assert result.success
    assert result.get_asset_materialization_events() == []
    started = {
        int(event.asset_observation_data.asset_observation.metadata["airbyte/job_id"].value)
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    }
    assert len(started) == 3
    assert all(
        airbyte_sandbox.job(job_id)["status"] in ("pending", "running") for job_id in started
    )
    assert {airbyte_sandbox.jobs_created(cid) for cid in ids.values()} == {1}

    for job_id in started:
        wait_until_ended(airbyte_sandbox, job_id)
    recorded = materializations(evaluate(build_airbyte_sync_sensor([asset]), airbyte, instance))
    assert len(recorded) == 10


def test_an_unknown_execution_style_is_refused_naming_the_two_there_are(airbyte):
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="'per_connection', 'one_step'"):
        load_airbyte_cloud_assets(airbyte=airbyte, execution="parallel")  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_job_that_ends_while_another_start_retries_is_recorded_once(airbyte_sandbox):
    from airbyte_cloud_dagster import build_airbyte_sync_sensor

    from ..helpers import evaluate, materializations

    ids = _configure(airbyte_sandbox, 0.3)
    # One start's answer comes 3 s late; the other two syncs end meanwhile, while the step
    # still waits on that start. The sensor ticks then: the run follows those jobs already.
    airbyte_sandbox.faults.delay("/jobs", 3.0, times=1, method="POST")
    airbyte = sandbox_resource(airbyte_sandbox)
    asset = _one_step(airbyte)
    sensor = build_airbyte_sync_sensor([asset])
    with dg.instance_for_test() as instance:
        # The run in this thread (Dagster captures its logs with a subprocess, which wants the
        # main thread); the sensor ticks in another while the run waits on the late start.
        ticks: list[dg.SensorResult] = []

        def tick_during_the_run() -> None:
            # Once all three jobs have ended, while the late start's answer is still held back.
            deadline = time.monotonic() + 20
            while not all(
                any(j["status"] == "succeeded" for j in sandbox_jobs(airbyte_sandbox, cid))
                for cid in ids.values()
            ):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            ticks.append(evaluate(sensor, airbyte, instance))

        ticker = threading.Thread(target=tick_during_the_run, daemon=True)
        ticker.start()
        result = dg.materialize([asset], resources={"airbyte": airbyte}, instance=instance)
        ticker.join(timeout=30)
        (during,) = ticks
        after = evaluate(sensor, airbyte, instance, cursor=during.cursor)

        assert result.success
        assert materializations(during) == {} and materializations(after) == {}
        assert len(_materialized(result)) == 10
