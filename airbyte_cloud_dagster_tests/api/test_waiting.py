"""Waiting for a sync over real HTTP: what ends the wait and what it reports."""

from __future__ import annotations

import pytest

from airbyte_cloud_dagster.api import AirbyteJobFailed, AirbyteTimeout, JobStatus, PollPolicy

STRIPE = "Stripe → Warehouse"
FAST = PollPolicy(poll_interval=0.1, factor=1.5, poll_interval_max=0.3)


@pytest.mark.slow
def test_queued_and_incomplete_attempts_do_not_end_the_wait(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(
        connection_id, duration=1.5, queued_for=0.4, incomplete_attempts=1
    )
    seen: list[JobStatus] = []

    job = client.sync_and_wait(
        connection_id, poll=FAST, timeout=30, on_progress=lambda j: seen.append(j.status)
    )

    assert job.status is JobStatus.SUCCEEDED
    assert JobStatus.QUEUED in seen and JobStatus.INCOMPLETE in seen
    assert seen[-1] is JobStatus.SUCCEEDED and seen.count(JobStatus.SUCCEEDED) == 1


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_a_sync_that_fails_or_is_cancelled_raises_naming_job_and_connection(
    airbyte_sandbox, client, outcome
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.3, outcome=outcome)

    with pytest.raises(AirbyteJobFailed) as raised:
        client.sync_and_wait(connection_id, poll=FAST, timeout=30)

    job = raised.value.job
    assert job.status.value == outcome
    assert f"job {job.job_id}" in str(raised.value)
    assert connection_id in str(raised.value) and outcome in str(raised.value)


def test_a_sync_that_outlasts_the_timeout_is_cancelled_when_asked(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=30)

    with pytest.raises(AirbyteTimeout) as raised:
        client.sync_and_wait(connection_id, poll=FAST, timeout=0.5, cancel_on_timeout=True)

    job_id = raised.value.job.job_id
    assert "was cancelled" in str(raised.value)
    assert airbyte_sandbox.job(job_id)["status"] == "cancelled"


def test_a_sync_that_outlasts_the_timeout_keeps_running_unless_asked(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=30)

    with pytest.raises(AirbyteTimeout, match="keeps running") as raised:
        client.sync_and_wait(connection_id, poll=FAST, timeout=0.5)

    assert airbyte_sandbox.job(raised.value.job.job_id)["status"] == "running"


def test_cancelling_a_job_that_already_finished_returns_it(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.2)
    job = client.sync_and_wait(connection_id, poll=FAST, timeout=30)
    assert client.cancel_job(job.job_id).status is JobStatus.SUCCEEDED
