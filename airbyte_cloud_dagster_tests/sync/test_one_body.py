"""The one sync body treats one connection and many alike where it matters: every job it
started is cancelled when the step stops, and a resync syncs what it could clear."""

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteSyncConfig,
    airbyte_sync_op,
    load_airbyte_asset_specs,
    sync_connections,
)
from airbyte_cloud_dagster.sandbox import Sandbox, load_workspace

from ..helpers import APP_POSTGRES, STRIPE, sandbox_jobs, sandbox_resource


def _specs(airbyte, *names):
    return [
        spec
        for spec in load_airbyte_asset_specs(airbyte=airbyte)
        if spec.metadata["airbyte/connection_name"] in names
    ]


@pytest.mark.parametrize("names", [(STRIPE,), (STRIPE, APP_POSTGRES)])
def test_without_a_worker_a_step_stopped_after_the_starts_cancels_every_job(airbyte_sandbox, names):
    for name in names:
        airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(name), duration=30)
    airbyte = sandbox_resource(airbyte_sandbox, wait_mode="sensor")
    body = sync_connections(airbyte, _specs(airbyte, *names))

    assert isinstance(next(body), dg.AssetObservation)  # every job is started by now
    body.close()  # the step stops consuming events, as a terminated step does

    for name in names:
        (job,) = sandbox_jobs(airbyte_sandbox, airbyte_sandbox.connection_id(name))
        assert job["status"] == "cancelled"


def test_a_resync_whose_clear_fails_still_syncs_the_connections_it_cleared(airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    postgres_id = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2, outcome="failed")
    airbyte_sandbox.configure_connection(postgres_id, duration=0.2)
    airbyte = sandbox_resource(airbyte_sandbox)
    body = sync_connections(airbyte, _specs(airbyte, STRIPE, APP_POSTGRES), resync=True)

    with pytest.raises(dg.Failure) as raised:
        list(body)

    assert "1 of 2 Airbyte connections did not sync" in str(raised.value.description)
    assert "Stripe" in str(raised.value.description)
    summary = {
        name: [(job["jobType"], job["status"]) for job in sandbox_jobs(airbyte_sandbox, cid)]
        for name, cid in ((STRIPE, stripe_id), (APP_POSTGRES, postgres_id))
    }
    assert summary == {
        STRIPE: [("reset", "failed")],
        APP_POSTGRES: [("reset", "succeeded"), ("sync", "succeeded")],
    }


STREAMLESS = """
name: Streamless
destinations: [{name: Warehouse, type: postgres, configuration: {schema: raw}}]
sources: [{name: Shop, type: stripe, streams: [{name: charges, fields: [id]}]}]
connections: [{name: Shop → Warehouse, source: Shop, destination: Warehouse, streams: []}]
"""


def test_the_op_syncs_a_connection_whose_tables_it_cannot_name(tmp_path):
    """A connection with no enabled stream: no table to record, the sync still runs."""
    seed = tmp_path / "workspace.yaml"
    seed.write_text(STREAMLESS)
    with Sandbox(load_workspace(seed), job_duration=0.2) as sandbox:
        connection_id = sandbox.connection_id("Shop → Warehouse")

        @dg.job
        def sync_shop():
            airbyte_sync_op()

        config = AirbyteSyncConfig(connection_id=connection_id)
        result = sync_shop.execute_in_process(
            resources={"airbyte": sandbox_resource(sandbox)},
            run_config={"ops": {"airbyte_sync_op": {"config": config.model_dump()}}},
        )

        assert result.success
        assert result.output_for_node("airbyte_sync_op").status.value == "succeeded"
        assert [job["jobType"] for job in sandbox_jobs(sandbox, connection_id)] == ["sync"]
