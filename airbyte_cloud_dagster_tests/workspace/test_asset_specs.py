"""Which assets a user sees for the sandbox's demo workspace, and what they carry."""

from __future__ import annotations

import dataclasses
import re
import sqlite3

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteConnectionTableProps,
    AirbyteTranslator,
    airbyte_assets,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.workspaces import demo_workspace

from ..helpers import HUBSPOT, S3_FILES, STRIPE, sandbox_resource

_QUOTED_OR_PLAIN = re.compile(r'"((?:[^"]|"")*)"|([^."]+)')


def _specs_by_key(assets: list[dg.AssetsDefinition]) -> dict[str, dg.AssetSpec]:
    return {spec.key.to_user_string(): spec for asset in assets for spec in asset.specs}


def test_every_active_connection_becomes_one_asset_per_destination_table(airbyte):
    specs = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))

    assert set(specs) == {
        # custom_format "app_${SOURCE_NAMESPACE}": the same stream name in two namespaces
        "app_public/customers",
        "app_billing/customers",
        "app_public/orders",
        "app_billing/invoice_line_items",
        # namespaceDefinition destination + prefix "stripe_"
        "raw/stripe_charges",
        "raw/stripe_customers",
        "raw/stripe_balance_transactions",
        # namespaceDefinition source, streams without namespace: the destination default
        "raw/orders_2024_items",
        "raw/1st_try",
        "raw/daily_events",
    }


def test_the_inactive_connection_is_left_out_unless_named(airbyte, airbyte_sandbox):
    hubspot_id = airbyte_sandbox.connection_id(HUBSPOT)

    assert not any(
        "hubspot" in key for key in _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))
    )
    named = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte, connection_ids=[hubspot_id]))
    assert set(named) == {"raw/hubspot_contacts", "raw/hubspot_deals", "raw/hubspot_companies"}


def test_a_table_asset_carries_where_it_lands_and_where_it_comes_from(airbyte, airbyte_sandbox):
    spec = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))["raw/stripe_charges"]
    stripe_id = airbyte_sandbox.connection_id(STRIPE)

    assert spec.kinds == {"airbyte", "stripe", "postgres"}
    assert spec.group_name == "stripe_warehouse"
    assert spec.metadata["dagster/table_name"] == "analytics.raw.stripe_charges"
    assert spec.metadata["airbyte/connection_id"] == stripe_id
    assert spec.metadata["airbyte/sync_mode"] == "incremental_append"
    assert spec.metadata["airbyte/cursor_field"] == "created"
    assert spec.metadata["airbyte/primary_key"] == ["id"]
    url = spec.metadata["airbyte/connection_url"].url
    assert url.endswith(f"/workspaces/{airbyte_sandbox.workspace_id}/connections/{stripe_id}")
    columns = [column.name for column in spec.metadata["dagster/column_schema"].columns]
    assert columns[:5] == ["id", "amount", "currency", "customer", "created"]
    assert "charges" in spec.description and STRIPE in spec.description


def test_kinds_tell_source_and_destination_apart(airbyte):
    specs = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))

    assert specs["raw/orders_2024_items"].kinds == {"airbyte", "s3", "postgres"}
    # Postgres into Postgres: one kind names both ends.
    assert specs["app_public/orders"].kinds == {"airbyte", "postgres"}


def test_only_incremental_streams_show_a_cursor(airbyte):
    specs = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))

    full_refresh = specs["raw/stripe_balance_transactions"].metadata
    assert full_refresh["airbyte/sync_mode"] == "full_refresh_overwrite"
    assert "airbyte/cursor_field" not in full_refresh
    assert "airbyte/cursor_field" not in specs["raw/orders_2024_items"].metadata
    assert specs["raw/1st_try"].metadata["airbyte/cursor_field"] == "_ab_source_file_last_modified"


def test_table_names_are_the_ones_the_postgres_destination_writes(airbyte):
    specs = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))

    # docs/airbyte/destination-names.md §3 Postgres: characters outside [A-Za-z0-9_] -> "_",
    # "_" before a digit.
    table_names = {key: spec.metadata["dagster/table_name"] for key, spec in specs.items()}
    assert table_names["app_billing/invoice_line_items"] == (
        "analytics.app_billing.invoice_line_items"
    )
    assert table_names["raw/1st_try"] == "analytics.raw._1st_try"
    assert table_names["raw/orders_2024_items"] == "analytics.raw.orders_2024_items"
    assert table_names["raw/daily_events"] == "analytics.raw.daily_events"
    assert table_names["raw/stripe_charges"] == "analytics.raw.stripe_charges"


