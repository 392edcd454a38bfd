"""Transient trouble is ridden out; real errors fail at once with one clear sentence."""

from __future__ import annotations

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteBadRequest,
    AirbyteNotFound,
    AirbyteRateLimited,
    AirbyteServerError,
    JobType,
)
from airbyte_cloud_dagster_tests.api.helpers import served

STRIPE = "Stripe → Warehouse"


@pytest.fixture
def running_job(airbyte_sandbox, client):
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=30)
    return client.trigger_sync(airbyte_sandbox.connection_id(STRIPE))


def job_gets(sandbox, job_id: int) -> list:
    return served(sandbox, "GET", f"/v1/jobs/{job_id}")


def test_a_burst_of_429s_while_polling_is_ridden_out(airbyte_sandbox, client, running_job):
    airbyte_sandbox.faults.fail("/jobs/*", 429, times=3, method="GET")
    job = client.get_job(running_job.job_id)
    assert job.job_id == running_job.job_id
    assert [r.status for r in job_gets(airbyte_sandbox, job.job_id)] == [429, 429, 429, 200]


def test_a_run_of_502_and_503_html_pages_from_a_proxy_is_ridden_out(
    airbyte_sandbox, client, running_job
):
    airbyte_sandbox.faults.fail("/jobs/*", 502, times=2, method="GET")
    job = client.get_job(running_job.job_id)
    airbyte_sandbox.faults.fail("/jobs/*", 503, times=2, method="GET")
    job = client.get_job(running_job.job_id)
    assert job.job_id == running_job.job_id
    assert [r.status for r in job_gets(airbyte_sandbox, job.job_id)] == [
        502,
        502,
        200,
        503,
        503,
        200,
    ]


def test_a_proxy_that_keeps_failing_gives_a_readable_error_after_the_retries(
    airbyte_sandbox, make_client, running_job
):
    client = make_client(max_retries=2)
    airbyte_sandbox.faults.fail("/jobs/*", 502, times=10, method="GET")
    with pytest.raises(AirbyteServerError) as raised:
        client.get_job(running_job.job_id)
    message = str(raised.value)
    assert message.startswith(f"GET /v1/jobs/{running_job.job_id} returned 502 on every retry")
    assert "try again later" in message
    assert "\n" not in message and len(message) < 400
    assert len(job_gets(airbyte_sandbox, running_job.job_id)) == 3


def test_rate_limiting_that_does_not_stop_says_so(airbyte_sandbox, make_client):
    client = make_client(max_retries=1)
    airbyte_sandbox.faults.fail("/workspaces", 429, times=5, method="GET")
    with pytest.raises(AirbyteRateLimited, match=r"429 on every retry.*rate limited"):
        client.list_workspaces()


def test_an_unknown_job_id_fails_at_once_with_a_clear_message(airbyte_sandbox, client):
    with pytest.raises(AirbyteNotFound) as raised:
        client.get_job(987654)
    assert str(raised.value).startswith("GET /v1/jobs/987654 returned 404")
    assert "check that the id is right" in str(raised.value)
    assert len(job_gets(airbyte_sandbox, 987654)) == 1


def test_a_refresh_job_that_the_public_api_rejects_fails_at_once_with_its_reason(
    airbyte_sandbox, client
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    with pytest.raises(AirbyteBadRequest) as raised:
        client.start_job(connection_id, JobType.REFRESH)
    assert raised.value.status_code == 422
    assert str(raised.value).startswith("POST /v1/jobs returned 422")
    assert len(served(airbyte_sandbox, "POST", "/v1/jobs")) == 1
    assert airbyte_sandbox.jobs_created(connection_id) == 0


def test_a_422_on_a_read_is_not_retried(airbyte_sandbox, client, running_job):
    airbyte_sandbox.faults.fail("/jobs/*", 422, times=3, method="GET")
    with pytest.raises(AirbyteBadRequest):
        client.get_job(running_job.job_id)
    assert len(job_gets(airbyte_sandbox, running_job.job_id)) == 1


def test_a_404_from_a_fault_is_not_retried(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.fail("/connections/*", 404, times=3, method="GET")
    with pytest.raises(AirbyteNotFound):
        client.get_connection(connection_id)
    assert len(served(airbyte_sandbox, "GET", f"/v1/connections/{connection_id}")) == 1
