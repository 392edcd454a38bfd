"""The demo's analytics: revenue a person believes, and a check that every synced row landed."""

from __future__ import annotations

import sqlite3
from collections import defaultdict

import dagster as dg
import pytest

from airbyte_cloud_dagster import load_airbyte_cloud_assets
from airbyte_cloud_dagster.demo.stripe_analytics import (
    WAREHOUSE_ENV,
    build_rows_landed_check,
    major_units,
    stripe_revenue_by_currency,
    stripe_revenue_by_month,
)

from ..helpers import STRIPE, sandbox_resource

pytestmark = pytest.mark.slow  # every test runs a sync of the Stripe connection


@pytest.fixture
def stripe(airbyte_sandbox, monkeypatch):
    """The Stripe connection's assets, the revenue assets and the check, over the sandbox."""
    monkeypatch.setenv(WAREHOUSE_ENV, str(airbyte_sandbox.warehouse_path))
    airbyte = sandbox_resource(airbyte_sandbox)
    tables = load_airbyte_cloud_assets(
        airbyte=airbyte, connection_ids=[airbyte_sandbox.connection_id(STRIPE)]
    )
    return tables, build_rows_landed_check(tables), {"airbyte": airbyte}


def _materialize(stripe, *extra) -> dg.ExecuteInProcessResult:
    tables, checks, resources = stripe
    return dg.materialize([*tables, *checks, *extra], resources=resources)


def test_revenue_by_currency_joins_charges_with_customers_in_major_units(airbyte_sandbox, stripe):
    result = _materialize(stripe, stripe_revenue_by_currency, stripe_revenue_by_month)

    assert result.success
    (event,) = result.asset_materializations_for_node("stripe_revenue_by_currency")
    revenue = event.metadata["revenue"].value
    with sqlite3.connect(airbyte_sandbox.warehouse_path) as db:
        customers = {row[0] for row in db.execute('SELECT id FROM "raw.stripe_customers"')}
        expected: dict[str, float] = defaultdict(float)
        for amount, currency, customer in db.execute(
            'SELECT amount, currency, customer FROM "raw.stripe_charges"'
        ):
            if customer in customers:
                expected[currency.upper()] += major_units(amount, currency)
    assert revenue == pytest.approx(dict(expected))
    assert set(revenue) >= {"USD", "EUR", "GBP"}
    assert revenue["JPY"] >= 4000  # yen are not divided by 100


def test_revenue_by_month_covers_the_first_half_of_2025(stripe):
    result = _materialize(stripe, stripe_revenue_by_currency, stripe_revenue_by_month)

    (event,) = result.asset_materializations_for_node("stripe_revenue_by_month")
    assert event.metadata["first_month"].value >= "2025-01"
    assert event.metadata["last_month"].value <= "2025-06"
    assert (
        "| month | currency | charges | customers | revenue |" in event.metadata["by_month"].value
    )


def test_the_rows_landed_check_passes_when_every_synced_row_landed(stripe):
    result = _materialize(stripe)

    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == "rows_landed"
    assert evaluation.passed, evaluation.description
    assert evaluation.metadata["rows_missing"].value == 0


def test_the_rows_landed_check_fails_when_the_warehouse_loses_rows(airbyte_sandbox, stripe):
    airbyte_sandbox.lose_rows(airbyte_sandbox.connection_id(STRIPE), 5)

    result = _materialize(stripe)

    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.metadata["rows_missing"].value == 5
    assert "5 rows are missing" in evaluation.description
