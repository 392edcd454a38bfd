"""Loading from a snapshot needs no credentials: a build step or code server may load the
definitions with only the snapshot and the API URL (demo/settings.py says so)."""

import dagster as dg

from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    AirbyteWorkspaceData,
    load_airbyte_cloud_assets,
    write_snapshot,
)

from ..helpers import sandbox_resource


def test_a_snapshot_loads_with_credentials_not_set(airbyte_sandbox, tmp_path, monkeypatch):
    data = AirbyteWorkspaceData.fetch(sandbox_resource(airbyte_sandbox).get_client())
    snapshot = write_snapshot(data, tmp_path / "airbyte_workspace.json")
    monkeypatch.delenv("UNSET_AIRBYTE_CLIENT_ID", raising=False)
    monkeypatch.delenv("UNSET_AIRBYTE_CLIENT_SECRET", raising=False)
    airbyte = AirbyteCloudResource(
        api_url=airbyte_sandbox.base_url,
        client_id=dg.EnvVar("UNSET_AIRBYTE_CLIENT_ID"),
        client_secret=dg.EnvVar("UNSET_AIRBYTE_CLIENT_SECRET"),
    )
    before = len(airbyte_sandbox.requests)

    assets = load_airbyte_cloud_assets(
        airbyte=airbyte, snapshot_path=snapshot, on_missing_snapshot="fail"
    )

    assert {key.to_user_string() for a in assets for key in a.keys} >= {"raw/stripe_charges"}
    assert len(airbyte_sandbox.requests) == before
