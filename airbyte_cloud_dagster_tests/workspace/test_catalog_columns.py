"""Typed columns from each connection's stored catalog (the Config API's ``connections/get``),
and names only from ``GET /streams`` where that API does not answer."""

from __future__ import annotations

import json
import logging
import time

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteLoadOptions, AirbyteWorkspaceData
from airbyte_cloud_dagster.sandbox import (
    ConfiguredStreamSeed,
    ConnectionSeed,
    DestinationSeed,
    Sandbox,
    SourceSeed,
    StreamSeed,
    WorkspaceSeed,
    demo_workspace,
)
from airbyte_cloud_dagster.workspace.columns import column_schema
from airbyte_cloud_dagster.workspace.snapshot import read_snapshot, write_snapshot

from ..helpers import APP_POSTGRES, STRIPE, sandbox_resource


def fetch(sandbox, **options) -> AirbyteWorkspaceData:
    client = sandbox_resource(sandbox).get_client()
    return AirbyteWorkspaceData.fetch(
        client, AirbyteLoadOptions(**options), workspace_id=sandbox.workspace_id
    )


def tables(data: AirbyteWorkspaceData) -> dict[str, dg.TableSchema | None]:
    """``{"<connection>/[<namespace>.]<stream>": the column schema its spec shows}``."""
    return {
        f"{props.connection.name}/{_stream_name(props.stream)}": column_schema(
            props.stream, props.stream_properties
        )
        for connection in data.connections
        for props in data.stream_props(connection)
    }


def _stream_name(stream) -> str:
    return f"{stream.namespace}.{stream.name}" if stream.namespace else stream.name


def columns(schema: dg.TableSchema | None) -> dict[str, dg.TableColumn]:
    assert schema is not None
    return {column.name: column for column in schema.columns}


def catalog_reads(sandbox) -> list:
    return [r for r in sandbox.requests if r.path == "/api/v1/connections/get"]


def streams_reads(sandbox) -> list:
    return [r for r in sandbox.requests if r.path.endswith("/streams")]


def test_the_demo_tables_show_typed_columns_read_from_the_stored_catalog(airbyte_sandbox):
    shown = tables(fetch(airbyte_sandbox))

    charges = columns(shown[f"{STRIPE}/charges"])
    assert (charges["amount"].type, charges["amount"].constraints.nullable) == ("integer", True)
    # Stripe sends times as epoch seconds, and says so in the field's description.
    assert charges["created"].type == "integer"
    assert "seconds since the Unix epoch" in (charges["created"].description or "")
    orders = columns(shown[f"{APP_POSTGRES}/public.orders"])
    assert {name: column.type for name, column in orders.items()} == {
        "id": "integer",  # {"type": "number", "airbyte_type": "integer"}
        "customer_id": "integer",
        "amount": "number",
        "status": "string",
        "updated_at": "timestamp_tz",
    }
    assert orders["status"].constraints.nullable is False  # {"type": "string"}: no null
    customers = columns(shown[f"{APP_POSTGRES}/public.customers"])
    assert customers["address"].type == "object"  # a nested object is one column


def test_only_the_selected_fields_are_columns(airbyte_sandbox):
    shown = tables(fetch(airbyte_sandbox))

    # The demo's Stripe source offers receipt_email, status, ...; the connection selects five.
    assert list(columns(shown[f"{STRIPE}/charges"])) == [
        "id",
        "amount",
        "currency",
        "customer",
        "created",
    ]


def test_primary_key_and_cursor_columns_say_so(airbyte_sandbox):
    shown = tables(fetch(airbyte_sandbox))

    customers = columns(shown[f"{STRIPE}/customers"])  # incremental_deduped_history
    assert customers["id"].description == "Primary key."
    assert customers["id"].constraints.unique is True  # deduplicated: one row per key
    assert customers["created"].description.startswith("Cursor field.")
    charges = columns(shown[f"{STRIPE}/charges"])  # incremental_append keeps every version
    assert charges["id"].description == "Primary key."
    assert charges["id"].constraints.unique is False
    balance = columns(shown[f"{STRIPE}/balance_transactions"])  # full refresh: no cursor
    assert "Cursor field." not in (balance["created"].description or "")


def test_the_stored_catalog_replaces_get_streams(airbyte_sandbox):
    fetch(airbyte_sandbox)

    # One Config API read per active connection (three), and no schema discovery at all.
    assert len(catalog_reads(airbyte_sandbox)) == 3
    assert streams_reads(airbyte_sandbox) == []


@pytest.mark.parametrize(
    ("status", "asked"),
    [(404, 1), (500, 1), (401, 2)],  # a 401 is asked again once, with a fresh token
)
def test_without_the_config_api_columns_are_names_from_get_streams_said_once(
    airbyte_sandbox, caplog, status, asked
):
    caplog.set_level(logging.INFO)
    airbyte_sandbox.faults.refuse_config_api(status)

    shown = tables(fetch(airbyte_sandbox))

    charges = columns(shown[f"{STRIPE}/charges"])
    assert list(charges) == ["id", "amount", "currency", "customer", "created"]
    assert {column.type for column in charges.values()} == {"unknown"}
    said = [r.getMessage() for r in caplog.records if "Config API" in r.getMessage()]
    assert len(said) == 1 and f"HTTP {status}" in said[0] and "GET /streams" in said[0]
    assert len(catalog_reads(airbyte_sandbox)) == asked  # for one connection, not for each
    assert len(streams_reads(airbyte_sandbox)) == 3


