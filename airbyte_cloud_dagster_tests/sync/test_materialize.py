"""Materializing Airbyte assets: the sync is started, followed, and recorded."""

from __future__ import annotations

import os
import signal
import threading
import time

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource
from airbyte_cloud_dagster.api.models import parse_iso_duration

from ..helpers import STRIPE, sandbox_jobs, sandbox_resource, stripe_assets


def _materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }


def _step_failure(result: dg.ExecuteInProcessResult) -> str:
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    return failure.step_failure_data.error.message


def _wait_for_job(sandbox, connection_id: str, status: str = "running") -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        jobs = [j for j in sandbox_jobs(sandbox, connection_id) if j["status"] == status]
        if jobs:
            return jobs[-1]
        time.sleep(0.02)
    raise AssertionError(f"no {status} job for {connection_id}")


def _terminate_once_running(airbyte: AirbyteCloudResource, sandbox, connection_id: str) -> None:
    """Materialize the Stripe assets and interrupt the run once its sync is running.

    Terminating a run from the UI reaches the step process as SIGINT, which Dagster turns into
    ``DagsterExecutionInterruptedError`` inside the step.
    """

    def interrupt_once_running() -> None:
        _wait_for_job(sandbox, connection_id)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_running, daemon=True).start()
    with pytest.raises((dg.DagsterExecutionInterruptedError, KeyboardInterrupt)):
        dg.materialize(stripe_assets(airbyte), resources={"airbyte": airbyte})


def test_a_successful_sync_materializes_every_table_with_the_jobs_figures(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.3, rows=1200, bytes=345_678)

    result = dg.materialize(stripe_assets(airbyte), resources={"airbyte": airbyte})

    assert result.success
    materialized = _materializations(result)
    assert set(materialized) == {
        "raw/stripe_charges",
        "raw/stripe_customers",
        "raw/stripe_balance_transactions",
    }
    metadata = materialized["raw/stripe_charges"]
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert metadata["airbyte/job_id"].value == str(job["jobId"])
    assert metadata["airbyte/job_status"].value == "succeeded"
    assert metadata["airbyte/connection_rows_synced"].value == 1200
    assert metadata["airbyte/connection_bytes_synced"].value == 345_678
    # Airbyte's duration, in whole seconds as it reports them (PT0S or PT1S for this job).
    assert metadata["airbyte/duration_seconds"].value == (
        parse_iso_duration(job["duration"]).total_seconds()
    )
    assert metadata["airbyte/connection_url"].url.endswith(f"/connections/{stripe_id}")
    assert airbyte_sandbox.jobs_created(stripe_id) == 1


def test_a_failed_sync_fails_the_step_naming_job_connection_and_link(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2, outcome="failed")

    result = dg.materialize(
        stripe_assets(airbyte), resources={"airbyte": airbyte}, raise_on_error=False
    )

    assert not result.success
    message = _step_failure(result)
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert f"job {job['jobId']}" in message.lower()
    assert stripe_id in message
    assert "failed" in message
    assert f"/connections/{stripe_id}" in message
    assert not result.get_asset_materialization_events()


@pytest.mark.slow
def test_a_sync_that_outlives_the_timeout_is_cancelled_and_fails(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=30)
    impatient = sandbox_resource(airbyte_sandbox, sync_timeout=0.5)

    result = dg.materialize(
        stripe_assets(impatient), resources={"airbyte": impatient}, raise_on_error=False
    )

    assert not result.success
    assert "cancel" in _step_failure(result).lower()
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert job["status"] == "cancelled"


def test_terminating_the_run_cancels_the_sync_it_started(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=30)
    _terminate_once_running(airbyte, airbyte_sandbox, stripe_id)

    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert job["status"] == "cancelled"


@pytest.mark.parametrize("stop", ["interrupt", "abandon"])
def test_a_run_stopped_while_recording_the_started_job_still_cancels_it(
    airbyte, airbyte_sandbox, stop
):
    # The step yields the job-started observation before following the job; Dagster stores it
    # while the sync runs. A termination landing then (or the step dropping the generator)
    # must cancel the job like one landing during the polling does.
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=30)
    (stripe,) = stripe_assets(airbyte)
    body = stripe(context=dg.build_asset_context(resources={"airbyte": airbyte}))

    started = next(body)

    assert isinstance(started, dg.AssetObservation)
    if stop == "interrupt":
        with pytest.raises(dg.DagsterExecutionInterruptedError):
            body.throw(dg.DagsterExecutionInterruptedError())
    else:
        body.close()
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert job["status"] == "cancelled"


def test_terminating_can_leave_the_sync_running_when_asked(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=30)
    hands_off = sandbox_resource(airbyte_sandbox, cancel_on_termination=False)
    _terminate_once_running(hands_off, airbyte_sandbox, stripe_id)

    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert job["status"] == "running"


@pytest.mark.slow
def test_a_retried_step_attaches_to_the_sync_still_running(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=1.0)
    no_retries = sandbox_resource(airbyte_sandbox, max_retries=0)
    # The first attempt loses its way while polling: the step fails, the sync runs on.
    airbyte_sandbox.faults.fail("/jobs/*", 503, times=1, method="GET")
    retried = dg.Definitions(
        assets=stripe_assets(no_retries),
        resources={"airbyte": no_retries},
        jobs=[
            dg.define_asset_job(
                "sync_stripe",
                selection=dg.AssetSelection.all(),
                op_retry_policy=dg.RetryPolicy(max_retries=2),
            )
        ],
    )

    result = retried.resolve_job_def("sync_stripe").execute_in_process()

    assert result.success
    assert airbyte_sandbox.jobs_created(stripe_id) == 1
    retries = [
        e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert len(retries) == 1
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert _materializations(result)["raw/stripe_charges"]["airbyte/job_id"].value == str(
        job["jobId"]
    )


@pytest.mark.slow
def test_a_sync_already_running_is_followed_instead_of_failing_on_409(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    # Long enough to still be running when the run posts its own start, even on a loaded machine.
    airbyte_sandbox.configure_connection(stripe_id, duration=3.0)
    started_in_airbyte = airbyte.get_client().trigger_sync(stripe_id)

    result = dg.materialize(stripe_assets(airbyte), resources={"airbyte": airbyte})

    assert result.success
    assert airbyte_sandbox.jobs_created(stripe_id) == 1
    metadata = _materializations(result)["raw/stripe_customers"]
    assert metadata["airbyte/job_id"].value == str(started_in_airbyte.job_id)


def test_the_op_syncs_a_connection_for_op_and_job_users(airbyte, airbyte_sandbox):
    from airbyte_cloud_dagster import airbyte_sync_op

    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2)

    @dg.job(resource_defs={"airbyte": airbyte})
    def sync_stripe():
        airbyte_sync_op()

    result = sync_stripe.execute_in_process(
        run_config={"ops": {"airbyte_sync_op": {"config": {"connection_id": stripe_id}}}}
    )

    assert result.success
    assert result.output_for_node("airbyte_sync_op").succeeded
    assert set(_materializations(result)) == {
        "raw/stripe_charges",
        "raw/stripe_customers",
        "raw/stripe_balance_transactions",
    }
