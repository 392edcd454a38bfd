"""The example code location loads, and what Dagster shows never holds a secret."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets

from ..helpers import STRIPE, sandbox_environment, stripe_assets

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # the dagster CLI in a subprocess
def test_dagster_definitions_validate_passes_on_workspace_yaml(airbyte_sandbox, tmp_path):
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path),
        **sandbox_environment(airbyte_sandbox),
        "AIRBYTE_SANDBOX_WAREHOUSE": str(airbyte_sandbox.warehouse_path),
    }
    dagster_cli = Path(sys.executable).with_name("dagster")

    completed = subprocess.run(
        [str(dagster_cli), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert airbyte_sandbox.client_secret not in completed.stdout + completed.stderr


def test_the_resource_repr_shows_no_secret(airbyte_sandbox):
    resource = AirbyteCloudResource(
        api_url=airbyte_sandbox.base_url,
        client_id=airbyte_sandbox.client_id,
        client_secret=airbyte_sandbox.client_secret,
    )
    with_token = AirbyteCloudResource(api_url=airbyte_sandbox.base_url, api_token="tok-SECRET-123")

    assert airbyte_sandbox.client_secret not in repr(resource)
    assert airbyte_sandbox.client_secret not in str(resource)
    assert "tok-SECRET-123" not in repr(with_token)
    assert airbyte_sandbox.client_secret not in repr(resource.get_client())


def test_secrets_given_as_env_vars_are_read_when_definitions_load(airbyte_sandbox, monkeypatch):
    monkeypatch.setenv("TEST_AIRBYTE_CLIENT_ID", airbyte_sandbox.client_id)
    monkeypatch.setenv("TEST_AIRBYTE_CLIENT_SECRET", airbyte_sandbox.client_secret)
    resource = AirbyteCloudResource(
        api_url=airbyte_sandbox.base_url,
        client_id=dg.EnvVar("TEST_AIRBYTE_CLIENT_ID"),
        client_secret=dg.EnvVar("TEST_AIRBYTE_CLIENT_SECRET"),
    )

    assets = load_airbyte_cloud_assets(airbyte=resource)

    assert assets  # the sandbox refuses the env var's *name* as a secret, so this proves the read
    assert airbyte_sandbox.client_secret not in repr(resource)


def test_no_secret_reaches_the_run_logs_of_a_sync(airbyte, airbyte_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2)
    airbyte_sandbox.faults.expire_tokens()  # force a refresh mid-run, too

    result = dg.materialize(stripe_assets(airbyte), resources={"airbyte": airbyte})

    assert result.success
    event_text = "\n".join(str(event) for event in result.all_events)
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (airbyte_sandbox.client_secret, *airbyte_sandbox.issued_tokens()):
        assert secret not in event_text
        assert secret not in log_text
