"""The workspace snapshot: an exact round trip, zero requests, one clear sentence per problem."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid

import pytest

from airbyte_cloud_dagster import (
    SNAPSHOT_VERSION,
    AirbyteSnapshotError,
    AirbyteWorkspaceData,
    load_airbyte_cloud_assets,
    read_snapshot,
    write_snapshot,
)
from airbyte_cloud_dagster.assets.specs import build_specs
from airbyte_cloud_dagster.sandbox import Sandbox, generate_workspace

from ..helpers import HUBSPOT, S3_FILES, STRIPE, sandbox_resource
from .test_loading import spec_view

REFRESH = "python -m airbyte_cloud_dagster snapshot --out"


@pytest.fixture
def snapshot_file(airbyte_sandbox, tmp_path):
    """A snapshot of the demo workspace, written as a user would, before the test's requests."""
    client = sandbox_resource(airbyte_sandbox).get_client()
    data = AirbyteWorkspaceData.fetch(client, workspace_id=airbyte_sandbox.workspace_id)
    return write_snapshot(data, tmp_path / "deploy" / "airbyte_workspace.json")


def _edit(path, **changes):
    document = json.loads(path.read_text())
    document.update(changes)
    path.write_text(json.dumps(document))


def test_specs_from_a_snapshot_are_identical_to_specs_from_the_api(airbyte_sandbox, tmp_path):
    client = sandbox_resource(airbyte_sandbox).get_client()
    fetched = AirbyteWorkspaceData.fetch(client)

    read = read_snapshot(write_snapshot(fetched, tmp_path / "snapshot.json"))

    assert read == fetched
    assert spec_view(build_specs(read)) == spec_view(build_specs(fetched))


def test_loading_from_a_snapshot_makes_no_request(airbyte_sandbox, snapshot_file):
    airbyte = sandbox_resource(airbyte_sandbox, workspace_id=airbyte_sandbox.workspace_id)
    before = len(airbyte_sandbox.requests)

    from_snapshot = load_airbyte_cloud_assets(airbyte=airbyte, snapshot_path=snapshot_file)

    assert airbyte_sandbox.requests[before:] == []
    fetched = load_airbyte_cloud_assets(airbyte=airbyte)
    assert [a.keys for a in from_snapshot] == [a.keys for a in fetched]
    assert [a.op.name for a in from_snapshot] == [a.op.name for a in fetched]


def test_connection_ids_and_filter_apply_to_snapshot_data(airbyte_sandbox, snapshot_file, caplog):
    caplog.set_level(logging.INFO)
    airbyte = sandbox_resource(airbyte_sandbox)
    stripe, s3 = airbyte_sandbox.connection_id(STRIPE), airbyte_sandbox.connection_id(S3_FILES)
    before = len(airbyte_sandbox.requests)

    by_ids = load_airbyte_cloud_assets(
        airbyte=airbyte, snapshot_path=snapshot_file, connection_ids=[stripe]
    )
    by_filter = load_airbyte_cloud_assets(
        airbyte=airbyte,
        snapshot_path=snapshot_file,
        connection_filter=lambda connection: connection.connection_id == s3,
    )

    assert [a.op.name for a in by_ids] == ["airbyte_sync_stripe_warehouse"]
    assert [a.op.name for a in by_filter] == ["airbyte_sync_s3_files_warehouse"]
    assert airbyte_sandbox.requests[before:] == []
    assert any("filtered out by connection_filter" in r.getMessage() for r in caplog.records)


def test_a_connection_the_snapshot_does_not_hold_follows_the_policy(airbyte_sandbox, snapshot_file):
    hubspot = airbyte_sandbox.connection_id(HUBSPOT)  # inactive: not in the default snapshot
    airbyte = sandbox_resource(airbyte_sandbox)

    with pytest.raises(AirbyteSnapshotError, match=f"does not hold connection\\(s\\) {hubspot}"):
        load_airbyte_cloud_assets(
            airbyte=airbyte,
            snapshot_path=snapshot_file,
            connection_ids=[hubspot],
            on_missing_snapshot="fail",
        )
    fetched = load_airbyte_cloud_assets(
        airbyte=airbyte, snapshot_path=snapshot_file, connection_ids=[hubspot]
    )
    assert [a.op.name for a in fetched] == ["airbyte_sync_hubspot_warehouse"]


def test_the_file_is_versioned_sorted_plain_json(snapshot_file, airbyte_sandbox):
    text = snapshot_file.read_text()
    document = json.loads(text)

    assert document["version"] == SNAPSHOT_VERSION == 2
    assert document["api_url"] == airbyte_sandbox.base_url
    assert document["workspace_id"] == airbyte_sandbox.workspace_id
    assert document["created_at"].endswith("+00:00")
    assert set(document) == {
        "version",
        "api_url",
        "workspace_id",
        "created_at",
        "connections",
        "destinations",
        "sources",
        "stream_properties",
        "connection_catalogs",
        "degraded",
    }
    assert text == json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert "**********" not in text  # destination configuration (and its secrets) is not kept
    assert os.listdir(snapshot_file.parent) == [snapshot_file.name]  # no temporary file left


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("missing", "There is no Airbyte workspace snapshot at {path}; write it with `{refresh}"),
        ("corrupt", "The Airbyte workspace snapshot {path} is not valid JSON ("),
        ("newer", "has version 3, written by a newer airbyte-cloud-dagster than this one"),
        ("older", "has version 0, written by an older airbyte-cloud-dagster than this one"),
        ("not ours", "{path} is not an Airbyte workspace snapshot (it has no 'version' field)"),
        ("damaged", "The Airbyte workspace snapshot {path} is damaged (KeyError: 'connections')"),
    ],
)
def test_an_unusable_snapshot_is_one_clear_sentence(snapshot_file, damage, expected):
    if damage == "missing":
        snapshot_file.unlink()
    elif damage == "corrupt":
        snapshot_file.write_text(snapshot_file.read_text()[:100])
    elif damage == "newer":
        _edit(snapshot_file, version=3)
    elif damage == "older":
        _edit(snapshot_file, version=0)
    elif damage == "not ours":
        snapshot_file.write_text('{"connections": []}')
    else:
        document = json.loads(snapshot_file.read_text())
        del document["connections"]
        snapshot_file.write_text(json.dumps(document))

    with pytest.raises(AirbyteSnapshotError) as raised:
        read_snapshot(snapshot_file)

    message = str(raised.value)
    assert expected.format(path=snapshot_file, refresh=REFRESH) in message
    assert message.endswith(f"`{REFRESH} {snapshot_file}`.")
    assert message.count(". ") == 0  # one sentence


