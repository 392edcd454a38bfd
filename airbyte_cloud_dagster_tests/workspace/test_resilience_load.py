"""A load that survives one bad connector: a source, destination or catalog that cannot be read
costs only its connections some detail, with a warning each; only what no connection could
load past (credentials, api_url) fails the load."""

from __future__ import annotations

import logging

import pytest

from airbyte_cloud_dagster import AirbyteLoadOptions, AirbyteWorkspaceData, build_airbyte_assets
from airbyte_cloud_dagster.api import AirbyteAuthError
from airbyte_cloud_dagster.assets.specs import build_specs
from airbyte_cloud_dagster.sandbox import (
    ConfiguredStreamSeed,
    DestinationSeed,
    Sandbox,
    StreamSeed,
    WorkspaceSeed,
    generate_workspace,
)
from airbyte_cloud_dagster.workspace.loading import load_workspace_data
from airbyte_cloud_dagster.workspace.snapshot import read_snapshot, write_snapshot

from ..helpers import sandbox_resource

SECOND_DESTINATION = "6d1f0a52-0000-4000-8000-0000000000d2"


def two_destinations(connections: int = 6) -> WorkspaceSeed:
    """A generated workspace whose last two connections write to a second destination, into
    its default schema."""
    seed = generate_workspace(connections, 2)
    second = DestinationSeed(SECOND_DESTINATION, "Lake", "postgres", {"schema": "lake"})
    seed.destinations.append(second)
    for connection in seed.connections[-2:]:
        connection.destination_id = second.destination_id
        connection.namespace_definition = "destination"
    return seed


def quick(sandbox, **settings):
    """The resource with no retries and a short read timeout, so a failure shows at once."""
    return sandbox_resource(sandbox, max_retries=0, request_timeout=0.5, **settings)


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_source_answering_500_and_a_destination_timing_out_cost_only_their_connections(
    caplog,
):
    seed = two_destinations()
    with Sandbox(seed) as sandbox:
        sandbox.faults.refuse_config_api(404)  # so columns come from GET /streams
        sandbox.faults.fail("/streams", 500)  # the first source asked (whichever it is)
        sandbox.faults.delay(f"/destinations/{SECOND_DESTINATION}", 1.5)
        client = quick(sandbox).get_client()

        data = AirbyteWorkspaceData.fetch(client, logger=logging.getLogger("test.load"))
        specs = build_specs(data)

    # Every connection's tables load: 6 connections x 2 streams.
    assert len(data.connections) == 6
    assert sum(len(s) for s in specs.values()) == 12
    calls = {read.kind: read for read in data.degraded}
    assert set(calls) == {"streams", "destination"}
    assert calls["destination"].call == f"GET /destinations/{SECOND_DESTINATION}"
    assert calls["destination"].reason == "read-timeout"
    lake = {c.connection_id for c in seed.connections[-2:]}
    assert set(calls["destination"].connection_ids) == lake
    assert calls["streams"].reason == "HTTP 500" and len(calls["streams"].connection_ids) == 1
    (broken,) = calls["streams"].connection_ids
    # What the tables lack: no columns for the one, no schema in the keys of the others.
    no_columns = [s for s in specs[broken] if "dagster/column_schema" not in s.metadata]
    assert len(no_columns) == 2
    for connection_id in lake:
        assert all(len(spec.key.path) == 1 for spec in specs[connection_id])
    # One warning per failed read, naming the call, the connections and what to do.
    said = warnings_of(caplog)
    assert len(said) == 2
    (about_destination,) = [w for w in said if "/destinations/" in w]
    assert all(cid in about_destination for cid in lake)
    assert "reload the definitions (or refresh the snapshot)" in about_destination
    (about_streams,) = [w for w in said if "/streams" in w]
    assert broken in about_streams and "HTTP 500" in about_streams


