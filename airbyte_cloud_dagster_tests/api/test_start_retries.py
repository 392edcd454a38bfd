"""The first hour: starting a sync never starts two, rides out load shedding, and checks the
wait's arguments before anything starts in Airbyte."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteConfigurationError,
    AirbyteRateLimited,
    JobStatus,
)
from airbyte_cloud_dagster.api.starting import MAX_START_POSTS
from airbyte_cloud_dagster_tests.api.helpers import served

STRIPE = "Stripe → Warehouse"


def test_a_lost_reply_whose_job_already_failed_does_not_start_a_second_sync(
    airbyte_sandbox, client
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    # The job fails fast, and the answer to POST /jobs is held back until it has, then lost:
    # by the time the client looks, no job of this connection is running.
    airbyte_sandbox.configure_connection(connection_id, duration=0.1, outcome="failed")
    airbyte_sandbox.faults.delay("/jobs", 0.6, times=1, method="POST")
    airbyte_sandbox.faults.drop("/jobs", times=1, method="POST")

    job = client.trigger_sync(connection_id)

    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert job.status is JobStatus.FAILED
    assert [r.status for r in served(airbyte_sandbox, "POST", "/v1/jobs")] == [0]
    # The newest job before the POST, then one look-back for a newer one.
    lookups = [parse_qs(r.query)["limit"] for r in served(airbyte_sandbox, "GET", "/v1/jobs")]
    assert lookups == [["1"], ["20"]]


def test_an_older_finished_job_is_not_taken_for_the_one_just_started(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.1)
    earlier = client.sync_and_wait(connection_id, timeout=10)
    airbyte_sandbox.faults.fail("/jobs", 502, times=1, method="POST")  # nothing was created

    job = client.trigger_sync(connection_id)

    assert job.job_id != earlier.job_id
    assert airbyte_sandbox.jobs_created(connection_id) == 2


def test_one_429_on_starting_a_sync_is_backed_off_and_retried(airbyte_sandbox, make_client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.fail("/jobs", 429, times=1, method="POST")
    client = make_client(backoff_factor=0.2, backoff_max=5.0)
    started = time.monotonic()

    job = client.trigger_sync(connection_id)

    assert time.monotonic() - started >= 0.2  # a delay (0.2-0.4 s here) before trying again
    assert [r.status for r in served(airbyte_sandbox, "POST", "/v1/jobs")] == [429, 200]
    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert job.status is not JobStatus.FAILED


@pytest.mark.slow
def test_start_attempts_are_spaced_and_bounded_under_constant_load_shedding(
    airbyte_sandbox, make_client
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.fail("/jobs", 429, times=None, method="POST")
    client = make_client(backoff_factor=0.02, backoff_max=0.1)
    started = time.monotonic()

    with pytest.raises(AirbyteRateLimited) as raised:
        client.trigger_sync(connection_id)

    # A delay before each POST after the first, bounded by backoff_max.
    assert 0.3 <= time.monotonic() - started < 5.0
    assert [r.status for r in served(airbyte_sandbox, "POST", "/v1/jobs")] == [
        429
    ] * MAX_START_POSTS
    assert f"returned 429 to each of {MAX_START_POSTS} attempts" in str(raised.value)
    assert "no job was started" in str(raised.value)
    assert airbyte_sandbox.jobs_created(connection_id) == 0


@pytest.mark.parametrize("timeout", [-1, float("nan"), float("inf")])
def test_a_bad_wait_timeout_is_refused_before_a_sync_starts(airbyte_sandbox, client, timeout):
    connection_id = airbyte_sandbox.connection_id(STRIPE)

    with pytest.raises(AirbyteConfigurationError) as raised:
        client.sync_and_wait(connection_id, timeout=timeout)

    assert str(raised.value).startswith(f"timeout={timeout!r}")
    assert airbyte_sandbox.jobs_created(connection_id) == 0