def test_a_snapshot_of_another_workspace_or_api_url_names_both(snapshot_file, airbyte_sandbox):
    other = str(uuid.uuid4())

    with pytest.raises(AirbyteSnapshotError) as raised:
        read_snapshot(snapshot_file, workspace_id=other)
    assert str(raised.value) == (
        f"The Airbyte workspace snapshot {snapshot_file} is of workspace "
        f"{airbyte_sandbox.workspace_id} at {airbyte_sandbox.base_url}, not of workspace {other} "
        f"at {airbyte_sandbox.base_url}; refresh it with `{REFRESH} {snapshot_file}` and "
        f"AIRBYTE_API_URL / AIRBYTE_WORKSPACE_ID set to the latter."
    )

    with pytest.raises(AirbyteSnapshotError, match=r"not of workspace .* at https://api\.airbyte"):
        read_snapshot(snapshot_file, api_url="https://api.airbyte.com/v1")


def test_a_missing_snapshot_is_fetched_with_one_warning_by_default(
    airbyte_sandbox, tmp_path, caplog
):
    caplog.set_level(logging.INFO)
    missing = tmp_path / "not_written_yet.json"

    assets = load_airbyte_cloud_assets(
        airbyte=sandbox_resource(airbyte_sandbox), snapshot_path=missing
    )

    assert len(assets) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"There is no Airbyte workspace snapshot at {missing}; write it with "
        f"`{REFRESH} {missing}`. Fetching the workspace from the Airbyte API instead."
    ]


def test_a_missing_snapshot_fails_the_load_when_asked(airbyte_sandbox, tmp_path):
    before = len(airbyte_sandbox.requests)

    with pytest.raises(AirbyteSnapshotError, match="There is no Airbyte workspace snapshot"):
        load_airbyte_cloud_assets(
            airbyte=sandbox_resource(airbyte_sandbox),
            snapshot_path=tmp_path / "missing.json",
            on_missing_snapshot="fail",
        )
    assert airbyte_sandbox.requests[before:] == []


def _cli(sandbox, *arguments, **environment) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIRBYTE_") and key != "DAGSTER_HOME"
    }
    env.update(
        AIRBYTE_API_URL=sandbox.base_url,
        AIRBYTE_CLIENT_ID=sandbox.client_id,
        AIRBYTE_CLIENT_SECRET=sandbox.client_secret,
        **environment,
    )
    return subprocess.run(
        [sys.executable, "-m", "airbyte_cloud_dagster", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # python -m airbyte_cloud_dagster in a subprocess
def test_the_cli_writes_the_snapshot_the_loader_reads(airbyte_sandbox, tmp_path):
    out = tmp_path / "deploy" / "airbyte_workspace.json"

    completed = _cli(
        airbyte_sandbox,
        "snapshot",
        "--out",
        str(out),
        AIRBYTE_WORKSPACE_ID=airbyte_sandbox.workspace_id,
    )

    assert completed.returncode == 0, completed.stderr
    hubspot = airbyte_sandbox.connection_id(HUBSPOT)
    assert completed.stdout == (
        f"No assets for 1 Airbyte connection(s), status 'inactive': {HUBSPOT!r} ({hubspot}).\n"
        f"Wrote {out}: 3 connections, 10 streams of workspace {airbyte_sandbox.workspace_id} "
        f"at {airbyte_sandbox.base_url}.\n"
    )
    before = len(airbyte_sandbox.requests)
    airbyte = sandbox_resource(airbyte_sandbox, workspace_id=airbyte_sandbox.workspace_id)
    assert len(load_airbyte_cloud_assets(airbyte=airbyte, snapshot_path=out)) == 3
    assert airbyte_sandbox.requests[before:] == []


@pytest.mark.slow  # python -m airbyte_cloud_dagster in a subprocess
def test_the_cli_fails_with_one_sentence(airbyte_sandbox, tmp_path):
    out = tmp_path / "airbyte_workspace.json"
    unknown = str(uuid.uuid4())

    completed = _cli(airbyte_sandbox, "snapshot", "--out", str(out), AIRBYTE_WORKSPACE_ID=unknown)

    assert completed.returncode == 1
    assert completed.stderr.startswith(f"error: workspace_id {unknown!r} is not a workspace")
    assert completed.stderr.count("\n") == 1
    assert not out.exists()


@pytest.mark.slow
def test_a_warm_load_of_a_large_workspace_makes_no_request(tmp_path):
    with Sandbox(generate_workspace(300, 10)) as sandbox:
        airbyte = sandbox_resource(sandbox)
        path = write_snapshot(AirbyteWorkspaceData.fetch(airbyte.get_client()), tmp_path / "s.json")
        before = len(sandbox.requests)

        assets = load_airbyte_cloud_assets(airbyte=airbyte, snapshot_path=path)

        assert len(assets) == 300
        assert sandbox.requests[before:] == []
