"""Starting and following syncs while the network, a proxy or Airbyte misbehaves (issue 18):
a start lost before Airbyte saw it, a refused replay of a poll, a start worth trying again,
and a token answer that does not say how long the token lives."""

from __future__ import annotations

import email.utils
import logging
import threading
import time

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteAuthError,
    AirbyteConnectionError,
    JobStatus,
    PollPolicy,
)
from airbyte_cloud_dagster.api.multi_wait import wait_for_jobs
from airbyte_cloud_dagster.api.session import retry_after_seconds
from airbyte_cloud_dagster_tests.api.helpers import served, token_requests
from airbyte_cloud_dagster_tests.helpers import sandbox_jobs

STRIPE = "Stripe → Warehouse"
APP_POSTGRES = "App Postgres → Warehouse"
FAST = PollPolicy(poll_interval=0.05, poll_interval_max=0.2)


def _early_in_a_second() -> None:
    """Airbyte's createdAt is whole seconds: begin early in one, so that a job created now is
    still 'this second' when the next start looks back a few tenths later."""
    fraction = time.time() % 1
    if fraction > 0.3:
        time.sleep(1.02 - fraction)


def _post_statuses(sandbox) -> list[int]:
    return [r.status for r in served(sandbox, "POST", "/v1/jobs")]


# ----------------------------------------------------------------- edge 1: a finished job


@pytest.mark.slow  # up to 0.7 s to begin early in a second, then a 0.3 s sync
def test_a_start_lost_before_airbyte_saw_it_starts_a_new_sync_not_the_one_just_finished(
    airbyte_sandbox, client
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.3)
    _early_in_a_second()
    earlier = client.sync_and_wait(connection_id, poll=FAST, timeout=10)
    airbyte_sandbox.faults.lose("/jobs", method="POST")  # never reaches Airbyte

    job = client.sync_and_wait(connection_id, poll=FAST, timeout=10)

    assert job.job_id != earlier.job_id
    assert airbyte_sandbox.jobs_created(connection_id) == 2
    assert _post_statuses(airbyte_sandbox) == [200, 0, 200]


def test_a_start_lost_while_a_sync_runs_attaches_to_it_as_a_409_would(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=30)
    running = client.trigger_sync(connection_id)
    airbyte_sandbox.faults.lose("/jobs", method="POST")

    job = client.trigger_sync(connection_id)

    assert job.job_id == running.job_id and not job.is_terminal
    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert _post_statuses(airbyte_sandbox) == [200, 0]


# ----------------------------------------------------------------- edge 2: 401 on the replay


