"""Resync from scratch: `resync: true` in the run config clears the tables, then syncs them."""

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteSyncConfig,
    airbyte_sync_op,
    load_airbyte_cloud_assets,
    sync_connections,
)
from airbyte_cloud_dagster.api import AirbyteConfigurationError

from ..helpers import (
    APP_POSTGRES,
    STRIPE,
    STRIPE_TABLES,
    job_summary,
    sandbox_jobs,
    sandbox_resource,
    start_in_airbyte,
)

RESYNC = {"config": {"resync": True}}


def _events_by_table(result: dg.ExecuteInProcessResult) -> dict[str, list[tuple[str, dict]]]:
    """Each table's observations and materializations, in the order the run recorded them."""
    found: dict[str, list[tuple[str, dict]]] = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
            data = event.asset_observation_data.asset_observation
            kind = "observation"
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            data = event.step_materialization_data.materialization
            kind = "materialization"
        else:
            continue
        metadata = {key: getattr(value, "value", value) for key, value in data.metadata.items()}
        found.setdefault(data.asset_key.to_user_string(), []).append((kind, metadata))
    return found


def _specs(airbyte, connection_id: str) -> list[dg.AssetSpec]:
    """The specs of one connection's tables, as ``sync_connections`` takes them."""
    assets = load_airbyte_cloud_assets(airbyte=airbyte, connection_ids=[connection_id])
    return [spec for assets_def in assets for spec in assets_def.specs]


@pytest.fixture
def airbyte(airbyte_sandbox):
    for name in (STRIPE, APP_POSTGRES):
        airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(name), duration=0.3)
    return sandbox_resource(airbyte_sandbox)


@pytest.mark.slow
def test_a_resync_clears_then_syncs_and_each_table_shows_both(airbyte, airbyte_sandbox):
    assets = load_airbyte_cloud_assets(
        airbyte=airbyte, connection_ids=[airbyte_sandbox.connection_id(STRIPE)]
    )
    (stripe,) = assets

    result = dg.materialize(
        assets, resources={"airbyte": airbyte}, run_config={"ops": {stripe.op.name: RESYNC}}
    )

    assert result.success
    # Exactly one clear (Airbyte runs it as a reset) and one sync, in that order.
    assert job_summary(airbyte_sandbox, STRIPE) == [("reset", "succeeded"), ("sync", "succeeded")]
    (clear, sync) = sandbox_jobs(airbyte_sandbox, airbyte_sandbox.connection_id(STRIPE))
    by_table = _events_by_table(result)
    assert set(by_table) == STRIPE_TABLES
    for events in by_table.values():
        emptied = [i for i, (kind, m) in enumerate(events) if m.get("airbyte/emptied")]
        (materialized,) = [i for i, (kind, _) in enumerate(events) if kind == "materialization"]
        assert len(emptied) == 1 and emptied[0] < materialized  # recorded before the sync's
        assert events[emptied[0]][1]["airbyte/job_id"] == str(clear["jobId"])
        assert events[emptied[0]][1]["airbyte/job_type"] == "reset"
        assert events[materialized][1]["airbyte/job_id"] == str(sync["jobId"])


def test_without_resync_no_clear_is_started(airbyte, airbyte_sandbox):
    assets = load_airbyte_cloud_assets(
        airbyte=airbyte, connection_ids=[airbyte_sandbox.connection_id(STRIPE)]
    )

    assert dg.materialize(assets, resources={"airbyte": airbyte}).success

    assert job_summary(airbyte_sandbox, STRIPE) == [("sync", "succeeded")]


@pytest.mark.slow
def test_a_resync_in_one_step_clears_and_syncs_each_connection_once(airbyte, airbyte_sandbox):
    ids = [airbyte_sandbox.connection_id(name) for name in (STRIPE, APP_POSTGRES)]
    (one_step,) = load_airbyte_cloud_assets(
        airbyte=airbyte, connection_ids=ids, execution="one_step"
    )

    result = dg.materialize(
        [one_step], resources={"airbyte": airbyte}, run_config={"ops": {one_step.op.name: RESYNC}}
    )

    assert result.success
    for name in (STRIPE, APP_POSTGRES):
        assert job_summary(airbyte_sandbox, name) == [("reset", "succeeded"), ("sync", "succeeded")]


@pytest.mark.slow
def test_the_op_resyncs_the_seed_articles_task_shape(airbyte, airbyte_sandbox):
    @dg.job
    def resync_stripe():
        airbyte_sync_op()

    config = AirbyteSyncConfig(connection_id=airbyte_sandbox.connection_id(STRIPE), resync=True)
    result = resync_stripe.execute_in_process(
        resources={"airbyte": airbyte},
        run_config={"ops": {"airbyte_sync_op": {"config": config.model_dump()}}},
    )

    assert result.success
    assert job_summary(airbyte_sandbox, STRIPE) == [("reset", "succeeded"), ("sync", "succeeded")]
    assert result.output_for_node("airbyte_sync_op").job_type == "sync"


def test_a_refresh_is_refused_with_a_sentence_before_anything_is_sent(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    specs = _specs(airbyte, stripe_id)

    with pytest.raises(AirbyteConfigurationError, match="public Airbyte API answers 422"):
        next(sync_connections(airbyte, specs, resync=True, resync_job_type="refresh"))

    assert sandbox_jobs(airbyte_sandbox, stripe_id) == []
    # What the real API says to a refresh, which is why we never send one.
    assert start_in_airbyte(airbyte_sandbox, stripe_id, "refresh").status_code == 422


@pytest.mark.parametrize("stop", ["terminated", "closed"])
def test_a_run_stopped_during_the_clear_cancels_it_and_starts_no_sync(
    airbyte, airbyte_sandbox, stop
):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=30)  # the clear runs on
    specs = _specs(airbyte, stripe_id)
    body = sync_connections(airbyte, specs, resync=True)

    first = next(body)  # the clear is started and recorded
    assert isinstance(first, dg.AssetObservation)
    if stop == "terminated":
        with pytest.raises(dg.DagsterExecutionInterruptedError):
            body.throw(dg.DagsterExecutionInterruptedError())
    else:
        body.close()  # the step stops consuming events, as a terminated step does

    assert job_summary(airbyte_sandbox, STRIPE) == [("reset", "cancelled")]
