"""Waiting on many jobs: one jobs-list request per poll, each job reported as it ends."""

from __future__ import annotations

import logging
import re
import time
import uuid
from urllib.parse import parse_qs

import pytest

from airbyte_cloud_dagster.api import AirbyteJobFailed, AirbyteTimeout, PollPolicy
from airbyte_cloud_dagster.api.multi_wait import JobsWatch, wait_for_jobs
from airbyte_cloud_dagster.api.polling import job_failure
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.workspaces import generate_workspace

from .helpers import TOKEN_PATH

STRIPE = "Stripe → Warehouse"
APP_POSTGRES = "App Postgres → Warehouse"
FAST = PollPolicy(poll_interval=0.05, poll_interval_max=0.2)
WHOLE_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _api_requests(sandbox, since: int) -> list:
    return [r for r in sandbox.requests[since:] if r.path != TOKEN_PATH]


@pytest.fixture
def busy_sandbox(tmp_path):
    """50 connections whose syncs run for a minute."""
    with Sandbox(
        generate_workspace(50, 1), job_duration=60, warehouse_path=tmp_path / "w.sqlite"
    ) as sandbox:
        yield sandbox


def test_fifty_running_jobs_cost_one_request_per_poll(busy_sandbox, make_client):
    client = make_client(busy_sandbox)
    connections = client.list_connections()
    jobs = [client.start_job(connection.connection_id) for connection in connections]
    watch = JobsWatch(client, jobs, workspace_ids=[busy_sandbox.workspace_id])

    for _ in range(3):
        before = len(busy_sandbox.requests)
        watch.tick()
        (listing,) = _api_requests(busy_sandbox, before)
        assert (listing.method, listing.path) == ("GET", "/v1/jobs")
        query = parse_qs(listing.query)
        assert query["orderBy"] == ["updatedAt|ASC"]
        assert query["workspaceIds"] == [busy_sandbox.workspace_id]
        assert WHOLE_SECONDS.fullmatch(query["updatedAtStart"][0])

    assert len(watch.pending) == 50
    assert not watch.read_directly


@pytest.mark.slow
def test_more_jobs_than_a_page_are_listed_page_by_page_until_all_end(tmp_path, make_client):
    with Sandbox(
        generate_workspace(120, 1), job_duration=0.5, warehouse_path=tmp_path / "w.sqlite"
    ) as sandbox:
        client = make_client(sandbox)
        jobs = [client.start_job(c.connection_id) for c in client.list_connections()]
        before = len(sandbox.requests)

        ends = list(wait_for_jobs(client, jobs, workspace_ids=[sandbox.workspace_id], poll=FAST))

        assert sorted(end.job.job_id for end in ends) == sorted(job.job_id for job in jobs)
        assert all(end.succeeded and end.job.rows_synced for end in ends)
        served = _api_requests(sandbox, before)
        assert {(r.method, r.path) for r in served} == {("GET", "/v1/jobs")}
        offsets = [parse_qs(r.query)["offset"][0] for r in served]
        assert offsets.count("0") * 3 >= len(offsets)  # at most 3 pages a poll for 120 jobs


@pytest.mark.slow
def test_each_job_is_reported_as_soon_as_it_ends(airbyte_sandbox, client):
    stripe = airbyte_sandbox.connection_id(STRIPE)
    app = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.configure_connection(stripe, duration=0.3, outcome="failed")
    airbyte_sandbox.configure_connection(app, duration=2.0)
    jobs = [client.start_job(stripe), client.start_job(app)]

    ends = wait_for_jobs(client, jobs, workspace_ids=[airbyte_sandbox.workspace_id], poll=FAST)

    first = next(ends)
    assert first.job.connection_id == stripe
    assert airbyte_sandbox.job(jobs[1].job_id)["status"] == "running"
    assert isinstance(first.error, AirbyteJobFailed)
    assert str(first.error) == str(job_failure(first.job))  # the one-job wait's own words
    second = next(ends)
    assert (second.job.connection_id, second.succeeded) == (app, True)
    assert list(ends) == []


@pytest.mark.slow
def test_the_mark_moves_up_to_the_servers_times_as_jobs_end(airbyte_sandbox, client):
    stripe = airbyte_sandbox.connection_id(STRIPE)
    app = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.configure_connection(stripe, duration=1.1)  # ends a second after it starts
    airbyte_sandbox.configure_connection(app, duration=2.5)
    jobs = [client.start_job(stripe), client.start_job(app)]
    watch = JobsWatch(client, jobs, workspace_ids=[airbyte_sandbox.workspace_id], margin=0)
    first_mark = watch.mark

    ended = []
    while watch.pending:
        ended += [job for job in watch.tick() if job.is_terminal]
        if len(ended) == 1:
            assert watch.mark is not None and first_mark is not None
            assert watch.mark >= ended[0].last_updated_at > first_mark
        time.sleep(0.05)

    assert [job.connection_id for job in ended] == [stripe, app]


def test_a_job_the_listing_does_not_cover_is_read_on_its_own(airbyte_sandbox, client, caplog):
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe, duration=0.3)
    job = client.start_job(stripe)
    wrong_workspace = str(uuid.uuid4())

    with caplog.at_level(logging.WARNING, logger="airbyte_cloud_dagster"):
        (end,) = wait_for_jobs(client, [job], workspace_ids=[wrong_workspace], poll=FAST)

    assert end.succeeded
    assert "missing from the jobs list" in caplog.text
    assert any(r.path == f"/v1/jobs/{job.job_id}" for r in airbyte_sandbox.requests)


@pytest.mark.slow
def test_jobs_still_running_at_the_timeout_end_cancelled_when_asked(airbyte_sandbox, client):
    stripe = airbyte_sandbox.connection_id(STRIPE)
    app = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.configure_connection(stripe, duration=0.2)
    airbyte_sandbox.configure_connection(app, duration=30)
    jobs = [client.start_job(stripe), client.start_job(app)]

    ends = list(wait_for_jobs(client, jobs, poll=FAST, timeout=1.0, cancel_on_timeout=True))

    assert [(e.job.connection_id, type(e.error)) for e in ends] == [
        (stripe, type(None)),
        (app, AirbyteTimeout),
    ]
    assert "cancelled" in str(ends[1].error)
    assert airbyte_sandbox.job(jobs[1].job_id)["status"] == "cancelled"
