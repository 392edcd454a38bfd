"""The sandbox's warehouse names its tables as the destination type it pretends to be would.

Expected names are the worked examples of docs/airbyte/destination-names.md §3. The
sandbox keeps its own copy of those rules (``sandbox/table_names.py``); the last test checks
that it and the client's copy (``api/destination_names.py``) agree name for name.
"""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
import requests

from airbyte_cloud_dagster.api import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteStream,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.tables import resolve_destination_tables
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.seed import (
    ConfiguredStreamSeed,
    ConnectionSeed,
    DestinationSeed,
)
from airbyte_cloud_dagster.sandbox.table_names import landing_tables
from airbyte_cloud_dagster.sandbox.workspaces import demo_workspace

from .conftest import APP_POSTGRES, S3_FILES, start_job, wait_for_job

CONFIGURATIONS = {
    "postgres": {"database": "analytics", "schema": "raw"},
    "snowflake": {"database": "analytics", "schema": "raw"},
    "bigquery": {"project_id": "analytics", "dataset_id": "raw"},
    "redshift": {"database": "analytics", "schema": "raw"},
    "databricks": {"database": "analytics", "schema": "raw"},
    "motherduck": {"destination_path": "md:analytics"},
    "clickhouse": {"database": "raw"},
    "mssql": {"database": "analytics", "schema": "raw"},
    "s3-data-lake": {"catalog_type": {"catalog_type": "REST", "namespace": "raw"}},
    "": {"database": "analytics", "schema": "raw"},
}
ODD_STREAMS = [
    # (source namespace, stream name); the connection uses namespaceDefinition "source".
    (None, "invoice line items"),
    ("Sales-EU", "orders/2024-items"),
    (None, "1st.try"),
    (None, "daily events"),
    ("public", "Customers"),
    (None, "Mixed Case"),
    (None, "café"),
    (None, "a" * 200),
    ("public", "orders-2024"),
    ("public", "orders_2024"),
]


def _destination(destination_type: str, configuration: dict | None = None) -> DestinationSeed:
    return DestinationSeed(
        destination_id="d0000000-0000-4000-8000-000000000001",
        name="Warehouse",
        destination_type=destination_type,
        configuration=configuration or CONFIGURATIONS[destination_type],
    )


def _connection(streams: list[tuple[str | None, str]], prefix: str = "") -> ConnectionSeed:
    return ConnectionSeed(
        connection_id="c0000000-0000-4000-8000-000000000001",
        name="c",
        source_id="s0000000-0000-4000-8000-000000000001",
        destination_id="d0000000-0000-4000-8000-000000000001",
        streams=[ConfiguredStreamSeed(name, namespace) for namespace, name in streams],
        namespace_definition="source",
        prefix=prefix,
    )


@pytest.mark.parametrize(
    ("destination_type", "expected"),
    [
        (
            "postgres",
            [
                ("raw", "stripe_invoice_line_items"),
                ("Sales_EU", "stripe_orders_2024_items"),
                ("raw", "stripe_1st_try"),
                ("public", "stripe_Customers"),
            ],
        ),
        (
            "snowflake",
            [
                ("RAW", "STRIPE_INVOICE LINE ITEMS"),
                ("SALES-EU", "STRIPE_ORDERS/2024-ITEMS"),
                ("RAW", "STRIPE_1ST.TRY"),
                ("PUBLIC", "STRIPE_CUSTOMERS"),
            ],
        ),
        (
            "motherduck",
            [
                ("main", "stripe_invoice_line_items"),
                ("main", "stripe_orders_2024_items"),
                ("main", "stripe_1st_try"),
                ("main", "stripe_customers"),
            ],
        ),
        (
            "s3-data-lake",
            [
                ("raw", "stripe_invoice line items"),
                ("Sales-EU", "stripe_orders/2024-items"),
                ("raw", "stripe_1st.try"),
                ("public", "stripe_Customers"),
            ],
        ),
    ],
)
def test_a_prefix_is_added_before_the_destination_normalises(destination_type, expected):
    streams = [(None, "invoice line items"), ("Sales-EU", "orders/2024-items")]
    streams += [(None, "1st.try"), ("public", "Customers")]

    assert (
        landing_tables(_connection(streams, "stripe_"), _destination(destination_type)) == expected
    )


