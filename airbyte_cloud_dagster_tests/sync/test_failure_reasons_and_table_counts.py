"""Why a sync failed, and what each table got: read from Airbyte's internal Config API.

Both are best-effort: when the Config API is unavailable, a failure still names the job, its
status and the connection page, and tables still show the connection's totals, labelled so.
"""

from __future__ import annotations

import sqlite3

import dagster as dg
import pytest

from airbyte_cloud_dagster import airbyte_sync_op

from ..helpers import STRIPE, sandbox_jobs, stripe_assets

REASON = "Could not connect to the database: password authentication failed"
PER_TABLE_KEYS = {"airbyte/stream_rows_synced", "airbyte/stream_bytes_synced", "dagster/row_count"}


def _materializations(result) -> dict[str, dict]:
    return {
        event.asset_key.to_user_string(): {
            key: getattr(value, "value", value)
            for key, value in event.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
    }


def _step_failure(result):
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    return failure.step_failure_data


def _warehouse(sandbox, job_id: int) -> dict[str, tuple[int, int]]:
    """``namespace/table`` -> (rows this job landed, rows now in the table)."""
    sandbox.flush_warehouse()
    with sqlite3.connect(sandbox.warehouse_path) as db:
        landed = db.execute(
            "SELECT namespace, table_name, rows FROM _airbyte_syncs WHERE job_id = ?", (job_id,)
        ).fetchall()
        return {
            f"{namespace}/{table}": (
                rows,
                db.execute(f'SELECT count(*) FROM "{namespace}.{table}"').fetchone()[0],
            )
            for namespace, table, rows in landed
        }


def test_a_failed_sync_says_why_in_airbytes_words(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(
        stripe_id,
        duration=0.3,
        outcome="failed",
        incomplete_attempts=1,
        failure_type="config_error",
        failure_message=REASON,
    )

    result = dg.materialize(
        stripe_assets(airbyte), resources={"airbyte": airbyte}, raise_on_error=False
    )

    failure = _step_failure(result)
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert (
        f"Airbyte sync job {job['jobId']} on connection {stripe_id} failed after 2 attempts "
        f"(config_error, from the source): {REASON}. Connection page: "
    ) in failure.error.message
    assert f"/connections/{stripe_id}" in failure.error.message
    metadata = {k: v.value for k, v in failure.user_failure_data.metadata.items()}
    assert metadata["airbyte/failure_type"] == "config_error"
    assert metadata["airbyte/failure_origin"] == "source"
    assert metadata["airbyte/failure_message"] == REASON
    assert metadata["airbyte/attempts"] == 2


def test_without_the_config_api_a_failure_still_names_job_status_and_link(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(
        stripe_id, duration=0.2, outcome="failed", failure_message=REASON
    )
    airbyte_sandbox.faults.fail("/jobs/get*", 500, times=None)

    result = dg.materialize(
        stripe_assets(airbyte), resources={"airbyte": airbyte}, raise_on_error=False
    )

    message = _step_failure(result).error.message
    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert f"job {job['jobId']}" in message and stripe_id in message
    assert "failed" in message and f"/connections/{stripe_id}" in message
    assert REASON not in message
    assert any(r.path == "/api/v1/jobs/get_without_logs" for r in airbyte_sandbox.requests)


@pytest.mark.slow
def test_each_table_shows_what_it_got_and_the_totals_are_the_connections(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2, rows=167, bytes=31_229)
    assets = stripe_assets(airbyte)

    first = _materializations(dg.materialize(assets, resources={"airbyte": airbyte}))
    second = _materializations(dg.materialize(assets, resources={"airbyte": airbyte}))

    jobs = sandbox_jobs(airbyte_sandbox, stripe_id)
    for materialized, job in zip((first, second), jobs, strict=True):
        tables = _warehouse(airbyte_sandbox, job["jobId"])
        assert set(materialized) == set(tables)
        for asset, metadata in materialized.items():
            landed, in_table = tables[asset]
            assert metadata["airbyte/stream_rows_synced"] == landed
            assert metadata["airbyte/connection_rows_synced"] == job["rowsSynced"] == 167
            assert metadata["airbyte/connection_bytes_synced"] == job["bytesSynced"] == 31_229
            assert "airbyte/rows_synced" not in metadata
            # Only a table the sync replaced holds exactly the rows it got.
            if asset == "raw/stripe_balance_transactions":
                assert metadata["dagster/row_count"] == in_table == landed
            else:
                assert "dagster/row_count" not in metadata
        assert sum(m["airbyte/stream_rows_synced"] for m in materialized.values()) == 167
        assert sum(m["airbyte/stream_bytes_synced"] for m in materialized.values()) == 31_229
    # The incremental tables kept the first sync's rows: rows synced are not rows in the table.
    assert _warehouse(airbyte_sandbox, sandbox_jobs(airbyte_sandbox, stripe_id)[1]["jobId"])[
        "raw/stripe_charges"
    ] == (56, 112)


def test_without_the_config_api_tables_show_only_the_connections_totals(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2, rows=167, bytes=31_229)
    airbyte_sandbox.faults.fail("/jobs/get_without_logs", 502, times=None)

    materialized = _materializations(
        dg.materialize(stripe_assets(airbyte), resources={"airbyte": airbyte})
    )

    assert len(materialized) == 3
    for metadata in materialized.values():
        assert metadata["airbyte/connection_rows_synced"] == 167
        assert metadata["airbyte/connection_bytes_synced"] == 31_229
        assert not PER_TABLE_KEYS & set(metadata)


def test_the_op_reports_each_tables_own_figures_too(airbyte, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2, rows=167)

    @dg.job(resource_defs={"airbyte": airbyte})
    def sync_stripe():
        airbyte_sync_op()

    result = sync_stripe.execute_in_process(
        run_config={"ops": {"airbyte_sync_op": {"config": {"connection_id": stripe_id}}}}
    )

    rows = {k: m["airbyte/stream_rows_synced"] for k, m in _materializations(result).items()}
    assert rows == {
        "raw/stripe_charges": 56,
        "raw/stripe_customers": 56,
        "raw/stripe_balance_transactions": 55,
    }
