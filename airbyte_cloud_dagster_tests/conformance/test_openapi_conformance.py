"""Every kind of body the sandbox serves matches the official Airbyte API spec.

Real HTTP (requests) against a running sandbox, under the Cloud prefix (``/v1``) and the
self-managed one (``/api/public/v1``). Which schema a body must match is looked up in
openapi.yaml from the request path and method, so a spec update is picked up here without
editing this file. Error bodies, which the spec does not describe, are checked against the
problem object of docs/airbyte/behaviour.md, "Errors".
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from airbyte_cloud_dagster_tests.openapi_schemas import (
    is_iso8601_duration,
    parse_iso_datetime,
    path_template_for,
    require_spec,
    response_schema_name,
    validate,
    validate_problem,
    validate_response,
)

PREFIXES = {"cloud": "/v1", "self-managed": "/api/public/v1"}
TERMINAL = {"succeeded", "failed", "cancelled"}

# The demo workspace (CONTRACTS.md): each connection stands for the variants it exercises,
# with the check proving the body really shows them.
DEMO_CONNECTIONS = {
    "cron+custom_format": (
        "App Postgres → Warehouse",
        lambda c: (
            (c["schedule"]["scheduleType"], c.get("namespaceDefinition"))
            == ("cron", "custom_format")
        ),
    ),
    "basic+prefix": (
        "Stripe → Warehouse",
        lambda c: (c["schedule"]["scheduleType"], c.get("prefix")) == ("basic", "stripe_"),
    ),
    "manual+source_namespace": (
        "S3 Files → Warehouse",
        lambda c: (
            (c["schedule"]["scheduleType"], c.get("namespaceDefinition")) == ("manual", "source")
        ),
    ),
    "inactive": ("HubSpot → Warehouse", lambda c: c["status"] == "inactive"),
}
DEMO_SOURCES = ["App Postgres", "Stripe", "S3 Landing Bucket", "HubSpot"]


@pytest.fixture(autouse=True)
def _spec_present() -> None:
    require_spec()


class Api:
    """One API prefix of a running sandbox; every body it receives is validated against the spec."""

    def __init__(self, sandbox: Any, prefix: str) -> None:
        self.sandbox = sandbox
        self.url = sandbox.root_url + prefix
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {sandbox.issue_token()}"

    def call(self, method: str, path: str, *, status: int = 200, auth: bool = True, **kwargs):
        """Send a request; check status and JSON content type; validate and return the body."""
        headers = kwargs.pop("headers", {})
        if not auth:
            headers["Authorization"] = None  # requests drops a session header set to None
        response = self.session.request(
            method, self.url + path, headers=headers, timeout=15, **kwargs
        )
        asked = f"{method} {urlsplit(response.request.url).path}"
        assert response.status_code == status, (
            f"{asked}: expected {status}, got {response.status_code}: {response.text[:1000]}"
        )
        content_type = response.headers.get("content-type", "")
        assert content_type.startswith("application/json"), (
            f"{asked}: Content-Type {content_type!r}, expected application/json"
        )
        body = response.json()
        template = path_template_for(method, urlsplit(response.request.url).path)
        validate_response(method, template, status, body)
        return body


@pytest.fixture(params=list(PREFIXES.values()), ids=list(PREFIXES))
def api(request: pytest.FixtureRequest, airbyte_sandbox: Any):
    caller = Api(airbyte_sandbox, request.param)
    yield caller
    caller.session.close()


def fetch_all_pages(api: Api, path: str, *, limit: int = 2, **params: Any) -> list[dict]:
    """Page through a list endpoint by offset, up to and including the final empty page."""
    items: list[dict] = []
    while True:
        page = api.call("GET", path, params={**params, "limit": limit, "offset": len(items)})
        assert_page_links(page)
        if not page["data"]:
            return items
        items.extend(page["data"])
        assert len(items) < 1000, f"{path} never reached an empty page"


def assert_page_links(page: dict) -> None:
    # docs/airbyte/behaviour.md, "Pagination": next/previous are always there, "" when empty
    # (never null), and next is set whenever the page is non-empty.
    for link in ("next", "previous"):
        assert isinstance(page.get(link), str), f"{link} must be a string, got {page.get(link)!r}"
    if page["data"]:
        assert page["next"], f"a non-empty page must have a next link: {page}"


def assert_job_formats(job: dict) -> None:
    """ISO UTC date-times and ISO-8601 durations (the spec only says "string").

    See docs/airbyte/behaviour.md, "Jobs".
    """
    for field in ("startTime", "lastUpdatedAt"):
        if field in job:
            moment = parse_iso_datetime(job[field])
            assert moment.utcoffset() is not None, f"{field} has no UTC offset: {job[field]!r}"
    if "duration" in job:
        assert is_iso8601_duration(job["duration"]), (
            f"duration is not an ISO-8601 duration: {job['duration']!r}"
        )


def follow_job(api: Api, job_id: int, timeout: float = 20.0) -> list[dict]:
    """GET /jobs/{id} until the job is terminal; every body seen, each validated."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        job = api.call("GET", f"/jobs/{job_id}")
        assert_job_formats(job)
        seen.append(job)
        if job["status"] in TERMINAL:
            return seen
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after {timeout}s"
        time.sleep(0.05)


