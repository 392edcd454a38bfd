"""Every read endpoint answers under both the Cloud and the self-managed prefix."""

from __future__ import annotations

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox

from .conftest import HUBSPOT, STRIPE

PREFIXES = ["/v1", "/api/public/v1"]


@pytest.fixture(params=PREFIXES)
def url(request: pytest.FixtureRequest, airbyte_sandbox: Sandbox) -> str:
    """The API root under one prefix."""
    return airbyte_sandbox.root_url + request.param


def test_listing_workspaces_returns_the_demo_workspace(url: str, api: requests.Session) -> None:
    body = api.get(f"{url}/workspaces").json()
    assert [w["name"] for w in body["data"]] == ["Demo Workspace"]
    assert body["data"][0]["dataResidency"] == "auto"


def test_getting_a_workspace_by_id(
    url: str, api: requests.Session, airbyte_sandbox: Sandbox
) -> None:
    response = api.get(f"{url}/workspaces/{airbyte_sandbox.workspace_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["workspaceId"] == airbyte_sandbox.workspace_id


def test_listing_sources_names_each_connector(url: str, api: requests.Session) -> None:
    sources = api.get(f"{url}/sources").json()["data"]
    assert {s["name"]: s["sourceType"] for s in sources} == {
        "App Postgres": "postgres",
        "Stripe": "stripe",
        "S3 Landing Bucket": "s3",
        "HubSpot": "hubspot",
    }


def test_getting_a_source_masks_its_secrets(url: str, api: requests.Session) -> None:
    source_id = api.get(f"{url}/sources").json()["data"][0]["sourceId"]
    source = api.get(f"{url}/sources/{source_id}").json()
    assert source["configuration"]["password"] == "**********"
    assert source["definitionId"] and source["createdAt"] > 0


def test_listing_and_getting_the_destination(url: str, api: requests.Session) -> None:
    destinations = api.get(f"{url}/destinations").json()["data"]
    assert [d["name"] for d in destinations] == ["Warehouse"]
    destination = api.get(f"{url}/destinations/{destinations[0]['destinationId']}").json()
    assert destination["destinationType"] == "postgres"
    assert destination["configuration"]["schema"] == "raw"
    assert destination["configuration"]["database"] == "analytics"


def test_listing_connections_shows_schedules_and_status(url: str, api: requests.Session) -> None:
    connections = {c["name"]: c for c in api.get(f"{url}/connections").json()["data"]}
    assert len(connections) == 4
    assert connections[HUBSPOT]["status"] == "inactive"
    assert connections[STRIPE]["schedule"] == {
        "scheduleType": "basic",
        "basicTiming": "Every 24 HOURS",
    }


def test_getting_a_connection_lists_its_enabled_streams(
    url: str, api: requests.Session, airbyte_sandbox: Sandbox
) -> None:
    connection = api.get(f"{url}/connections/{airbyte_sandbox.connection_id(STRIPE)}").json()
    streams = connection["configurations"]["streams"]
    assert [s["name"] for s in streams] == ["charges", "customers", "balance_transactions"]
    assert connection["prefix"] == "stripe_"
    assert connection["namespaceDefinition"] == "destination"


def test_stream_properties_are_a_bare_array_with_lowercase_namespace(
    url: str, api: requests.Session
) -> None:
    source_id = api.get(f"{url}/sources").json()["data"][0]["sourceId"]  # App Postgres
    streams = api.get(f"{url}/streams", params={"sourceId": source_id}).json()
    assert isinstance(streams, list)
    customers = streams[0]
    assert customers["streamName"] == "customers"
    assert customers["streamnamespace"] == "public"
    assert ["address", "city"] in customers["propertyFields"]
    assert customers["sourceDefinedPrimaryKey"] == [["id"]]


def test_streams_without_source_id_is_a_bad_request(url: str, api: requests.Session) -> None:
    response = api.get(f"{url}/streams")
    assert response.status_code == 400
    assert response.json()["title"] == "bad-request"


def test_jobs_can_be_started_listed_read_and_cancelled(
    url: str, api: requests.Session, airbyte_sandbox: Sandbox
) -> None:
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    created = api.post(f"{url}/jobs", json={"connectionId": connection_id, "jobType": "sync"})
    job_id = created.json()["jobId"]
    assert api.get(f"{url}/jobs").json()["data"][0]["jobId"] == job_id
    assert api.get(f"{url}/jobs/{job_id}").json()["connectionId"] == connection_id
    assert api.delete(f"{url}/jobs/{job_id}").json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("path", "resource_type"),
    [
        ("/connections/{id}", "connection"),
        ("/sources/{id}", "source"),
        ("/destinations/{id}", "destination"),
        ("/workspaces/{id}", "workspace"),
    ],
)
def test_an_unknown_id_is_resource_not_found(
    url: str, api: requests.Session, path: str, resource_type: str
) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    response = api.get(url + path.format(id=unknown))
    assert response.status_code == 404
    problem = response.json()
    assert problem["title"] == "resource-not-found"
    assert problem["type"] == "https://reference.airbyte.com/reference/errors#resource-not-found"
    assert problem["data"] == {"resourceType": resource_type, "resourceId": unknown}


def test_a_malformed_id_is_a_bad_request(url: str, api: requests.Session) -> None:
    response = api.get(f"{url}/connections/not-a-uuid")
    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert "UUID" in response.json()["data"]["message"]


def test_connections_filter_by_workspace_ids(
    url: str, api: requests.Session, airbyte_sandbox: Sandbox
) -> None:
    other = "00000000-0000-4000-8000-000000000000"
    mine = airbyte_sandbox.workspace_id
    assert api.get(f"{url}/connections", params={"workspaceIds": other}).json()["data"] == []
    both = api.get(f"{url}/connections", params={"workspaceIds": f"{other},{mine}"}).json()
    assert len(both["data"]) == 4
    repeated = api.get(
        f"{url}/connections", params=[("workspaceIds", other), ("workspaceIds", mine)]
    )
    assert len(repeated.json()["data"]) == 4


def test_the_token_endpoint_answers_under_each_prefix(url: str, airbyte_sandbox: Sandbox) -> None:
    response = requests.post(
        f"{url}/applications/token",
        json={
            "client_id": airbyte_sandbox.client_id,
            "client_secret": airbyte_sandbox.client_secret,
        },
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
