"""Injected faults, the request log and job counters (sb.faults and /_sandbox/...)."""

from __future__ import annotations

import time

import pytest
import requests

from airbyte_cloud_dagster.sandbox import RequestRecord, Sandbox

from ..openapi_schemas import validate_problem
from .conftest import STRIPE


def sync_body(sandbox: Sandbox) -> dict[str, str]:
    return {"connectionId": sandbox.connection_id(STRIPE), "jobType": "sync"}


def test_a_rate_limited_request_gets_json_and_no_retry_after(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.faults.fail("/connections", 429)
    response = api.get(f"{airbyte_sandbox.base_url}/connections")
    assert response.status_code == 429
    assert response.json() == {"message": "You are being rate limited."}
    assert "Retry-After" not in response.headers
    assert api.get(f"{airbyte_sandbox.base_url}/connections").status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_proxy_error_comes_back_as_html(
    airbyte_sandbox: Sandbox, api: requests.Session, status: int
) -> None:
    airbyte_sandbox.faults.fail("/jobs/*", status)
    response = api.get(f"{airbyte_sandbox.base_url}/jobs/1")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().startswith("<html>")


def test_a_failed_post_does_not_create_a_job(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.faults.fail("/jobs", 502, method="POST")
    response = api.post(f"{airbyte_sandbox.base_url}/jobs", json=sync_body(airbyte_sandbox))
    assert response.status_code == 502
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 0


def test_an_injected_401_is_plain_text(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    airbyte_sandbox.faults.fail("/workspaces", 401)
    response = api.get(f"{airbyte_sandbox.base_url}/workspaces")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("status", [404, 409, 422])
def test_an_injected_client_error_is_a_real_problem_body(
    airbyte_sandbox: Sandbox, api: requests.Session, status: int
) -> None:
    airbyte_sandbox.faults.fail("/jobs/*", status)
    response = api.get(f"{airbyte_sandbox.base_url}/jobs/7")
    assert response.status_code == status
    validate_problem(response.json(), status)
    if status == 404:
        assert response.json()["data"] == {"resourceType": "job", "resourceId": "7"}


def test_faults_apply_n_times_then_stop(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    airbyte_sandbox.faults.fail("/workspaces", 503, times=2)
    statuses = [api.get(f"{airbyte_sandbox.base_url}/workspaces").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_faults_match_under_both_prefixes(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    airbyte_sandbox.faults.fail("/sources*", 500, times=None)
    assert api.get(f"{airbyte_sandbox.base_url}/sources").status_code == 500
    assert api.get(f"{airbyte_sandbox.self_managed_url}/sources").status_code == 500
    airbyte_sandbox.faults.clear()
    assert api.get(f"{airbyte_sandbox.base_url}/sources").status_code == 200


def test_a_delayed_response_arrives_late_but_complete(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.faults.delay("/workspaces", 0.3, times=1)
    started = time.monotonic()
    response = api.get(f"{airbyte_sandbox.base_url}/workspaces")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_a_delay_longer_than_the_client_timeout_still_creates_the_job(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.faults.delay("/jobs", 0.5, method="POST")
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.post(f"{airbyte_sandbox.base_url}/jobs", json=sync_body(airbyte_sandbox), timeout=0.1)
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1


def test_a_dropped_connection_is_a_connection_error_but_the_job_exists(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.faults.drop("/jobs", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(f"{airbyte_sandbox.base_url}/jobs", json=sync_body(airbyte_sandbox))
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    assert airbyte_sandbox.jobs_created(connection_id) == 1
    retry = api.post(f"{airbyte_sandbox.base_url}/jobs", json=sync_body(airbyte_sandbox))
    assert retry.status_code == 409  # the blind re-POST meets the job it created


def test_an_ignored_patch_answers_200_with_the_connection_unchanged(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    url = f"{airbyte_sandbox.base_url}/connections/{airbyte_sandbox.connection_id(STRIPE)}"
    before = api.get(url).json()
    airbyte_sandbox.faults.ignore("/connections/*")  # any method: only a PATCH consults it

    assert api.get(url).json() == before
    ignored = api.patch(url, json={"name": "Stripe 2", "schedule": {"scheduleType": "manual"}})
    served = api.get(url).json()
    applied = api.patch(url, json={"name": "Stripe 2"})  # times=1: the next PATCH applies

    assert ignored.status_code == 200 and ignored.json() == before
    assert served == before
    assert applied.status_code == 200 and applied.json()["name"] == "Stripe 2"
    assert [(r.method, r.status) for r in airbyte_sandbox.requests] == [
        ("GET", 200),
        ("GET", 200),
        ("PATCH", 200),
        ("GET", 200),
        ("PATCH", 200),
    ]


def test_an_ignore_fault_still_refuses_a_patch_airbyte_would_refuse(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    url = f"{airbyte_sandbox.base_url}/connections/{airbyte_sandbox.connection_id(STRIPE)}"
    airbyte_sandbox.faults.ignore("/connections/*", method="PATCH")

    refused = api.patch(url, json={"schedule": {"scheduleType": "basic"}})
    applied = api.patch(url, json={"name": "Stripe 2"})

    assert refused.status_code == 400
    assert applied.json()["name"] == STRIPE  # the rule was left for this one


def test_the_request_log_records_path_status_and_query(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.faults.drop("/workspaces")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(f"{airbyte_sandbox.base_url}/workspaces?limit=5")
    api.get(f"{airbyte_sandbox.self_managed_url}/jobs/12")
    requests.get(f"{airbyte_sandbox.base_url}/sources")  # no token
    assert airbyte_sandbox.requests == [
        RequestRecord("GET", "/v1/workspaces", 0, "limit=5"),
        RequestRecord("GET", "/api/public/v1/jobs/12", 404, ""),
        RequestRecord("GET", "/v1/sources", 401, ""),
    ]


def test_faults_can_be_injected_over_http(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    admin = f"{airbyte_sandbox.root_url}/_sandbox"
    created = requests.post(
        f"{admin}/faults", json={"kind": "fail", "path": "/jobs", "status": 429}
    )
    assert created.status_code == 201
    assert api.get(f"{airbyte_sandbox.base_url}/jobs").status_code == 429
    requests.post(f"{admin}/faults", json={"kind": "fail", "path": "/jobs", "status": 500})
    assert requests.delete(f"{admin}/faults").status_code == 204
    assert api.get(f"{airbyte_sandbox.base_url}/jobs").status_code == 200


def test_an_ignore_fault_can_be_injected_over_http(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    admin = f"{airbyte_sandbox.root_url}/_sandbox"
    url = f"{airbyte_sandbox.base_url}/connections/{airbyte_sandbox.connection_id(STRIPE)}"
    created = requests.post(
        f"{admin}/faults", json={"kind": "ignore", "path": "/connections/*", "method": "PATCH"}
    )

    assert created.status_code == 201 and created.json()["times"] == 1
    assert api.patch(url, json={"name": "Stripe 2"}).json()["name"] == STRIPE
    assert api.patch(url, json={"name": "Stripe 2"}).json()["name"] == "Stripe 2"


def test_an_invalid_fault_over_http_is_a_bad_request(airbyte_sandbox: Sandbox) -> None:
    admin = f"{airbyte_sandbox.root_url}/_sandbox"
    response = requests.post(f"{admin}/faults", json={"kind": "explode", "path": "/jobs"})
    assert response.status_code == 400


def test_admin_endpoints_expose_the_log_counts_and_plans(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    admin = f"{airbyte_sandbox.root_url}/_sandbox"
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    plan = requests.post(f"{admin}/connections/{connection_id}/plan", json={"outcome": "failed"})
    assert plan.json()["outcome"] == "failed"
    api.post(f"{airbyte_sandbox.base_url}/jobs", json=sync_body(airbyte_sandbox))
    assert requests.get(f"{admin}/jobs-created").json() == {connection_id: 1}
    log = requests.get(f"{admin}/requests").json()
    assert log == [{"method": "POST", "path": "/v1/jobs", "status": 200, "query": ""}]
    assert requests.post(f"{admin}/expire-tokens").status_code == 204
    assert api.get(f"{airbyte_sandbox.base_url}/jobs").status_code == 401
