"""Starting a sync never starts two: conflicts and lost answers attach to the running job."""

from __future__ import annotations

import logging
import time

import pytest

from airbyte_cloud_dagster.api import AirbyteConflict, JobStatus
from airbyte_cloud_dagster_tests.api.helpers import served

STRIPE = "Stripe → Warehouse"
HUBSPOT = "HubSpot → Warehouse"


@pytest.mark.slow
def test_a_sync_already_running_is_attached_to_and_its_result_returned(
    airbyte_sandbox, client, caplog
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=1.0)
    first = client.trigger_sync(connection_id)
    caplog.set_level(logging.INFO, logger="airbyte_cloud_dagster")

    job = client.sync_and_wait(connection_id, timeout=30)

    assert job.job_id == first.job_id and job.status is JobStatus.SUCCEEDED
    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert [r.status for r in served(airbyte_sandbox, "POST", "/v1/jobs")] == [200, 409]
    assert any("Attached to Airbyte job" in r.getMessage() for r in caplog.records)


def test_with_on_conflict_fail_a_running_sync_raises(airbyte_sandbox, make_client):
    client = make_client(on_conflict="fail")
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=30)
    client.trigger_sync(connection_id)
    with pytest.raises(AirbyteConflict) as raised:
        client.trigger_sync(connection_id)
    assert raised.value.problem_type == "try-again-later"
    assert "on_conflict='fail'" in str(raised.value)


@pytest.mark.slow
def test_a_start_whose_answer_is_dropped_does_not_start_a_second_sync(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=2.0)
    airbyte_sandbox.faults.drop("/jobs", method="POST")

    job = client.trigger_sync(connection_id)

    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert job.connection_id == connection_id and not job.is_terminal
    assert client.wait_for_job(job.job_id, timeout=30).succeeded


@pytest.mark.slow
def test_a_start_slower_than_the_read_timeout_attaches_instead_of_starting_another(
    airbyte_sandbox, make_client
):
    client = make_client(request_timeout=0.5)
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=5.0)
    airbyte_sandbox.faults.delay("/jobs", 1.5, times=1, method="POST")

    job = client.trigger_sync(connection_id)

    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert not job.is_terminal
    # The sandbox records the POST once its held-back answer has gone out (1.5 s).
    deadline = time.monotonic() + 10
    while not served(airbyte_sandbox, "POST", "/v1/jobs") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(served(airbyte_sandbox, "POST", "/v1/jobs")) == 1


def test_a_start_answered_by_a_failing_proxy_looks_before_trying_again(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.fail("/jobs", 503, times=1, method="POST")

    job = client.trigger_sync(connection_id)

    assert airbyte_sandbox.jobs_created(connection_id) == 1
    posts = [r.status for r in served(airbyte_sandbox, "POST", "/v1/jobs")]
    assert posts == [503, 200]
    assert job.job_id == client.find_running_job(connection_id).job_id


def test_a_sync_on_an_inactive_connection_says_to_enable_it(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(HUBSPOT)
    with pytest.raises(AirbyteConflict) as raised:
        client.trigger_sync(connection_id)
    message = str(raised.value)
    assert raised.value.problem_type == "state-conflict"
    assert "inactive" in message and "enable it" in message
    assert len(served(airbyte_sandbox, "POST", "/v1/jobs")) == 1
    # Only the read of the newest job before the POST: no look-back, no retry.
    assert [r.query for r in served(airbyte_sandbox, "GET", "/v1/jobs")] == [
        f"connectionId={connection_id}&orderBy=createdAt%7CDESC&limit=1&offset=0"
    ]