def start_job(api: Api, connection_id: str, job_type: str = "sync") -> dict:
    job = api.call("POST", "/jobs", json={"connectionId": connection_id, "jobType": job_type})
    assert_job_formats(job)
    return job


def ids_by_name(api: Api, path: str, id_field: str) -> dict[str, str]:
    return {item["name"]: item[id_field] for item in fetch_all_pages(api, path)}


def assert_problem(body: dict, title: str) -> None:
    assert body["title"] == title, f"expected a {title!r} problem, got {body}"


# ---------------------------------------------------------------- the validator itself

VALID_JOB = {
    "jobId": 42,
    "status": "running",
    "jobType": "sync",
    "startTime": "2024-05-01T12:00:00Z",
    "connectionId": "9924bcd0-99be-453d-ba47-c2c9766f7da5",
}


@pytest.mark.slow
def test_validator_rejects_a_job_without_job_id() -> None:
    validate(VALID_JOB, "JobResponse")
    incomplete = {key: value for key, value in VALID_JOB.items() if key != "jobId"}
    with pytest.raises(AssertionError, match=r"JobResponse(.|\n)*'jobId' is a required property"):
        validate(incomplete, "JobResponse")


def test_validator_is_strict_about_int64_and_uuid() -> None:
    with pytest.raises(AssertionError, match=r"\$\.jobId"):
        validate({**VALID_JOB, "jobId": 42.0}, "JobResponse")
    with pytest.raises(AssertionError, match=r"\$\.connectionId"):
        validate({**VALID_JOB, "connectionId": "not-a-uuid"}, "JobResponse")


def test_problem_schema_rejects_an_unknown_title_or_a_mismatched_status() -> None:
    problem = {"status": 409, "type": "t", "title": "state-conflict", "detail": "d", "data": {}}
    validate_problem(problem, 409)
    with pytest.raises(AssertionError, match=r"\$\.title"):
        validate_problem({**problem, "title": "conflict"})
    with pytest.raises(AssertionError, match="HTTP status"):
        validate_problem(problem, 422)


def test_request_paths_map_to_spec_operations() -> None:
    assert path_template_for("POST", "/v1/applications/token") == "/applications/token"
    assert path_template_for("GET", "/api/public/v1/jobs/7") == "/jobs/{jobId}"
    assert response_schema_name("GET", "/jobs/{jobId}") == "JobResponse"


# ---------------------------------------------------------------- tokens


def test_token_body(api: Api) -> None:
    sandbox = api.sandbox
    credentials = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
    as_json = api.call(
        "POST",
        "/applications/token",
        auth=False,
        json={**credentials, "grant-type": "client_credentials"},
    )
    as_form = api.call(
        "POST",
        "/applications/token",
        auth=False,
        data={**credentials, "grant-type": "client_credentials"},
    )
    for token in (as_json, as_form):
        assert token["expires_in"] >= 1


