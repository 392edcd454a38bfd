"""The table each destination really writes, for the odd names the demo and users have.

One row per case: destination type, source namespace (``namespaceDefinition: source``, None =
the destination's default), stream, prefix, and the expected ``dagster/table_name``. Expected
values are the worked examples of docs/airbyte/destination-names.md §3; the default
database is ``analytics`` and the default schema ``raw`` unless a row says otherwise.
"""

from __future__ import annotations

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteStream,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.destination_names import (
    ICEBERG_GLUE,
    alphanumeric_and_underscore,
    java_string_hash,
)
from airbyte_cloud_dagster.api.tables import resolve_destination_table, resolve_destination_tables

# Destination type -> (configuration.database or project_id, configuration.schema or dataset_id)
CONFIGURED = {
    "snowflake": ("analytics", "raw"),
    "bigquery": ("analytics", "raw"),
    "postgres": ("analytics", "raw"),
    "redshift": ("analytics", "raw"),
    "databricks": ("Analytics", "raw"),
    "motherduck": (None, None),  # database lives in destination_path; schema defaults to main
    "clickhouse": ("raw", None),  # configuration.database is the default namespace
    "mssql": ("analytics", "raw"),
    "s3-data-lake": (None, None),  # the catalog's namespace is nested in catalog_type
    "": ("analytics", "raw"),  # a custom connector
    "duckdb": ("analytics", "raw"),  # not modelled: its naming is unconfirmed (§7)
}


def destination(destination_type: str) -> AirbyteDestination:
    database, schema = CONFIGURED[destination_type]
    return AirbyteDestination(
        destination_id="d0000000-0000-4000-8000-000000000001",
        name="Warehouse",
        destination_type=destination_type,
        workspace_id="w0000000-0000-4000-8000-000000000001",
        database=database,
        default_schema=schema,
    )


def connection(streams: list[AirbyteStream], prefix: str = "") -> AirbyteConnection:
    return AirbyteConnection(
        connection_id="c0000000-0000-4000-8000-000000000001",
        name="c",
        source_id="s0000000-0000-4000-8000-000000000001",
        destination_id="d0000000-0000-4000-8000-000000000001",
        workspace_id="w0000000-0000-4000-8000-000000000001",
        status="active",
        schedule=ConnectionSchedule(schedule_type="manual"),
        namespace_definition="source",
        prefix=prefix,
        streams=tuple(streams),
    )