def _unquoted_parts(qualified_name: str) -> list[str]:
    """``'ANALYTICS.RAW."1ST.TRY"'`` -> ``["ANALYTICS", "RAW", "1ST.TRY"]``."""
    return [
        quoted.replace('""', '"') if quoted else plain
        for quoted, plain in _QUOTED_OR_PLAIN.findall(qualified_name)
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("destination_type", "odd_tables"),
    [
        ("postgres", {"app_billing.invoice_line_items", "raw._1st_try", "raw.orders_2024_items"}),
        ("snowflake", {"APP_BILLING.INVOICE LINE ITEMS", "RAW.1ST.TRY", "RAW.ORDERS/2024-ITEMS"}),
    ],
)
def test_every_table_name_is_a_table_the_warehouse_holds(destination_type, odd_tables, tmp_path):
    workspace = demo_workspace()  # the demo, with HubSpot active so every stream syncs
    workspace.connections = [dataclasses.replace(c, status="active") for c in workspace.connections]
    workspace.destinations = [
        dataclasses.replace(d, destination_type=destination_type) for d in workspace.destinations
    ]
    with Sandbox(workspace, job_duration=0.1, warehouse_path=tmp_path / "w.sqlite") as sandbox:
        airbyte = sandbox_resource(sandbox)
        assets = load_airbyte_cloud_assets(airbyte=airbyte)
        assert dg.materialize(assets, resources={"airbyte": airbyte}).success
        sandbox.flush_warehouse()
        with sqlite3.connect(sandbox.warehouse_path) as db:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()

    # The sandbox's warehouse is one SQLite file: tables are "<schema>.<table>", no database.
    warehouse_tables = {name for (name,) in rows if not name.startswith("_airbyte")}
    table_names = [spec.metadata["dagster/table_name"] for a in assets for spec in a.specs]
    assert len(table_names) == 13
    assert {".".join(_unquoted_parts(name)[1:]) for name in table_names} == warehouse_tables
    assert odd_tables <= warehouse_tables


def test_hard_stream_names_load_as_valid_unique_assets(airbyte):
    specs = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))

    assert specs["raw/orders_2024_items"].metadata["airbyte/stream_name"] == "orders/2024-items"
    billing = specs["app_billing/customers"].metadata
    assert billing["airbyte/stream_namespace"] == "billing"
    assert billing["dagster/table_name"] == "analytics.app_billing.customers"
    # Loading them into Definitions proves Dagster accepts every name.
    dg.Definitions(
        assets=load_airbyte_cloud_assets(airbyte=airbyte), resources={"airbyte": airbyte}
    ).resolve_all_asset_specs()


def test_each_connection_is_one_subsettable_step_in_the_airbyte_pool(airbyte):
    assets = {asset.op.name: asset for asset in load_airbyte_cloud_assets(airbyte=airbyte)}

    assert set(assets) == {
        "airbyte_sync_app_postgres_warehouse",
        "airbyte_sync_stripe_warehouse",
        "airbyte_sync_s3_files_warehouse",
    }
    for asset in assets.values():
        assert asset.can_subset is True
        assert asset.op.pool == "airbyte"
        assert "airbyte" in asset.required_resource_keys


def test_connection_filter_and_pool_are_the_users_to_choose(airbyte):
    assets = load_airbyte_cloud_assets(
        airbyte=airbyte, connection_filter=lambda c: c.name == STRIPE, pool="warehouse_loads"
    )

    assert [asset.op.name for asset in assets] == ["airbyte_sync_stripe_warehouse"]
    assert assets[0].op.pool == "warehouse_loads"


def test_a_translator_subclass_changes_the_key_scheme(airbyte):
    class PrefixedTranslator(AirbyteTranslator):
        def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
            spec = super().get_asset_spec(props)
            return spec.replace_attributes(key=spec.key.with_prefix("airbyte"))

    specs = _specs_by_key(
        load_airbyte_cloud_assets(airbyte=airbyte, translator=PrefixedTranslator())
    )

    assert "airbyte/raw/stripe_charges" in specs
    assert "airbyte/app_billing/customers" in specs


def test_the_decorator_builds_the_same_specs_over_a_users_body(airbyte, airbyte_sandbox):
    @airbyte_assets(connection_id=airbyte_sandbox.connection_id(S3_FILES), airbyte=airbyte)
    def s3_files(context):
        yield from ()

    assert {spec.key.to_user_string() for spec in s3_files.specs} == {
        "raw/orders_2024_items",
        "raw/1st_try",
        "raw/daily_events",
    }
    assert s3_files.op.name == "airbyte_sync_s3_files_warehouse"


def test_column_schema_can_be_skipped_to_load_faster(airbyte, airbyte_sandbox):
    load_airbyte_cloud_assets(airbyte=airbyte, fetch_column_schema=False)

    assert not [r for r in airbyte_sandbox.requests if "/streams" in r.path]
