"""A step retried by a RetryPolicy follows the job an earlier attempt of the run started, even
one that ended during the retry delay, instead of starting another sync."""

from __future__ import annotations

import threading
import time

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets
from airbyte_cloud_dagster import metadata as md

from ..helpers import (
    ACTIVE,
    APP_POSTGRES,
    STRIPE,
    STRIPE_TABLES,
    fail_the_first_poll_after,
    sandbox_jobs,
    sandbox_resource,
)


def _run(
    assets: list[dg.AssetsDefinition],
    airbyte: AirbyteCloudResource,
    instance: dg.DagsterInstance,
    *,
    retries: int = 2,
) -> dg.ExecuteInProcessResult:
    defs = dg.Definitions(
        assets=assets,
        resources={"airbyte": airbyte},
        jobs=[
            dg.define_asset_job(
                "sync",
                selection=dg.AssetSelection.all(),
                op_retry_policy=dg.RetryPolicy(max_retries=retries, delay=1),
            )
        ],
    )
    job = defs.resolve_job_def("sync")
    return job.execute_in_process(instance=instance, raise_on_error=False)


def _job_ids(result: dg.ExecuteInProcessResult) -> dict[str, int | None]:
    """The job each materialized table names."""
    return {
        event.materialization.asset_key.to_user_string(): md.job_id_of(event.materialization)
        for event in result.get_asset_materialization_events()
    }


def _retries(result: dg.ExecuteInProcessResult) -> int:
    return len(
        [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    )


def _messages(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> list[str]:
    """What the run logged, its steps' ``context.log`` lines included."""
    return [entry.user_message for entry in instance.all_logs(result.run_id)]


@pytest.mark.slow
def test_a_retried_step_follows_the_sync_it_started_that_ended_during_the_retry_delay(
    airbyte_sandbox, instance
):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.3)
    airbyte = sandbox_resource(airbyte_sandbox, max_retries=0)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, connection_ids=[stripe_id])
    # The first poll (GET /jobs/{id}) is answered 503: the step loses track, the sync runs on
    # and ends during the one-second retry delay.
    airbyte_sandbox.faults.fail("/jobs/*", 503, times=1, method="GET")

    result = _run(assets, airbyte, instance)

    assert result.success
    assert _retries(result) == 1
    assert airbyte_sandbox.jobs_created(stripe_id) == 1
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert _job_ids(result) == {table: job["jobId"] for table in STRIPE_TABLES}
    assert any(
        f"Airbyte sync job {job['jobId']}" in message and "earlier attempt" in message
        for message in _messages(instance, result)
    )


@pytest.mark.slow
def test_a_retried_one_step_asset_follows_every_sync_it_started_that_ended_meanwhile(
    airbyte_sandbox, instance
):
    ids = {name: airbyte_sandbox.connection_id(name) for name in ACTIVE}
    for connection_id in ids.values():
        airbyte_sandbox.configure_connection(connection_id, duration=0.3)
    airbyte = sandbox_resource(airbyte_sandbox, max_retries=0)
    (asset,) = load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step")

    # The first poll of all the jobs (GET /jobs, once the three syncs have started: each start
    # also reads the connection's newest job with a GET /jobs) is answered 503.
    fail_the_first_poll_after(airbyte_sandbox, starts=len(ACTIVE))

    result = _run([asset], airbyte, instance)

    assert result.success
    assert _retries(result) == 1
    assert {name: airbyte_sandbox.jobs_created(cid) for name, cid in ids.items()} == {
        name: 1 for name in ACTIVE
    }
    (stripe_job,) = sandbox_jobs(airbyte_sandbox, ids[STRIPE])
    recorded = _job_ids(result)
    assert len(recorded) == 10
    assert {recorded[table] for table in STRIPE_TABLES} == {stripe_job["jobId"]}


@pytest.mark.slow
def test_a_retry_after_a_failed_sync_still_starts_a_new_one(airbyte_sandbox, instance):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.1, outcome="failed")
    airbyte = sandbox_resource(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, connection_ids=[stripe_id])

    result = _run(assets, airbyte, instance, retries=1)

    assert not result.success
    assert _retries(result) == 1
    # The failed job is not followed again: the RetryPolicy retries the sync itself.
    assert airbyte_sandbox.jobs_created(stripe_id) == 2
    first = sandbox_jobs(airbyte_sandbox, stripe_id)[0]["jobId"]
    assert any(
        f"Airbyte sync job {first}, started by an earlier attempt" in message
        and "failed: starting another" in message
        for message in _messages(instance, result)
    )


