"""Where a stream lands and which key it gets, for the cases the demo workspace cannot show.

These are pure functions of already-parsed API objects, so no server is involved.
"""

from __future__ import annotations

import pytest

from airbyte_cloud_dagster import AirbyteWorkspaceData, build_airbyte_assets
from airbyte_cloud_dagster.api import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteStream,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.tables import resolve_destination_table
from airbyte_cloud_dagster.api.web import connection_url

WAREHOUSE = AirbyteDestination(
    destination_id="d0000000-0000-4000-8000-000000000001",
    name="BigQuery",
    destination_type="bigquery",
    workspace_id="w0000000-0000-4000-8000-000000000001",
    database="my-project",
    default_schema="airbyte_raw",
)


def _connection(name: str = "c", streams=(), **settings) -> AirbyteConnection:
    return AirbyteConnection(
        connection_id=f"c{abs(hash(name)) % 10**7:07d}-0000-4000-8000-000000000001",
        name=name,
        source_id="s0000000-0000-4000-8000-000000000001",
        destination_id=WAREHOUSE.destination_id,
        workspace_id=WAREHOUSE.workspace_id,
        status="active",
        schedule=ConnectionSchedule(schedule_type="manual"),
        streams=tuple(streams),
        **settings,
    )


@pytest.mark.parametrize(
    ("settings", "stream_namespace", "expected_schema"),
    [
        ({"namespace_definition": "destination"}, "public", "airbyte_raw"),
        ({"namespace_definition": "source"}, "public", "public"),
        ({"namespace_definition": "source"}, None, "airbyte_raw"),
        (
            {"namespace_definition": "custom_format", "namespace_format": "pg_${SOURCE_NAMESPACE}"},
            "sales",
            "pg_sales",
        ),
        (
            {"namespace_definition": "custom_format", "namespace_format": "${SOURCE_NAMESPACE}"},
            None,
            "airbyte_raw",
        ),
        ({"namespace_definition": "custom_format", "namespace_format": "fixed"}, None, "fixed"),
    ],
)
def test_the_namespace_follows_airbytes_rules(settings, stream_namespace, expected_schema):
    stream = AirbyteStream(name="orders", namespace=stream_namespace)

    table = resolve_destination_table(_connection(**settings), stream, WAREHOUSE)

    assert table.schema == expected_schema
    assert table.qualified_name == f"my-project.{expected_schema}.orders"


def test_the_table_name_is_the_prefix_and_the_stream_name_as_bigquery_normalises_them():
    table = resolve_destination_table(
        _connection(prefix="shop_"), AirbyteStream(name="Order Items"), WAREHOUSE
    )

    assert table.airbyte_name == "shop_Order Items"
    assert table.name == "shop_Order_Items"
    assert table.qualified_name == "my-project.airbyte_raw.shop_Order_Items"


def test_the_asset_key_stays_airbytes_name_whatever_the_warehouse_makes_of_it():
    connection = _connection(streams=[AirbyteStream(name="1st.try")], prefix="Shop ")
    data = AirbyteWorkspaceData(
        api_url="https://api.airbyte.com/v1",
        connections=(connection,),
        destinations={WAREHOUSE.destination_id: WAREHOUSE},
        stream_properties={},
    )

    ((spec,),) = [asset.specs for asset in build_airbyte_assets(data)]

    assert spec.key.to_user_string() == "airbyte_raw/Shop_1st_try"
    assert spec.metadata["dagster/table_name"] == "my-project.airbyte_raw.Shop_1st_try"


def test_an_unreadable_destination_leaves_only_the_table_name():
    table = resolve_destination_table(_connection(), AirbyteStream(name="orders"), None)

    assert (table.database, table.schema, table.qualified_name) == (None, None, "orders")


def test_streams_whose_names_sanitise_alike_still_get_distinct_keys():
    connection = _connection(streams=[AirbyteStream(name="a-b"), AirbyteStream(name="a_b")])
    data = AirbyteWorkspaceData(
        api_url="https://api.airbyte.com/v1",
        connections=(connection,),
        destinations={WAREHOUSE.destination_id: WAREHOUSE},
        stream_properties={},
    )

    (asset,) = build_airbyte_assets(data)

    keys = sorted(spec.key.to_user_string() for spec in asset.specs)
    assert len(set(keys)) == 2
    assert all(key.startswith("airbyte_raw/a_b_") for key in keys)


def test_two_connections_with_one_name_get_distinct_step_names():
    data = AirbyteWorkspaceData(
        api_url="https://api.airbyte.com/v1",
        connections=(
            _connection("Shop", [AirbyteStream(name="orders")], prefix="eu_"),
            _connection("Shop ", [AirbyteStream(name="orders")], prefix="us_"),
        ),
        destinations={WAREHOUSE.destination_id: WAREHOUSE},
        stream_properties={},
    )

    names = [asset.op.name for asset in build_airbyte_assets(data)]

    assert len(set(names)) == 2
    assert all(name.startswith("airbyte_sync_shop") for name in names)


@pytest.mark.parametrize(
    ("api_url", "expected_root"),
    [
        ("https://api.airbyte.com/v1", "https://cloud.airbyte.com"),
        ("https://airbyte.example.com/api/public/v1", "https://airbyte.example.com"),
        ("http://127.0.0.1:8000/api/public/v1/", "http://127.0.0.1:8000"),
    ],
)
def test_connection_links_point_at_the_web_app(api_url, expected_root):
    assert connection_url(api_url, "w1", "c1") == f"{expected_root}/workspaces/w1/connections/c1"
