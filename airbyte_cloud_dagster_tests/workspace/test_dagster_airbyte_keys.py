"""``key_scheme="dagster_airbyte"`` gives exactly dagster-airbyte's default keys, group and kinds.

dagster-airbyte is never a dependency: its latest release that runs on our Dagster is
installed with ``pip install --no-deps --target`` into the pytest cache (once per cache; CI
reaches PyPI once per run) and run in a subprocess with that folder on ``PYTHONPATH``, pointed
at the same sandbox workspace: stream prefixes, three namespace definitions, a stream the
connection does not sync, and the odd names dagster-airbyte itself can load (dashes, dots, a
leading digit or underscore, capitals).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airbyte_cloud_dagster import load_airbyte_asset_specs, load_airbyte_cloud_assets
from airbyte_cloud_dagster.sandbox import Sandbox, workspace_from_dict

from ..dagster_airbyte_release import dagster_airbyte_release
from ..helpers import sandbox_resource

pytestmark = pytest.mark.slow  # a subprocess importing Dagster, and pip on the first run

WORKSPACE = {
    "name": "Key Compatibility",
    "destinations": [
        {"name": "Warehouse", "type": "postgres", "configuration": {"schema": "raw"}},
        {"name": "Lake", "type": "snowflake", "configuration": {"database": "LAKE"}},
    ],
    "sources": [
        {
            "name": "Stripe",
            "type": "stripe",
            "streams": [
                {"name": "charges", "fields": ["id", "amount"]},
                {"name": "balance-transactions", "fields": ["id"]},
                {"name": "v1.events", "fields": ["id"]},
                {"name": "refunds", "fields": ["id"]},  # not synced: no asset on either side
            ],
        },
        {
            "name": "App",
            "type": "postgres",
            "streams": [
                {"name": "Customers", "namespace": "public", "fields": ["id"]},
                {"name": "2024_orders", "namespace": "public", "fields": ["id"]},
                {"name": "_audit", "namespace": "public", "fields": ["id"]},
                {"name": "invoices", "namespace": "billing", "fields": ["id"]},
            ],
        },
        {
            "name": "Files",
            "type": "s3",
            "streams": [{"name": "daily.rollup"}, {"name": "Report-Q1"}],
        },
    ],
    "connections": [
        {
            "name": "Stripe → Warehouse",
            "source": "Stripe",
            "destination": "Warehouse",
            "prefix": "stripe_",
            "streams": [
                {"name": "charges"},
                {"name": "balance-transactions"},
                {"name": "v1.events"},
            ],
        },
        {
            "name": "App → Lake",
            "source": "App",
            "destination": "Lake",
            "namespace_definition": "source",
            "tags": ["team:product"],
            "streams": [
                {"name": "Customers", "namespace": "public"},
                {"name": "2024_orders", "namespace": "public"},
                {"name": "_audit", "namespace": "public"},
                {"name": "invoices", "namespace": "billing"},
            ],
        },
        {
            "name": "Files → Warehouse",
            "source": "Files",
            "destination": "Warehouse",
            "namespace_definition": "custom_format",
            "namespace_format": "files_${SOURCE_NAMESPACE}",
            "prefix": "s3-",
            "streams": [{"name": "daily.rollup"}, {"name": "Report-Q1"}],
        },
    ],
}

# Runs with dagster-airbyte on PYTHONPATH: its assets as its documentation builds them, then
# each table's key, group and kinds as JSON.
THEIRS = """
import json, os
import dagster as dg
from dagster_airbyte import AirbyteWorkspace, build_airbyte_assets_definitions

workspace = AirbyteWorkspace(
    rest_api_base_url=os.environ["AIRBYTE_API_URL"],
    configuration_api_base_url=os.environ["AIRBYTE_CONFIG_API_URL"],
    workspace_id=os.environ["AIRBYTE_WORKSPACE_ID"],
    client_id=os.environ["AIRBYTE_CLIENT_ID"],
    client_secret=os.environ["AIRBYTE_CLIENT_SECRET"],
)
assets = build_airbyte_assets_definitions(workspace=workspace)
dg.Definitions(assets=assets, resources={"airbyte": workspace}).resolve_asset_graph()
print(json.dumps({
    spec.key.to_user_string(): [spec.group_name, sorted(spec.kinds)]
    for assets_def in assets for spec in assets_def.specs
}))
"""


def test_dagster_airbyte_key_scheme_matches_dagster_airbyte_itself(request, tmp_path_factory):
    package_dir, version = dagster_airbyte_release(request, tmp_path_factory)
    with Sandbox(workspace_from_dict(WORKSPACE)) as sandbox:
        theirs = _their_specs(sandbox, package_dir, version)
        airbyte = sandbox_resource(sandbox)
        ours = load_airbyte_cloud_assets(airbyte=airbyte, key_scheme="dagster_airbyte")
        ours_specs = load_airbyte_asset_specs(airbyte=airbyte, key_scheme="dagster_airbyte")

    ours_view = {
        spec.key.to_user_string(): [spec.group_name, sorted(spec.kinds)]
        for assets_def in ours
        for spec in assets_def.specs
    }
    assert ours_view == theirs, f"dagster-airbyte {version}"
    assert {spec.key.to_user_string() for spec in ours_specs} == set(theirs)
    assert set(theirs) == {  # what the workspace above is meant to exercise
        "stripe_charges",
        "stripe_balance-transactions",
        "stripe_v1.events",
        "Customers",
        "2024_orders",
        "_audit",
        "invoices",
        "s3-daily.rollup",
        "s3-Report-Q1",
    }


def _their_specs(sandbox: Sandbox, package_dir: Path, version: str) -> dict:
    environment = {
        **os.environ,
        "PYTHONPATH": str(package_dir),
        "AIRBYTE_API_URL": sandbox.base_url,
        "AIRBYTE_CONFIG_API_URL": f"{sandbox.root_url}/api/v1",
        "AIRBYTE_WORKSPACE_ID": sandbox.workspace_id,
        "AIRBYTE_CLIENT_ID": sandbox.client_id,
        "AIRBYTE_CLIENT_SECRET": sandbox.client_secret,
    }
    result = subprocess.run(
        [sys.executable, "-c", THEIRS],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"dagster-airbyte {version} failed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])
