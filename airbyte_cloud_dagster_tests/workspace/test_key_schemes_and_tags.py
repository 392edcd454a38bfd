"""The two key schemes, and each connection's Airbyte tags as Dagster tags on its tables.

The demo workspace: Stripe (prefix ``stripe_``, tags ``team:finance``, ``tier:1``), App Postgres
(one stream name in two namespaces), S3 (stream names with ``/``, a space, a dot).
dagster-airbyte itself is compared in test_dagster_airbyte_keys.py.
"""

from __future__ import annotations

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteConnectionTableProps,
    AirbyteTranslator,
    DagsterAirbyteKeysTranslator,
    load_airbyte_asset_specs,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.workspace.naming import key_part, tag_key

from ..helpers import APP_POSTGRES, S3_FILES, STRIPE


def _specs(airbyte, **kwargs) -> dict[str, list[dg.AssetSpec]]:
    """Each connection's specs by connection name."""
    by_connection: dict[str, list[dg.AssetSpec]] = {}
    for spec in load_airbyte_asset_specs(airbyte=airbyte, **kwargs):
        by_connection.setdefault(spec.metadata["airbyte/connection_name"], []).append(spec)
    return by_connection


def _keys(specs: list[dg.AssetSpec]) -> set[str]:
    return {spec.key.to_user_string() for spec in specs}


def test_dagster_airbyte_keys_are_the_stream_prefix_and_name_in_one_part(airbyte):
    specs = _specs(airbyte, key_scheme="dagster_airbyte")

    assert _keys(specs[STRIPE]) == {
        "stripe_charges",
        "stripe_customers",
        "stripe_balance_transactions",
    }
    for spec in specs[STRIPE]:
        assert spec.group_name is None  # dagster-airbyte's: Dagster's "default" group
        assert spec.kinds == {"airbyte", "postgres"}  # no source type, as dagster-airbyte
        assert spec.metadata["airbyte/connection_id"]  # what a step needs to run the sync
    # Names dagster-airbyte cannot load are made loadable; one stream name in two
    # namespaces (one key in dagster-airbyte) gets two suffixed keys.
    assert _keys(specs[S3_FILES]) == {"orders_2024_items", "1st.try", "daily_events"}
    customers = sorted(k for k in _keys(specs[APP_POSTGRES]) if k.startswith("customers"))
    assert len(customers) == 2 and all(k.startswith("customers_") for k in customers)


def test_the_default_scheme_is_unchanged_by_the_option(airbyte):
    default = _specs(airbyte)
    named = _specs(airbyte, key_scheme="namespace_table")

    assert (
        _keys(default[STRIPE])
        == _keys(named[STRIPE])
        == {
            "raw/stripe_charges",
            "raw/stripe_customers",
            "raw/stripe_balance_transactions",
        }
    )
    assert {spec.group_name for spec in default[STRIPE]} == {"stripe_warehouse"}


def test_a_subclass_of_the_compatible_translator_keeps_its_keys(airbyte):
    class Grouped(DagsterAirbyteKeysTranslator):
        def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
            return super().get_asset_spec(props).replace_attributes(group_name="ingest")

    assets = load_airbyte_cloud_assets(
        airbyte=airbyte,
        connection_filter=lambda c: c.name == STRIPE,
        translator=Grouped(),
        key_scheme="dagster_airbyte",  # agrees with the translator: allowed
    )

    (stripe,) = assets
    assert {spec.key.to_user_string() for spec in stripe.specs} == {
        "stripe_charges",
        "stripe_customers",
        "stripe_balance_transactions",
    }
    assert {spec.group_name for spec in stripe.specs} == {"ingest"}


@pytest.mark.parametrize(
    ("translator", "key_scheme", "message"),
    [
        (AirbyteTranslator(), "dagster_airbyte", "subclass DagsterAirbyteKeysTranslator"),
        (DagsterAirbyteKeysTranslator(), "namespace_table", "subclass AirbyteTranslator"),
        (None, "dagster-airbyte", "is not one of 'namespace_table', 'dagster_airbyte'"),
    ],
)
def test_a_key_scheme_at_odds_is_refused_before_any_request(
    airbyte, airbyte_sandbox, translator, key_scheme, message
):
    before = len(airbyte_sandbox.requests)

    with pytest.raises(dg.DagsterInvalidDefinitionError, match=message):
        load_airbyte_cloud_assets(airbyte=airbyte, translator=translator, key_scheme=key_scheme)

    assert len(airbyte_sandbox.requests) == before


def test_each_airbyte_tag_of_a_connection_is_a_dagster_tag_on_its_tables(airbyte):
    assets = load_airbyte_cloud_assets(airbyte=airbyte)
    compatible = _specs(airbyte, key_scheme="dagster_airbyte")

    stripe = [
        spec
        for assets_def in assets
        for spec in assets_def.specs
        if spec.metadata["airbyte/connection_name"] == STRIPE
    ]
    for spec in [*stripe, *compatible[STRIPE]]:
        airbyte_tags = {k: v for k, v in spec.tags.items() if not k.startswith("dagster/")}
        assert airbyte_tags == {"airbyte/team_finance": "", "airbyte/tier_1": ""}
    # A user selects a team's tables by their Airbyte tag.
    graph = dg.Definitions(assets=assets, resources={"airbyte": airbyte}).resolve_asset_graph()
    selected = dg.AssetSelection.from_string("tag:airbyte/team_finance").resolve(graph)
    assert {key.to_user_string() for key in selected} == _keys(stripe)


def test_tag_names_become_valid_dagster_tag_keys():
    long_name = "owner:" + "x" * 80

    assert tag_key("team:finance") == "airbyte/team_finance"
    assert tag_key("PII data (EU)") == "airbyte/PII_data_EU"
    assert tag_key("v1.2-beta") == "airbyte/v1.2-beta"
    assert tag_key("→") == tag_key("→") != tag_key("←")  # nothing usable: a stable hash
    assert len(tag_key(long_name)) == len("airbyte/") + 63
    assert tag_key(long_name) != tag_key(long_name + "y")  # cut, but still told apart
    for name in ("team:finance", "PII data (EU)", "→", long_name):
        dg.AssetSpec("table", tags={tag_key(name): ""})  # Dagster's own check of tag keys


def test_one_part_keys_keep_every_name_dagster_loads():
    assert key_part("stripe_balance-transactions") == "stripe_balance-transactions"
    assert key_part("v1.events") == "v1.events"
    assert key_part("orders/2024-items") == "orders_2024_items"
    assert key_part("type") == "type_"  # a name Dagster reserves
    assert key_part("class") == "class_"
