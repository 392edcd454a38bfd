from __future__ import annotations

import pytest
import requests

from airbyte_cloud_dagster import AirbyteCloudResource

STRIPE = "Stripe → Warehouse"
APP_POSTGRES = "App Postgres → Warehouse"
S3_FILES = "S3 Files → Warehouse"
HUBSPOT = "HubSpot → Warehouse"


def sandbox_settings(sandbox, **settings) -> dict:
    """Resource settings pointed at the sandbox, polling quickly; any may be overridden (the
    credentials and ``api_url`` too). Also the ``workspace:`` block of the component's tests."""
    return {
        "api_url": sandbox.base_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "poll_interval": 0.05,
        "poll_interval_max": 0.2,
        "max_retries": 2,
        **settings,
    }


def sandbox_resource(sandbox, **settings) -> AirbyteCloudResource:
    """The resource a user would configure, pointed at the sandbox, polling quickly."""
    return AirbyteCloudResource(**sandbox_settings(sandbox, **settings))


@pytest.fixture
def airbyte(airbyte_sandbox) -> AirbyteCloudResource:
    return sandbox_resource(airbyte_sandbox)


def sandbox_jobs(sandbox, connection_id: str) -> list[dict]:
    """The connection's jobs as the sandbox serves them, oldest first (read with raw HTTP)."""
    response = requests.get(
        f"{sandbox.base_url}/jobs",
        params={"connectionId": connection_id, "limit": 100},
        headers={"Authorization": f"Bearer {sandbox.issue_token()}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["data"]