def test_a_catalog_the_config_api_does_not_give_falls_back_for_that_connection(caplog):
    caplog.set_level(logging.INFO)
    seed = demo_workspace()
    stripe = next(s for s in seed.sources if s.name == "Stripe")
    # Stripe's stored catalog comes back in a shape we do not read (a list, not a schema).
    stripe.streams[0].json_schema = ["not", "a", "schema"]  # type: ignore[assignment]
    with Sandbox(seed) as sandbox:
        shown = tables(fetch(sandbox))
        streams = streams_reads(sandbox)

    assert {column.type for column in columns(shown[f"{STRIPE}/charges"]).values()} == {"unknown"}
    assert columns(shown[f"{APP_POSTGRES}/public.orders"])["amount"].type == "number"
    assert [r.query for r in streams] == [f"sourceId={stripe.source_id}"]
    said = [r.getMessage() for r in caplog.records if "Config API" in r.getMessage()]
    assert said == [
        "Airbyte's Config API did not give the stored catalog of 1 connection(s) (an "
        "unexpected answer), so their columns are read from GET /streams, with names and no "
        "types."
    ]


def _typed_seed() -> WorkspaceSeed:
    """One source whose stream declares every kind of Airbyte type."""
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": ["null", "string"]},
            "price": {"type": "number"},
            "count": {"type": "number", "airbyte_type": "integer"},
            "active": {"type": ["null", "boolean"]},
            "day": {"type": ["null", "string"], "format": "date"},
            "at": {"type": "string", "format": "date-time"},
            "local_at": {
                "type": "string",
                "format": "date-time",
                "airbyte_type": "timestamp_without_timezone",
            },
            "opens": {"type": "string", "format": "time", "airbyte_type": "time_without_timezone"},
            "blob": {"type": "string", "contentEncoding": "base64"},
            "either": {"oneOf": [{"type": "null"}, {"type": "integer"}, {"type": "string"}]},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
            "v1": {"$ref": "WellKnownTypes.json#/definitions/TimestampWithTimezone"},
            "address": {"type": ["null", "object"], "properties": {"city": {"type": "string"}}},
            "tags": {"type": ["null", "array"], "items": {"type": "string"}},
            "anything": {},
        },
    }
    source = SourceSeed(
        "0b5e3c1e-0000-4000-8000-000000000001",
        "Typed",
        "custom",
        streams=[StreamSeed("things", fields=[(k,) for k in schema["properties"]])],
    )
    source.streams[0].json_schema = schema
    destination = DestinationSeed(
        "0b5e3c1e-0000-4000-8000-000000000002", "DW", "postgres", {"schema": "raw"}
    )
    connection = ConnectionSeed(
        "0b5e3c1e-0000-4000-8000-000000000003",
        "Typed → DW",
        source.source_id,
        destination.destination_id,
        streams=[ConfiguredStreamSeed("things")],
    )
    return WorkspaceSeed(
        "0b5e3c1e-0000-4000-8000-000000000004",
        "Typed",
        sources=[source],
        destinations=[destination],
        connections=[connection],
    )


def test_airbyte_types_map_to_column_types():
    with Sandbox(_typed_seed()) as sandbox:
        shown = columns(tables(fetch(sandbox))["Typed → DW/things"])

    typed = {name: (c.type, c.constraints.nullable) for name, c in shown.items()}
    assert typed == {
        "id": ("integer", False),
        "name": ("string", True),
        "price": ("number", False),
        "count": ("integer", False),
        "active": ("boolean", True),
        "day": ("date", True),
        "at": ("timestamp_tz", False),
        "local_at": ("timestamp", False),
        "opens": ("time", False),
        "blob": ("binary", False),
        "either": ("json", True),  # several types: destinations land it as JSON
        "maybe": ("integer", True),
        "v1": ("timestamp_tz", False),
        "address": ("object", True),
        "tags": ("array", True),
        "anything": ("unknown", True),
    }


def test_a_snapshot_keeps_the_types_and_reads_an_older_untyped_one(airbyte_sandbox, tmp_path):
    data = fetch(airbyte_sandbox)
    path = write_snapshot(data, tmp_path / "snapshot.json")

    read = read_snapshot(path)

    assert read == data
    assert columns(tables(read)[f"{STRIPE}/charges"])["amount"].type == "integer"
    # A version 1 file (before typed columns and tags) still loads, its columns untyped.
    with Sandbox() as old:
        old.faults.refuse_config_api(404)
        older = fetch(old).to_dict()
    for key in ("connection_catalogs", "degraded"):
        del older[key]
    for connection in older["connections"]:
        del connection["tags"]
    for items in older["stream_properties"].values():
        for item in items:
            del item["columns"]
    (tmp_path / "v1.json").write_text(json.dumps({"version": 1, **older}))
    v1 = read_snapshot(tmp_path / "v1.json")
    assert columns(tables(v1)[f"{STRIPE}/charges"])["amount"].type == "unknown"


@pytest.mark.slow
def test_schema_discoveries_run_at_most_eight_at_once_whatever_the_concurrency():
    from airbyte_cloud_dagster.sandbox import generate_workspace
    from airbyte_cloud_dagster.workspace.fetching import DISCOVERIES_AT_ONCE

    # 16 sources, each GET /streams a 0.4 s discovery, the Config API gone: 16 requests could
    # fly at once, but discoveries go 8 at a time, so two rounds: at least 0.8 s.
    with Sandbox(generate_workspace(16, 2), discovery_seconds=0.4) as sandbox:
        sandbox.faults.refuse_config_api(404)
        started = time.monotonic()
        data = AirbyteWorkspaceData.fetch(
            sandbox_resource(sandbox).get_client(),
            AirbyteLoadOptions(max_concurrent_requests=16),
        )
        elapsed = time.monotonic() - started

    assert DISCOVERIES_AT_ONCE == 8
    assert sandbox.discovery.discoveries == 16 and len(data.stream_properties) == 16
    assert elapsed >= 2 * 0.4
