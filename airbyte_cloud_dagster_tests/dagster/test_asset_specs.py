"""Which assets a user sees for the sandbox's demo workspace, and what they carry."""

from __future__ import annotations

import dagster as dg

from airbyte_cloud_dagster import (
    AirbyteStreamProps,
    AirbyteTranslator,
    airbyte_assets,
    load_airbyte_cloud_assets,
)

from .conftest import HUBSPOT, S3_FILES, STRIPE


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

    assert spec.kinds == {"airbyte", "postgres"}
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


def test_hard_stream_names_load_as_valid_unique_assets(airbyte):
    specs = _specs_by_key(load_airbyte_cloud_assets(airbyte=airbyte))

    assert specs["raw/orders_2024_items"].metadata["airbyte/stream_name"] == "orders/2024-items"
    assert specs["raw/1st_try"].metadata["dagster/table_name"] == "analytics.raw.1st.try"
    billing = specs["app_billing/customers"].metadata
    assert billing["airbyte/stream_namespace"] == "billing"
    assert billing["dagster/table_name"] == "analytics.app_billing.customers"
    # Loading them into Definitions proves Dagster accepts every name.
    dg.Definitions(
        assets=load_airbyte_cloud_assets(airbyte=airbyte), resources={"airbyte": airbyte}
    ).resolve_all_asset_specs()


def test_each_connection_is_one_unsubsettable_step_in_the_airbyte_pool(airbyte):
    assets = {asset.op.name: asset for asset in load_airbyte_cloud_assets(airbyte=airbyte)}

    assert set(assets) == {
        "airbyte_sync_app_postgres_warehouse",
        "airbyte_sync_stripe_warehouse",
        "airbyte_sync_s3_files_warehouse",
    }
    for asset in assets.values():
        assert asset.can_subset is False
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
        def get_asset_spec(self, props: AirbyteStreamProps) -> dg.AssetSpec:
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
