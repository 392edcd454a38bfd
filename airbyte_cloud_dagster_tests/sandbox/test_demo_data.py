"""The demo workspace lands believable, consistent, deterministic rows (sandbox/demo_data.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import requests

from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.demo_data import PRICES, ROSTER

from .conftest import S3_FILES, STRIPE, start_job, wait_for_job

STRIPE_TABLES = ("raw.stripe_charges", "raw.stripe_customers", "raw.stripe_balance_transactions")


def query(sandbox: Sandbox, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(sandbox.warehouse_path) as db:
        return db.execute(sql, args).fetchall()


def sync(sandbox: Sandbox, api: requests.Session, connection: str) -> dict:
    final, _ = wait_for_job(sandbox, api, start_job(sandbox, api, connection)["jobId"])
    assert final["status"] == "succeeded"
    return final


def test_every_stripe_charge_belongs_to_a_synced_customer_and_pays_in_their_currency(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    sync(airbyte_sandbox, api, STRIPE)

    customers = dict(query(airbyte_sandbox, 'SELECT id, name FROM "raw.stripe_customers"'))
    charges = query(
        airbyte_sandbox, 'SELECT customer, currency, amount, created FROM "raw.stripe_charges"'
    )
    currency_of = {name: currency for name, _, currency in ROSTER}

    assert charges
    for customer, currency, amount, created in charges:
        assert customers[customer] in currency_of, customer
        assert currency == currency_of[customers[customer]]
        assert amount in PRICES[currency]
        assert datetime.fromtimestamp(created, timezone.utc).strftime("%Y-%m") <= "2025-06"
    assert len({currency for _, currency, _, _ in charges}) >= 3


def test_events_have_timestamps_and_rows_still_add_up_to_rows_synced(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = sync(airbyte_sandbox, api, S3_FILES)

    events = query(airbyte_sandbox, 'SELECT event, ts FROM "raw.daily_events"')
    landed = sum(
        count
        for (count,) in query(
            airbyte_sandbox, "SELECT rows FROM _airbyte_syncs WHERE job_id = ?", job["jobId"]
        )
    )

    assert {event for event, _ in events} <= {
        "page_view",
        "signup",
        "checkout_started",
        "checkout_completed",
    }
    assert all(datetime.fromisoformat(ts.replace("Z", "+00:00")) for _, ts in events)
    assert landed == job["rowsSynced"]


def test_the_same_job_lands_the_same_rows_in_every_sandbox(tmp_path) -> None:
    rows = []
    for name in ("first", "second"):
        with Sandbox(job_duration=0.2, warehouse_path=tmp_path / f"{name}.sqlite") as sandbox:
            with requests.Session() as api:
                api.headers["Authorization"] = f"Bearer {sandbox.issue_token()}"
                sync(sandbox, api, STRIPE)
            rows.append(
                query(sandbox, 'SELECT id, amount, currency, customer FROM "raw.stripe_charges"')
            )

    assert rows[0] and rows[0] == rows[1]  # not equal merely because nothing landed
    assert all(currency in PRICES for _, _, currency, _ in rows[0])


def test_a_connection_told_to_lose_rows_lands_fewer_than_it_reports(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    response = requests.post(
        f"{airbyte_sandbox.root_url}/_sandbox/connections/{connection_id}/lose-rows",
        json={"rows": 7},
        timeout=10,
    )
    assert response.status_code == 200, response.text

    job = sync(airbyte_sandbox, api, STRIPE)

    landed = sum(
        query(
            airbyte_sandbox,
            f'SELECT count(*) FROM "{table}" WHERE _airbyte_job_id = ?',
            job["jobId"],
        )[0][0]
        for table in STRIPE_TABLES
    )
    assert landed == job["rowsSynced"] - 7
