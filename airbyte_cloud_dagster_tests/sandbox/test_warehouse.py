"""Successful jobs land rows in the SQLite warehouse where Airbyte would land them.

See docs/airbyte/behaviour.md, "Where a stream lands in the destination".
"""

from __future__ import annotations

import sqlite3

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox

from .conftest import APP_POSTGRES, S3_FILES, STRIPE, start_job, wait_for_job


def query(sandbox: Sandbox, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(sandbox.warehouse_path) as db:
        return db.execute(sql, args).fetchall()


def run_sync(sandbox: Sandbox, api: requests.Session, connection: str) -> dict:
    job = start_job(sandbox, api, connection)
    final, _ = wait_for_job(sandbox, api, job["jobId"])
    assert final["status"] == "succeeded"
    return final


def test_rows_landed_by_a_job_add_up_to_its_rows_synced(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = run_sync(airbyte_sandbox, api, STRIPE)
    (catalog_rows,) = query(
        airbyte_sandbox, "SELECT sum(rows) FROM _airbyte_syncs WHERE job_id = ?", job["jobId"]
    )[0]
    tables = [row[0] for row in query(airbyte_sandbox, "SELECT table_name FROM _airbyte_syncs")]
    landed = sum(
        query(
            airbyte_sandbox,
            f'SELECT count(*) FROM "raw.{t}" WHERE _airbyte_job_id = ?',
            job["jobId"],
        )[0][0]
        for t in tables
    )
    assert catalog_rows == landed == job["rowsSynced"]


def test_custom_format_namespaces_substitute_the_source_namespace(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    run_sync(airbyte_sandbox, api, APP_POSTGRES)
    landed = query(airbyte_sandbox, "SELECT namespace, table_name FROM _airbyte_syncs")
    assert landed == [
        ("app_public", "customers"),
        ("app_billing", "customers"),
        ("app_public", "orders"),
        ("app_billing", "invoice_line_items"),  # as the Postgres destination names it
    ]
    columns = [c[1] for c in query(airbyte_sandbox, "PRAGMA table_info('app_public.customers')")]
    assert columns == [
        "id", "email", "name", "address", "updated_at",
        "_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_job_id",
    ]  # fmt: skip


def test_destination_namespaces_use_the_prefix_and_default_schema(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    run_sync(airbyte_sandbox, api, STRIPE)
    landed = query(airbyte_sandbox, "SELECT namespace, table_name FROM _airbyte_syncs")
    assert landed == [
        ("raw", "stripe_charges"),
        ("raw", "stripe_customers"),
        ("raw", "stripe_balance_transactions"),
    ]


def test_source_namespaces_without_one_fall_back_to_the_default_schema(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    run_sync(airbyte_sandbox, api, S3_FILES)
    names = {row[0] for row in query(airbyte_sandbox, "SELECT name FROM sqlite_master")}
    assert {"raw.orders_2024_items", "raw._1st_try", "raw.daily_events"} <= names


def test_full_refresh_replaces_and_incremental_appends(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.2, rows=30)
    run_sync(airbyte_sandbox, api, STRIPE)
    run_sync(airbyte_sandbox, api, STRIPE)
    counts = {
        t: query(airbyte_sandbox, f'SELECT count(*) FROM "raw.{t}"')[0][0]
        for t in ("stripe_charges", "stripe_balance_transactions")
    }
    assert counts == {"stripe_charges": 20, "stripe_balance_transactions": 10}


@pytest.mark.slow
def test_a_reset_empties_the_connections_tables(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    run_sync(airbyte_sandbox, api, STRIPE)
    reset = start_job(airbyte_sandbox, api, STRIPE, job_type="reset")
    wait_for_job(airbyte_sandbox, api, reset["jobId"])
    assert query(airbyte_sandbox, 'SELECT count(*) FROM "raw.stripe_charges"') == [(0,)]


def test_a_failed_job_lands_nothing(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    airbyte_sandbox.configure_connection(
        airbyte_sandbox.connection_id(STRIPE), duration=0.2, outcome="failed"
    )
    job = start_job(airbyte_sandbox, api, STRIPE)
    wait_for_job(airbyte_sandbox, api, job["jobId"])
    airbyte_sandbox.flush_warehouse()
    assert query(airbyte_sandbox, "SELECT count(*) FROM _airbyte_syncs") == [(0,)]
