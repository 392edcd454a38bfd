"""The sandbox serves a read-only page where the Airbyte web app has a connection's page."""

from __future__ import annotations

import requests

from airbyte_cloud_dagster.api.web import connection_url
from airbyte_cloud_dagster.sandbox import Sandbox

from .conftest import STRIPE, start_job, wait_for_job


def test_the_link_built_for_a_sandbox_url_opens_the_connection_page_with_its_jobs(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    job, _ = wait_for_job(airbyte_sandbox, api, start_job(airbyte_sandbox, api, STRIPE)["jobId"])

    url = connection_url(airbyte_sandbox.base_url, airbyte_sandbox.workspace_id, connection_id)
    page = requests.get(url, timeout=10)

    assert url == (
        f"{airbyte_sandbox.root_url}/workspaces/{airbyte_sandbox.workspace_id}"
        f"/connections/{connection_id}"
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for text in (
        STRIPE,
        "Stripe (stripe)",
        "Warehouse (postgres)",
        "Every 24 HOURS",
        "raw.stripe_charges",
        "incremental_append",
        "succeeded",
        f"<td>{job['jobId']}</td>",
        f"<td>{job['rowsSynced']}</td>",
    ):
        assert text in page.text, text


def test_a_self_managed_url_links_to_the_same_page_and_cloud_to_the_cloud_app(
    airbyte_sandbox: Sandbox,
) -> None:
    connection_id = airbyte_sandbox.connection_id(STRIPE)

    url = connection_url(
        airbyte_sandbox.self_managed_url, airbyte_sandbox.workspace_id, connection_id
    )

    assert url.startswith(f"{airbyte_sandbox.root_url}/workspaces/")
    assert requests.get(url, timeout=10).status_code == 200
    assert connection_url("https://api.airbyte.com/v1", "w", "c") == (
        "https://cloud.airbyte.com/workspaces/w/connections/c"
    )


def test_an_unknown_connection_is_a_404_page_and_the_workspace_lists_its_connections(
    airbyte_sandbox: Sandbox,
) -> None:
    workspace = f"{airbyte_sandbox.root_url}/workspaces/{airbyte_sandbox.workspace_id}"

    missing = requests.get(f"{workspace}/connections/{airbyte_sandbox.workspace_id}", timeout=10)
    listing = requests.get(f"{workspace}/connections", timeout=10)

    assert missing.status_code == 404
    assert "Not found" in missing.text
    assert listing.status_code == 200
    assert STRIPE in listing.text and "HubSpot → Warehouse" in listing.text
