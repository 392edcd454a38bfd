"""A run launched the user's way reads the workspace from the snapshot, never from the API."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from airbyte_cloud_dagster import AirbyteWorkspaceData, write_snapshot

from ..helpers import STRIPE, sandbox_environment, sandbox_resource

pytestmark = pytest.mark.slow  # the dagster CLI in a subprocess

CODE_LOCATION = textwrap.dedent(
    """
    import os

    import dagster as dg

    from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets

    airbyte = AirbyteCloudResource(
        api_url=os.environ["AIRBYTE_API_URL"],
        client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
        client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
        poll_interval=0.05,
        poll_interval_max=0.2,
    )
    defs = dg.Definitions(
        assets=load_airbyte_cloud_assets(
            airbyte=airbyte,
            snapshot_path=os.environ["AIRBYTE_SNAPSHOT_PATH"],
            on_missing_snapshot="fail",
        ),
        resources={"airbyte": airbyte},
    )
    """
)
WORKSPACE_READS = ("/connections", "/streams", "/destinations", "/sources", "/workspaces")


def test_dagster_asset_materialize_makes_only_sync_requests(airbyte_sandbox, tmp_path):
    snapshot = write_snapshot(
        AirbyteWorkspaceData.fetch(sandbox_resource(airbyte_sandbox).get_client()),
        tmp_path / "airbyte_workspace.json",
    )
    code_location = tmp_path / "code_location.py"
    code_location.write_text(CODE_LOCATION)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRBYTE_")},
        "DAGSTER_HOME": str(tmp_path),
        **sandbox_environment(airbyte_sandbox),
        "AIRBYTE_SNAPSHOT_PATH": str(snapshot),
    }
    before = len(airbyte_sandbox.requests)

    # The default executor runs the step in its own process, which imports the code location
    # again: both imports must read the snapshot.
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("dagster")),
            "asset",
            "materialize",
            "-f",
            str(code_location),
            "--select",
            "raw/stripe_charges,raw/stripe_customers,raw/stripe_balance_transactions",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    during_run = airbyte_sandbox.requests[before:]
    assert [r for r in during_run if any(read in r.path for read in WORKSPACE_READS)] == []
    assert ("POST", "/v1/jobs") in {(r.method, r.path) for r in during_run}
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1