A200 = "a" * 200
CASES = [
    # Snowflake 4.x: upper case, characters kept, quoted where SQL needs it.
    (
        "snowflake",
        None,
        "invoice line items",
        "stripe_",
        'ANALYTICS.RAW."STRIPE_INVOICE LINE ITEMS"',
    ),
    ("snowflake", "Sales-EU", "orders/2024-items", "", 'ANALYTICS."SALES-EU"."ORDERS/2024-ITEMS"'),
    ("snowflake", None, "1st.try", "", 'ANALYTICS.RAW."1ST.TRY"'),
    ("snowflake", None, "daily events", "", 'ANALYTICS.RAW."DAILY EVENTS"'),
    ("snowflake", "public", "Customers", "", "ANALYTICS.PUBLIC.CUSTOMERS"),
    ("snowflake", None, "Mixed Case", "", 'ANALYTICS.RAW."MIXED CASE"'),
    ("snowflake", None, "café", "", 'ANALYTICS.RAW."CAFÉ"'),
    ("snowflake", None, "${x}", "", "ANALYTICS.RAW.__X_"),
    ("snowflake", None, A200, "", f"ANALYTICS.RAW.{'A' * 200}"),
    # BigQuery: alnum_us; tables get "_" before a digit, datasets "n" before a non-alnum.
    ("bigquery", None, "invoice line items", "stripe_", "analytics.raw.stripe_invoice_line_items"),
    ("bigquery", "Sales-EU", "orders/2024-items", "", "analytics.Sales_EU.orders_2024_items"),
    ("bigquery", None, "1st.try", "", "analytics.raw._1st_try"),
    ("bigquery", None, "daily events", "", "analytics.raw.daily_events"),
    ("bigquery", "_private", "Customers", "", "analytics.n_private.Customers"),
    ("bigquery", "2024x", "Mixed Case", "", "analytics.`2024x`.Mixed_Case"),
    ("bigquery", None, "café", "", "analytics.raw.cafe"),
    # Postgres 3.x: alnum_us, "_" before a digit, case kept (so quoted), 63 characters.
    ("postgres", None, "invoice line items", "stripe_", "analytics.raw.stripe_invoice_line_items"),
    ("postgres", "Sales-EU", "orders/2024-items", "", 'analytics."Sales_EU".orders_2024_items'),
    ("postgres", None, "1st.try", "", "analytics.raw._1st_try"),
    ("postgres", None, "daily events", "", "analytics.raw.daily_events"),
    ("postgres", "public", "Customers", "", 'analytics.public."Customers"'),
    ("postgres", None, "Mixed Case", "", 'analytics.raw."Mixed_Case"'),
    ("postgres", None, "café", "", "analytics.raw.cafe"),
    ("postgres", None, A200, "", f"analytics.raw.{'a' * 54}_69437568"),
    # Redshift 4.x: alnum_us, lower case, "_" before a digit, 127 characters.
    ("redshift", None, "invoice line items", "stripe_", "analytics.raw.stripe_invoice_line_items"),
    ("redshift", "Sales-EU", "orders/2024-items", "", "analytics.sales_eu.orders_2024_items"),
    ("redshift", None, "1st.try", "", "analytics.raw._1st_try"),
    ("redshift", "public", "Customers", "", "analytics.public.customers"),
    ("redshift", None, "Mixed Case", "", "analytics.raw.mixed_case"),
    ("redshift", None, "café", "", "analytics.raw.cafe"),
    ("redshift", None, A200, "", f"analytics.raw.{'a' * 118}_1bfb0c80"),
    # Databricks 4.x: alnum_us, "_" before a digit, lower case (the catalog too), 255 chars.
    (
        "databricks",
        None,
        "invoice line items",
        "stripe_",
        "analytics.raw.stripe_invoice_line_items",
    ),
    ("databricks", "Sales-EU", "orders/2024-items", "", "analytics.sales_eu.orders_2024_items"),
    ("databricks", None, "1st.try", "", "analytics.raw._1st_try"),
    ("databricks", "public", "Customers", "", "analytics.public.customers"),
    ("databricks", None, "daily events", "", "analytics.raw.daily_events"),
    ("databricks", None, "café", "", "analytics.raw.cafe"),
    ("databricks", None, "A" * 300, "", f"analytics.raw.{'a' * 246}_57341248"),
    # MotherDuck: always its configured schema (main); lower case, no NFKD (café -> caf_).
    ("motherduck", None, "invoice line items", "stripe_", "main.stripe_invoice_line_items"),
    ("motherduck", "Sales-EU", "orders/2024-items", "", "main.orders_2024_items"),
    ("motherduck", None, "1st.try", "", "main._1st_try"),
    ("motherduck", None, "Customers", "", "main.customers"),
    ("motherduck", None, "daily events", "", "main.daily_events"),
    ("motherduck", None, "café", "", "main.caf_"),
    # ClickHouse: database.table; alnum_us, "_" before a digit, case kept (and case-sensitive).
    ("clickhouse", None, "invoice line items", "stripe_", "raw.stripe_invoice_line_items"),
    ("clickhouse", "Sales-EU", "orders/2024-items", "", "Sales_EU.orders_2024_items"),
    ("clickhouse", None, "1st.try", "", "raw._1st_try"),
    ("clickhouse", "public", "Customers", "", "public.Customers"),
    ("clickhouse", None, "café", "", "raw.cafe"),
    # MSSQL (v2): verbatim, in [brackets] where needed.
    ("mssql", None, "invoice line items", "stripe_", "analytics.raw.[stripe_invoice line items]"),
    ("mssql", "Sales-EU", "orders/2024-items", "", "analytics.[Sales-EU].[orders/2024-items]"),
    ("mssql", None, "1st.try", "", "analytics.raw.[1st.try]"),
    ("mssql", "public", "Customers", "", "analytics.public.Customers"),
    ("mssql", None, "a]b", "", "analytics.raw.[a]]b]"),
    # Iceberg / S3 Data Lake, REST/Nessie/Polaris catalogs: verbatim.
    ("s3-data-lake", "raw", "invoice line items", "stripe_", 'raw."stripe_invoice line items"'),
    ("s3-data-lake", "Sales-EU", "orders/2024-items", "", '"Sales-EU"."orders/2024-items"'),
    ("s3-data-lake", None, "Customers", "", "Customers"),
    # Unknown destinations and custom connectors: the raw names, quoted where needed.
    ("", None, "invoice line items", "stripe_", 'analytics.raw."stripe_invoice line items"'),
    ("", "Sales-EU", "orders/2024-items", "", 'analytics."Sales-EU"."orders/2024-items"'),
    ("", None, "1st.try", "", 'analytics.raw."1st.try"'),
    ("", None, "daily events", "", 'analytics.raw."daily events"'),
    ("", None, "Mixed Case", "", 'analytics.raw."Mixed Case"'),
    ("", "public", 'say "hi"', "", 'analytics.public."say ""hi"""'),
    ("duckdb", None, "orders/2024-items", "", 'analytics.raw."orders/2024-items"'),
]


