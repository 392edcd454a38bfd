"""A sync past its sync_timeout, with cancel_on_timeout off and no worker: the check fails
once, naming the timeout, and the sync's real end is still recorded when it comes."""

import time

import dagster as dg
import pytest

from airbyte_cloud_dagster import build_airbyte_sync_sensor, load_airbyte_cloud_assets

from ..helpers import (
    STRIPE,
    STRIPE_TABLES,
    checks,
    evaluate,
    materializations,
    sandbox_jobs,
    sandbox_resource,
    wait_until_ended,
)


@pytest.mark.slow
def test_the_end_of_a_sync_that_outlived_its_timeout_turns_the_check_green(airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=5)
    airbyte = sandbox_resource(
        airbyte_sandbox, wait_mode="sensor", sync_timeout=2, cancel_on_timeout=False
    )
    assets = load_airbyte_cloud_assets(airbyte=airbyte, connection_ids=[stripe_id])
    sensor = build_airbyte_sync_sensor(assets, minimum_interval_seconds=1)
    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize(assets, resources={"airbyte": airbyte}, instance=instance).success
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)

    cursor, late = None, {}
    deadline = time.monotonic() + 20
    while not late and time.monotonic() < deadline:  # tick as the daemon would
        ticked = evaluate(sensor, airbyte, instance, cursor=cursor)
        cursor, late = ticked.cursor, checks(ticked)
        time.sleep(0.2)
    assert late == dict.fromkeys(STRIPE_TABLES, False)  # said once, naming the timeout
    assert airbyte_sandbox.job(job["jobId"])["status"] in ("pending", "running")  # not cancelled

    wait_until_ended(airbyte_sandbox, job["jobId"], timeout=20)
    ended = evaluate(sensor, airbyte, instance, cursor=cursor)

    assert set(materializations(ended)) == STRIPE_TABLES
    assert checks(ended) == dict.fromkeys(STRIPE_TABLES, True)  # green again