def test_a_poll_refused_again_after_a_fresh_token_keeps_following_the_job(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    job = client.trigger_sync(connection_id)
    # The poll and its replay with a fresh token are both refused (a token revoked right after
    # it was issued, a proxy's hiccup); the job itself runs on.
    airbyte_sandbox.faults.fail("/jobs/*", 401, times=2, method="GET")

    finished = client.wait_for_job(job.job_id, poll=FAST, timeout=10)

    assert finished.status is JobStatus.SUCCEEDED
    polls = [r.status for r in served(airbyte_sandbox, "GET", f"/v1/jobs/{job.job_id}")]
    assert polls[:3] == [401, 401, 200]
    assert len(token_requests(airbyte_sandbox)) == 3  # the first token, then one per 401


def test_many_jobs_followed_at_once_survive_a_refused_replay_too(airbyte_sandbox, client):
    jobs = [client.trigger_sync(airbyte_sandbox.connection_id(n)) for n in (STRIPE, APP_POSTGRES)]
    airbyte_sandbox.faults.fail("/jobs", 401, times=2, method="GET")

    ends = list(wait_for_jobs(client, jobs, poll=FAST, timeout=10))

    assert sorted(end.job.job_id for end in ends) == sorted(job.job_id for job in jobs)
    assert all(end.succeeded for end in ends)
    listings = [r.status for r in served(airbyte_sandbox, "GET", "/v1/jobs")]
    refused = listings.index(401)
    assert listings[refused : refused + 3] == [401, 401, 200]


def test_a_read_refused_with_every_fresh_token_gives_up_after_the_retry_budget(
    airbyte_sandbox, make_client
):
    client = make_client(max_retries=2)
    job = client.trigger_sync(airbyte_sandbox.connection_id(STRIPE))
    airbyte_sandbox.faults.fail("/jobs/*", 401, times=None, method="GET")

    with pytest.raises(AirbyteAuthError) as raised:
        client.get_job(job.job_id)

    assert str(raised.value).startswith(f"GET /v1/jobs/{job.job_id} returned 401")
    # The request, its replay, then max_retries more replays, each with a fresh token.
    assert len(served(airbyte_sandbox, "GET", f"/v1/jobs/{job.job_id}")) == 4


def test_the_token_for_a_replay_after_a_wait_is_fetched_after_the_wait(
    airbyte_sandbox, client, caplog
):
    # Fetched before the wait, a token may expire or be revoked while it sits unused.
    job = client.trigger_sync(airbyte_sandbox.connection_id(STRIPE))
    airbyte_sandbox.faults.fail("/jobs/*", 401, times=3, method="GET")
    caplog.set_level(logging.INFO, logger="airbyte_cloud_dagster")

    client.get_job(job.job_id)

    said = [r.getMessage() for r in caplog.records]
    waits = [i for i, text in enumerate(said) if "trying again in" in text]
    fetched = [i for i, text in enumerate(said) if text.startswith("Obtained an Airbyte access")]
    assert len(waits) == 2 and len(fetched) == 3
    # the first replay does not wait; each later one fetches its token after its wait
    assert fetched[0] < waits[0] < fetched[1] < waits[1] < fetched[2]


def test_a_start_refused_twice_with_fresh_tokens_is_sent_again_and_starts_one_sync(
    airbyte_sandbox, client
):
    # A refused token is turned away before Airbyte's controller, so no job exists yet.
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.fail("/jobs", 401, times=2, method="POST")

    job = client.trigger_sync(connection_id)

    assert _post_statuses(airbyte_sandbox) == [401, 401, 200]
    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert job.connection_id == connection_id


def test_a_start_refused_with_every_fresh_token_is_a_clear_error_after_the_retry_budget(
    airbyte_sandbox, make_client
):
    client = make_client(max_retries=2)
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.fail("/jobs", 401, times=None, method="POST")

    with pytest.raises(AirbyteAuthError) as raised:
        client.trigger_sync(connection_id)

    assert str(raised.value).startswith("POST /v1/jobs returned 401")
    # The request, its replay, then max_retries more, each with a fresh token.
    assert _post_statuses(airbyte_sandbox) == [401] * 4
    assert airbyte_sandbox.jobs_created(connection_id) == 0


# ----------------------------------------------------------------- edge 3: starting again


def _sync_through_a_burst(sandbox, client, caplog, *, status: int, method: str):
    """``sync_and_wait`` while every ``method /jobs`` is answered ``status`` for 3 s."""
    sandbox.faults.fail("/jobs", status, times=None, method=method)
    burst = threading.Timer(3.0, sandbox.faults.clear)
    burst.start()
    caplog.set_level(logging.WARNING, logger="airbyte_cloud_dagster")
    try:
        return client.sync_and_wait(sandbox.connection_id(STRIPE), poll=FAST, timeout=10)
    finally:
        burst.cancel()


@pytest.mark.slow
def test_a_429_burst_of_seconds_is_waited_out_and_one_sync_starts(
    airbyte_sandbox, make_client, caplog
):
    client = make_client(backoff_factor=0.25, backoff_max=2.0)

    job = _sync_through_a_burst(airbyte_sandbox, client, caplog, status=429, method="POST")

    assert job.status is JobStatus.SUCCEEDED
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1
    statuses = _post_statuses(airbyte_sandbox)
    assert statuses[-1] == 200 and set(statuses[:-1]) == {429}
    waits = [r.getMessage() for r in caplog.records if "starting again in" in r.getMessage()]
    assert len(waits) == len(statuses) - 1
    assert all("429" in wait for wait in waits)


@pytest.mark.slow
@pytest.mark.parametrize("status", [429, 503])
def test_a_burst_longer_than_the_reads_retries_before_a_start_is_waited_out(
    airbyte_sandbox, make_client, caplog, status
):
    # Found by the soak: the read of the newest job that comes before the first POST had only
    # the transport's retries (a few seconds), so a longer burst failed a start that the POST's
    # own waiting would have ridden out.
    client = make_client(backoff_factor=0.1, backoff_max=0.5)  # the transport gives up in ~2 s

    job = _sync_through_a_burst(airbyte_sandbox, client, caplog, status=status, method="GET")

    assert job.status is JobStatus.SUCCEEDED
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1
    assert _post_statuses(airbyte_sandbox) == [200]
    said = [r.getMessage() for r in caplog.records]
    assert any("Reading the newest job before starting one" in text for text in said)


def test_a_start_with_a_refused_token_fails_at_once_without_reading_again(
    airbyte_sandbox, make_client
):
    client = make_client(client_id=None, client_secret=None, api_token="not-a-token")

    with pytest.raises(AirbyteAuthError, match="api_token"):
        client.trigger_sync(airbyte_sandbox.connection_id(STRIPE))

    assert len(served(airbyte_sandbox, "GET", "/v1/jobs")) == 1
    assert served(airbyte_sandbox, "POST", "/v1/jobs") == []


def test_retry_after_is_read_in_seconds_or_as_an_http_date() -> None:
    in_ten_seconds = email.utils.formatdate(time.time() + 10, usegmt=True)

    assert retry_after_seconds("3") == 3.0
    assert 8.0 <= (retry_after_seconds(in_ten_seconds) or 0.0) <= 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_a_start_lost_three_times_before_airbyte_saw_it_starts_exactly_one_sync(
    airbyte_sandbox, client
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.lose("/jobs", times=3, method="POST")

    job = client.sync_and_wait(connection_id, poll=FAST, timeout=10)

    assert job.status is JobStatus.SUCCEEDED
    assert airbyte_sandbox.jobs_created(connection_id) == 1
    assert _post_statuses(airbyte_sandbox) == [0, 0, 0, 200]


def test_starts_lost_every_time_stop_after_a_bounded_number_of_posts(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.lose("/jobs", times=None, method="POST")

    with pytest.raises(AirbyteConnectionError) as raised:
        client.trigger_sync(connection_id)

    from airbyte_cloud_dagster.api.starting import MAX_START_POSTS  # not on HEAD

    assert _post_statuses(airbyte_sandbox) == [0] * MAX_START_POSTS
    assert "no job was started" in str(raised.value)
    assert airbyte_sandbox.jobs_created(connection_id) == 0


def test_a_start_whose_fate_is_unknown_is_not_sent_again(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.lose("/jobs", times=None, method="POST")

    class LookupFails(logging.Handler):
        """When the client starts looking for the job, the lookup fails as well."""

        def emit(self, record: logging.LogRecord) -> None:
            if "got no usable answer" in record.getMessage():
                # Refused, not a moment's failure: looking again would not help.
                airbyte_sandbox.faults.fail("/jobs", 400, times=None, method="GET")

    handler = LookupFails(logging.WARNING)
    client.logger.addHandler(handler)
    try:
        with pytest.raises(AirbyteConnectionError) as raised:
            client.trigger_sync(connection_id)
    finally:
        client.logger.removeHandler(handler)

    assert _post_statuses(airbyte_sandbox) == [0]
    message = str(raised.value)
    assert "may have started a sync" in message and "job history" in message


# ----------------------------------------------------------------- edge 5: no expires_in


def test_a_token_answer_without_expires_in_is_accepted_and_refreshed_on_401(
    airbyte_sandbox, client, caplog
):
    airbyte_sandbox.state.tokens.report_lifetime = False  # the spec's example body
    caplog.set_level(logging.INFO, logger="airbyte_cloud_dagster")
    connection_id = airbyte_sandbox.connection_id(STRIPE)

    assert client.get_connection(connection_id).name == STRIPE
    airbyte_sandbox.faults.expire_tokens()
    assert client.get_connection(connection_id).name == STRIPE

    assert len(token_requests(airbyte_sandbox)) == 2
    said = [r.getMessage() for r in caplog.records if "access token" in r.getMessage()]
    assert "no expires_in" in said[0] and "120 s" in said[0]


def test_a_look_for_the_lost_start_that_fails_for_a_moment_is_made_again(
    airbyte_sandbox, make_client
):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.3)
    client = make_client(max_retries=0, backoff_factor=0.05, backoff_max=0.2)
    airbyte_sandbox.faults.drop("/jobs", times=1, method="POST")  # created, answer lost

    class LookupFailsTwice(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "got no usable answer" in record.getMessage():
                airbyte_sandbox.faults.fail("/jobs", 429, times=2, method="GET")

    handler = LookupFailsTwice(logging.WARNING)
    client.logger.addHandler(handler)
    try:
        job = client.trigger_sync(connection_id)
    finally:
        client.logger.removeHandler(handler)

    assert airbyte_sandbox.jobs_created(connection_id) == 1
    (created,) = sandbox_jobs(airbyte_sandbox, connection_id)
    assert job.job_id == created["jobId"]
    assert _post_statuses(airbyte_sandbox) == [0]