@pytest.mark.parametrize(("destination_type", "namespace", "stream", "prefix", "expected"), CASES)
def test_the_table_name_is_the_one_the_destination_writes(
    destination_type, namespace, stream, prefix, expected
):
    airbyte_stream = AirbyteStream(name=stream, namespace=namespace)

    table = resolve_destination_table(
        connection([airbyte_stream], prefix), airbyte_stream, destination(destination_type)
    )

    assert table.qualified_name == expected


def test_the_asset_key_names_stay_airbytes_own():
    stream = AirbyteStream(name="invoice line items", namespace="Sales-EU")

    table = resolve_destination_table(
        connection([stream], "stripe_"), stream, destination("snowflake")
    )

    assert (table.schema, table.name) == ("SALES-EU", "STRIPE_INVOICE LINE ITEMS")
    assert (table.airbyte_namespace, table.airbyte_name) == (
        "Sales-EU",
        "stripe_invoice line items",
    )


@pytest.mark.parametrize(
    ("destination_type", "streams", "expected"),
    [
        # §4: the later stream gets sha1("<schema>&airbyte&<name>")[:3], normalised again.
        ("postgres", ["orders-2024", "orders_2024"], ["orders_2024", "orders_2024_fd8"]),
        ("snowflake", ["Customers", "customers"], ["CUSTOMERS", "CUSTOMERS_500"]),
        ("bigquery", ["a-b", "a b"], ["a_b", "a_b_49f"]),
        # No collision handling found in MotherDuck's or MSSQL's code: both write one table.
        ("motherduck", ["Customers", "customers"], ["customers", "customers"]),
        ("mssql", ["a", "a"], ["a", "a"]),
    ],
)
def test_streams_that_meet_on_one_table_are_renamed_like_airbyte(
    destination_type, streams, expected
):
    airbyte_streams = [AirbyteStream(name=name) for name in streams]

    tables = resolve_destination_tables(connection(airbyte_streams), destination(destination_type))

    assert [table.name for table in tables] == expected


def test_the_same_name_in_two_schemas_is_no_collision():
    streams = [AirbyteStream(name="customers", namespace=n) for n in ("public", "billing")]

    tables = resolve_destination_tables(connection(streams), destination("postgres"))

    assert [table.qualified_name for table in tables] == [
        "analytics.public.customers",
        "analytics.billing.customers",
    ]


def test_a_glue_catalog_lowercases_schema_and_table():
    assert ICEBERG_GLUE.schema_name("Sales-EU", None, None) == "sales_eu"
    assert ICEBERG_GLUE.table_name("orders/2024-items") == "orders_2024_items"
    assert ICEBERG_GLUE.table_name("Customers") == "customers"


def test_bigquery_project_ids_with_dashes_stay_unquoted():
    warehouse = destination("bigquery")
    warehouse = AirbyteDestination(**{**warehouse.__dict__, "database": "my-project"})
    stream = AirbyteStream(name="orders")

    table = resolve_destination_table(connection([stream]), stream, warehouse)

    assert table.qualified_name == "my-project.raw.orders"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orders/2024-items", "orders_2024_items"),
        ("a \t b", "a_b"),  # a run of whitespace is one underscore
        ("a--b", "a__b"),  # other characters one for one
        ("Ünïcödé", "Unicode"),  # accents dropped after NFKD
        ("日本", "__"),  # other scripts become underscores
        ("ﬁle", "file"),  # NFKD also expands compatibility ligatures
    ],
)
def test_alphanumeric_and_underscore_matches_the_bulk_cdk(name, expected):
    assert alphanumeric_and_underscore(name) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("", 0), ("a", 97), ("hello", 99162322), ("a" * 200, 469437568)]
)
def test_java_string_hash(text, expected):
    assert java_string_hash(text) == expected