@pytest.mark.slow
def test_a_retried_op_follows_the_sync_it_started(airbyte_sandbox, instance):
    from airbyte_cloud_dagster import airbyte_sync_op

    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.3)
    airbyte = sandbox_resource(airbyte_sandbox, max_retries=0)
    airbyte_sandbox.faults.fail("/jobs/*", 503, times=1, method="GET")

    @dg.job(
        resource_defs={"airbyte": airbyte},
        op_retry_policy=dg.RetryPolicy(max_retries=2, delay=1),
    )
    def sync_stripe():
        airbyte_sync_op()

    result = sync_stripe.execute_in_process(
        run_config={"ops": {"airbyte_sync_op": {"config": {"connection_id": stripe_id}}}},
        instance=instance,
        raise_on_error=False,
    )

    assert result.success
    assert _retries(result) == 1
    assert airbyte_sandbox.jobs_created(stripe_id) == 1
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert set(_job_ids(result).values()) == {job["jobId"]}


@pytest.mark.slow
def test_a_retry_neither_syncs_again_nor_records_again_what_an_earlier_attempt_recorded(
    airbyte_sandbox, instance
):
    ids = {name: airbyte_sandbox.connection_id(name) for name in ACTIVE}
    for name, connection_id in ids.items():
        airbyte_sandbox.configure_connection(connection_id, duration=0.3 if name == STRIPE else 3)
    airbyte = sandbox_resource(airbyte_sandbox, max_retries=0)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step")

    # Once the first attempt has recorded Stripe's tables, the next poll fails: it loses track
    # of the two syncs still running, and the retry must follow those two alone.
    def fail_a_poll_once_stripe_is_recorded() -> None:
        deadline = time.monotonic() + 20
        key = dg.AssetKey(["raw", "stripe_charges"])
        while instance.get_latest_materialization_event(key) is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        airbyte_sandbox.faults.fail("/jobs", 503, times=1, method="GET")

    threading.Thread(target=fail_a_poll_once_stripe_is_recorded, daemon=True).start()
    result = _run(assets, airbyte, instance)

    assert result.success
    assert _retries(result) == 1
    assert {airbyte_sandbox.jobs_created(cid) for cid in ids.values()} == {1}
    recorded = [
        event.materialization.asset_key.to_user_string()
        for event in result.get_asset_materialization_events()
    ]
    assert sorted(recorded) == sorted(set(recorded)) and len(recorded) == 10


@pytest.mark.slow
def test_a_retry_that_cannot_read_a_recorded_sync_still_starts_the_others(
    airbyte_sandbox, instance
):
    # Found by the soak: the retry read the sync an earlier attempt had recorded, the read
    # failed for a moment, and the attempt failed before starting the connections still to
    # sync; every retry did the same.
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    postgres_id = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.3)
    airbyte_sandbox.configure_connection(postgres_id, duration=0.3, outcome="failed")
    airbyte = sandbox_resource(airbyte_sandbox, max_retries=0)
    (one_step,) = load_airbyte_cloud_assets(
        airbyte=airbyte, execution="one_step", connection_ids=[stripe_id, postgres_id]
    )

    def before_the_retry() -> None:  # the failed sync succeeds next time; one read fails
        deadline = time.monotonic() + 20
        while True:
            assert time.monotonic() < deadline
            runs = instance.get_runs(limit=1)
            if runs and instance.all_logs(
                runs[0].run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY
            ):
                break
            time.sleep(0.01)
        airbyte_sandbox.configure_connection(postgres_id, duration=0.3)
        airbyte_sandbox.faults.fail("/jobs/*", 503, times=1, method="GET")

    threading.Thread(target=before_the_retry, daemon=True).start()
    result = _run([one_step], airbyte, instance, retries=1)

    assert result.success
    assert [job["status"] for job in sandbox_jobs(airbyte_sandbox, stripe_id)] == ["succeeded"]
    assert [job["status"] for job in sandbox_jobs(airbyte_sandbox, postgres_id)] == [
        "failed",
        "succeeded",
    ]