# ---------------------------------------------------------------- jobs


@pytest.mark.slow
def test_job_bodies_from_pending_through_running_to_succeeded(api: Api) -> None:
    connection_id = api.sandbox.connection_id("Stripe → Warehouse")
    api.sandbox.configure_connection(
        connection_id, duration=1.5, queued_for=0.6, incomplete_attempts=1
    )
    created = start_job(api, connection_id)
    seen = [created, *follow_job(api, created["jobId"])]
    statuses = [job["status"] for job in seen]
    assert {"pending", "queued"} & set(statuses), f"never saw the job waiting: {statuses}"
    assert {"running", "incomplete"} <= set(statuses), f"never saw an attempt fail: {statuses}"
    assert statuses[-1] == "succeeded"


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_job_body_of_a_job_that_ends(api: Api, outcome: str) -> None:
    connection_id = api.sandbox.connection_id("App Postgres → Warehouse")
    api.sandbox.configure_connection(connection_id, duration=0.3, outcome=outcome)
    created = start_job(api, connection_id)
    assert follow_job(api, created["jobId"])[-1]["status"] == outcome


def test_job_body_returned_by_cancelling_a_running_job(api: Api) -> None:
    connection_id = api.sandbox.connection_id("S3 Files → Warehouse")
    api.sandbox.configure_connection(connection_id, duration=30.0)
    created = start_job(api, connection_id)
    cancelled = api.call("DELETE", f"/jobs/{created['jobId']}")
    assert_job_formats(cancelled)
    assert cancelled["jobId"] == created["jobId"]
    assert follow_job(api, created["jobId"])[-1]["status"] == "cancelled"


@pytest.mark.parametrize("job_type", ["reset", "clear"])
def test_job_bodies_of_reset_jobs(api: Api, job_type: str) -> None:
    connection_id = api.sandbox.connection_id("S3 Files → Warehouse")
    api.sandbox.configure_connection(connection_id, duration=0.3)
    created = start_job(api, connection_id, job_type)
    final = follow_job(api, created["jobId"])[-1]
    assert final["jobType"] == "reset"  # clear runs a reset (docs/airbyte/behaviour.md, "Jobs")


def test_jobs_list_bodies_down_to_the_final_empty_page(api: Api) -> None:
    started = []
    for name in ("App Postgres → Warehouse", "Stripe → Warehouse", "S3 Files → Warehouse"):
        connection_id = api.sandbox.connection_id(name)
        api.sandbox.configure_connection(connection_id, duration=0.2)
        started.append(start_job(api, connection_id))
    running_page = api.call("GET", "/jobs", params={"limit": 100})
    assert_page_links(running_page)
    for job in started:
        follow_job(api, job["jobId"])

    jobs = fetch_all_pages(api, "/jobs", limit=2)
    assert {job["jobId"] for job in started} <= {job["jobId"] for job in jobs}
    for job in jobs:
        assert_job_formats(job)
    filtered = fetch_all_pages(
        api,
        "/jobs",
        limit=1,
        connectionId=started[0]["connectionId"],
        status="succeeded",
        orderBy="createdAt|DESC",
    )
    assert [job["jobId"] for job in filtered] == [started[0]["jobId"]]


# ---------------------------------------------------------------- connections


@pytest.mark.parametrize("variant", list(DEMO_CONNECTIONS))
def test_connection_body(api: Api, variant: str) -> None:
    name, shows_variant = DEMO_CONNECTIONS[variant]
    connection = api.call("GET", f"/connections/{api.sandbox.connection_id(name)}")
    assert shows_variant(connection), f"{name} does not serve {variant}: {connection}"