def test_a_glue_catalog_lowercases_and_replaces():
    glue = {"catalog_type": {"catalog_type": "GLUE", "database_name": "Raw"}}
    connection = _connection([(None, "Invoice Line Items"), ("Sales-EU", "orders/2024-items")])

    assert landing_tables(connection, _destination("s3-data-lake", glue)) == [
        ("raw", "invoice_line_items"),
        ("sales_eu", "orders_2024_items"),
    ]


@pytest.mark.slow
def test_the_demo_warehouse_holds_postgres_names(airbyte_sandbox: Sandbox, api: requests.Session):
    for connection in (APP_POSTGRES, S3_FILES):
        job = start_job(airbyte_sandbox, api, connection)
        assert wait_for_job(airbyte_sandbox, api, job["jobId"])[0]["status"] == "succeeded"

    with sqlite3.connect(airbyte_sandbox.warehouse_path) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "app_billing.invoice_line_items",
        "raw.orders_2024_items",
        "raw._1st_try",
        "raw.daily_events",
    } <= names
    assert not {"app_billing.invoice line items", "raw.1st.try", "raw.daily events"} & names


def test_a_snowflake_sandbox_lands_upper_case_tables(tmp_path):
    workspace = demo_workspace()
    workspace.destinations = [
        dataclasses.replace(d, destination_type="snowflake") for d in workspace.destinations
    ]
    with Sandbox(workspace, job_duration=0.2, warehouse_path=tmp_path / "w.sqlite") as sandbox:
        with requests.Session() as api:
            api.headers["Authorization"] = f"Bearer {sandbox.issue_token()}"
            job = start_job(sandbox, api, S3_FILES)
            assert wait_for_job(sandbox, api, job["jobId"])[0]["status"] == "succeeded"
        with sqlite3.connect(sandbox.warehouse_path) as db:
            landed = db.execute("SELECT namespace, table_name FROM _airbyte_syncs").fetchall()

    assert landed == [("RAW", "ORDERS/2024-ITEMS"), ("RAW", "1ST.TRY"), ("RAW", "DAILY EVENTS")]


def _client_tables(destination_type: str, streams, prefix: str) -> list[tuple[str, str]]:
    config = CONFIGURATIONS[destination_type]
    destination = AirbyteDestination(
        destination_id="d0000000-0000-4000-8000-000000000001",
        name="Warehouse",
        destination_type=destination_type,
        workspace_id="w0000000-0000-4000-8000-000000000001",
        database=config.get("database") or config.get("project_id"),
        default_schema=config.get("schema") or config.get("dataset_id"),
    )
    connection = AirbyteConnection(
        connection_id="c0000000-0000-4000-8000-000000000001",
        name="c",
        source_id="s0000000-0000-4000-8000-000000000001",
        destination_id=destination.destination_id,
        workspace_id=destination.workspace_id,
        status="active",
        schedule=ConnectionSchedule(schedule_type="manual"),
        namespace_definition="source",
        prefix=prefix,
        streams=tuple(AirbyteStream(name=name, namespace=ns) for ns, name in streams),
    )
    return [(t.schema, t.name) for t in resolve_destination_tables(connection, destination)]


# S3 Data Lake is left out: its default namespace sits inside ``catalog_type``, which the
# client's AirbyteDestination does not keep, so only the sandbox knows it.
@pytest.mark.parametrize("destination_type", sorted(set(CONFIGURATIONS) - {"s3-data-lake"}))
@pytest.mark.parametrize("prefix", ["", "Stripe "])
def test_the_sandbox_and_the_client_name_every_table_alike(destination_type, prefix):
    sandbox_names = landing_tables(_connection(ODD_STREAMS, prefix), _destination(destination_type))

    assert sandbox_names == _client_tables(destination_type, ODD_STREAMS, prefix)