def test_keyword_and_hostile_stream_names_load_when_the_schema_is_unknown():
    # A custom destination whose configuration names no schema: keys have one part, the
    # stream's own name, and Dagster refuses Python keywords and its own reserved names there.
    names = ["import", "class", "type", "config", "1st.try", "daily events", "ünïcode", "///"]
    seed = generate_workspace(1, 1)
    source, connection = seed.sources[0], seed.connections[0]
    source.streams = [StreamSeed(name, fields=[("id",)]) for name in names]
    connection.streams = [ConfiguredStreamSeed(name) for name in names]
    connection.namespace_definition, connection.prefix = "destination", ""
    seed.destinations[0].configuration = {"host": "lake.internal"}
    seed.destinations[0].destination_type = ""
    with Sandbox(seed) as sandbox:
        data = AirbyteWorkspaceData.fetch(sandbox_resource(sandbox).get_client())

    assets = build_airbyte_assets(data)  # Dagster checks every name here

    keys = {spec.key.to_user_string() for asset in assets for spec in asset.specs}
    assert len(keys) == len(names)


def test_refused_credentials_still_fail_the_load(airbyte_sandbox):
    airbyte_sandbox.faults.fail("/destinations/*", 401, times=None)

    with pytest.raises(AirbyteAuthError):
        AirbyteWorkspaceData.fetch(quick(airbyte_sandbox).get_client())


def test_a_destination_gone_says_to_check_it_in_airbyte(airbyte_sandbox, caplog):
    airbyte_sandbox.faults.fail("/destinations/*", 404, times=None)

    data = AirbyteWorkspaceData.fetch(quick(airbyte_sandbox).get_client())

    assert len(build_specs(data)) == 3  # the demo's three active connections
    (said,) = warnings_of(caplog)
    assert "HTTP 404" in said and "check in Airbyte that the connection's destination" in said


def test_the_snapshot_keeps_what_was_degraded_and_a_refresh_heals_it(
    airbyte_sandbox, tmp_path, caplog
):
    airbyte = quick(airbyte_sandbox, workspace_id=airbyte_sandbox.workspace_id)
    airbyte_sandbox.faults.fail("/destinations/*", 503, times=None)
    degraded = AirbyteWorkspaceData.fetch(
        airbyte.get_client(), workspace_id=airbyte_sandbox.workspace_id
    )
    path = write_snapshot(degraded, tmp_path / "snapshot.json")
    airbyte_sandbox.faults.clear()
    caplog.clear()

    from_file = load_workspace_data(airbyte, AirbyteLoadOptions(snapshot_path=path))

    assert read_snapshot(path).degraded == degraded.degraded != ()
    (said,) = warnings_of(caplog)
    assert said.startswith(f"The Airbyte workspace snapshot {path} was written while 1 read")
    assert "HTTP 503" in said and f"snapshot --out {path}` to heal it." in said
    assert from_file.degraded == degraded.degraded
    healed = AirbyteWorkspaceData.fetch(
        airbyte.get_client(), workspace_id=airbyte_sandbox.workspace_id
    )
    assert healed.degraded == () and len(healed.destinations) == 1


def test_the_snapshot_command_says_what_it_could_not_read(airbyte_sandbox, tmp_path, capsys):
    from airbyte_cloud_dagster.cli import main

    # A 404 (not retried, unlike a 503 with the command's default retries): a deleted destination.
    airbyte_sandbox.faults.fail("/destinations/*", 404, times=None)
    environment = {
        "AIRBYTE_API_URL": airbyte_sandbox.base_url,
        "AIRBYTE_CLIENT_ID": airbyte_sandbox.client_id,
        "AIRBYTE_CLIENT_SECRET": airbyte_sandbox.client_secret,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        status = main(["snapshot", "--out", str(tmp_path / "snapshot.json")])

    printed = capsys.readouterr().out
    assert status == 0
    assert "warning: 1 read failed (GET /destinations/" in printed
    assert "run this again once Airbyte answers to heal it." in printed