@pytest.mark.parametrize("include_deleted", [None, "true"])
def test_connections_list_bodies(api: Api, include_deleted: str | None) -> None:
    params = {"includeDeleted": include_deleted} if include_deleted else {}
    connections = fetch_all_pages(api, "/connections", **params)
    names = {name for name, _ in DEMO_CONNECTIONS.values()}
    assert names <= {connection["name"] for connection in connections}


# ---------------------------------------------------------------- sources, destinations, workspaces


@pytest.mark.parametrize(
    ("path", "id_field"),
    [("/sources", "sourceId"), ("/destinations", "destinationId"), ("/workspaces", "workspaceId")],
    ids=["sources", "destinations", "workspaces"],
)
def test_list_and_single_bodies(api: Api, path: str, id_field: str) -> None:
    by_name = ids_by_name(api, path, id_field)
    assert by_name, f"{path} served no items"
    for item_id in by_name.values():
        item = api.call("GET", f"{path}/{item_id}")
        assert item[id_field] == item_id
    expected = {
        "/sources": set(DEMO_SOURCES),
        "/destinations": {"Warehouse"},
        "/workspaces": {"Demo Workspace"},
    }
    assert expected[path] <= set(by_name)


# ---------------------------------------------------------------- streams


@pytest.mark.parametrize("source_name", DEMO_SOURCES)
def test_stream_properties_body(api: Api, source_name: str) -> None:
    source_id = ids_by_name(api, "/sources", "sourceId")[source_name]
    destination_id = ids_by_name(api, "/destinations", "destinationId")["Warehouse"]
    streams = api.call("GET", "/streams", params={"sourceId": source_id})
    assert streams, f"{source_name} has no streams"
    paired = api.call(
        "GET", "/streams", params={"sourceId": source_id, "destinationId": destination_id}
    )
    assert len(paired) == len(streams)


# ----------------------------------------------------------- problems (docs/airbyte/behaviour.md)


@pytest.mark.parametrize(
    ("path", "params"),
    [("/jobs", {"orderBy": "sideways"}), ("/streams", {})],
    ids=["bad-orderBy", "streams-without-sourceId"],
)
def test_bad_request_problem_body(api: Api, path: str, params: dict) -> None:
    assert_problem(api.call("GET", path, status=400, params=params), "bad-request")


@pytest.mark.parametrize(
    "path",
    ["/jobs/987654321", "/connections/{}", "/sources/{}", "/destinations/{}", "/workspaces/{}"],
)
def test_not_found_problem_body(api: Api, path: str) -> None:
    problem = api.call("GET", path.format(uuid.uuid4()), status=404)
    assert_problem(problem, "resource-not-found")


def test_try_again_later_problem_body(api: Api) -> None:
    connection_id = api.sandbox.connection_id("Stripe → Warehouse")
    api.sandbox.configure_connection(connection_id, duration=30.0)
    start_job(api, connection_id)
    problem = api.call(
        "POST", "/jobs", status=409, json={"connectionId": connection_id, "jobType": "sync"}
    )
    assert_problem(problem, "try-again-later")
    assert problem["data"].get("message") == f"A sync is already running for: {connection_id}"


def test_state_conflict_problem_body(api: Api) -> None:
    connection_id = api.sandbox.connection_id("HubSpot → Warehouse")
    problem = api.call(
        "POST", "/jobs", status=409, json={"connectionId": connection_id, "jobType": "sync"}
    )
    assert_problem(problem, "state-conflict")


def test_problem_body_for_cancelling_a_finished_job(api: Api) -> None:
    connection_id = api.sandbox.connection_id("Stripe → Warehouse")
    api.sandbox.configure_connection(connection_id, duration=0.1)
    created = start_job(api, connection_id)
    follow_job(api, created["jobId"])
    api.call("DELETE", f"/jobs/{created['jobId']}", status=409)


def test_unprocessable_entity_problem_body(api: Api) -> None:
    connection_id = api.sandbox.connection_id("Stripe → Warehouse")
    problem = api.call(
        "POST", "/jobs", status=422, json={"connectionId": connection_id, "jobType": "refresh"}
    )
    assert_problem(problem, "unprocessable-entity")
