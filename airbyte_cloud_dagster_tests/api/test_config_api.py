"""Reading failure reasons and per-stream statistics from the internal Config API, best-effort."""

from __future__ import annotations

import time

import pytest

from airbyte_cloud_dagster.api.config_api import (
    FailureReason,
    config_api_url,
    fetch_job_details,
    parse_job_details,
)
from airbyte_cloud_dagster.sandbox import Sandbox

STRIPE = "Stripe → Warehouse"
APP_POSTGRES = "App Postgres → Warehouse"


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://api.airbyte.com/v1", "https://cloud.airbyte.com/api/v1"),
        ("https://api.airbyte.com/v1/", "https://cloud.airbyte.com/api/v1"),
        ("https://airbyte.acme.io/api/public/v1", "https://airbyte.acme.io/api/v1"),
        ("http://localhost:8000/api/public/v1", "http://localhost:8000/api/v1"),
        ("http://127.0.0.1:54321/v1", "http://127.0.0.1:54321/api/v1"),
        ("https://proxy.acme.io/airbyte/v1", "https://proxy.acme.io/airbyte/api/v1"),
        ("https://airbyte.acme.io/api/public", None),
    ],
)
def test_the_config_api_base_is_derived_from_the_public_api_url(api_url, expected):
    assert config_api_url(api_url) == expected


def _finished_job(client, sandbox: Sandbox, connection: str):
    return client.sync_and_wait(sandbox.connection_id(connection), timeout=30)


@pytest.mark.slow
def test_a_succeeded_jobs_per_stream_statistics_are_keyed_by_namespace_and_name(
    airbyte_sandbox, client
):
    connection_id = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.configure_connection(connection_id, duration=0.2, rows=401, bytes=80_200)
    job = _finished_job(client, airbyte_sandbox, APP_POSTGRES)

    details = fetch_job_details(client, job.job_id)

    assert details is not None
    assert (details.job_id, details.status, details.failure) == (job.job_id, "succeeded", None)
    assert set(details.stream_stats) == {
        ("public", "customers"),
        ("billing", "customers"),
        ("public", "orders"),
        ("billing", "invoice line items"),
    }
    assert sum(s.records_committed for s in details.stream_stats.values()) == job.rows_synced
    assert sum(s.bytes_committed for s in details.stream_stats.values()) == job.bytes_synced
    assert details.stats_for("orders", "public").records_committed == 100
    assert details.stats_for("orders", "billing") is None
    assert [r.path for r in airbyte_sandbox.requests[-1:]] == ["/api/v1/jobs/get_without_logs"]


def test_a_failed_jobs_reason_is_its_last_attempts_first_failure(airbyte_sandbox, make_client):
    # Self-managed style URL: the Config API is found next to /api/public/v1.
    client = make_client(api_url=airbyte_sandbox.self_managed_url)
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(
        connection_id,
        duration=0.3,
        outcome="failed",
        incomplete_attempts=1,
        failure_type="config_error",
        failure_origin="destination",
        failure_message="Could not connect to the warehouse: password authentication failed",
    )
    job = _wait_terminal(client, client.trigger_sync(connection_id).job_id)

    details = fetch_job_details(client, job.job_id)

    assert details is not None and details.attempt_count == 2
    assert details.failure == FailureReason(
        failure_type="config_error",
        failure_origin="destination",
        external_message="Could not connect to the warehouse: password authentication failed",
        internal_message="Could not connect to the warehouse: password authentication failed",
        timestamp_ms=details.failure.timestamp_ms,
        retryable=False,
    )
    assert details.stream_stats == {}


def _wait_terminal(client, job_id: int):
    deadline = time.monotonic() + 10
    while not (job := client.get_job(job_id)).is_terminal:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return job


@pytest.mark.slow
@pytest.mark.parametrize("status", [500, 502, 401, 404, 429])
def test_any_error_from_the_config_api_gives_none_instead_of_raising(
    airbyte_sandbox, client, status
):
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=0.2)
    job = _finished_job(client, airbyte_sandbox, STRIPE)
    airbyte_sandbox.faults.fail("/jobs/get_without_logs", status, times=None)

    assert fetch_job_details(client, job.job_id) is None
    # One try only (a 401 is replayed once with a fresh token, as for every call).
    tries = [r for r in airbyte_sandbox.requests if r.path == "/api/v1/jobs/get_without_logs"]
    assert len(tries) == (2 if status == 401 else 1)


def test_an_unknown_job_gives_none(client):
    assert fetch_job_details(client, 987_654) is None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"job": {"id": 7}},
        {"job": {"id": 8, "status": "failed"}, "attempts": []},
        {"job": "7", "attempts": []},
    ],
)
def test_unexpected_shapes_are_refused_not_guessed(payload):
    assert parse_job_details(payload, 7) is None


def test_odd_entries_are_skipped_and_malformed_statistics_dropped():
    details = parse_job_details(
        {
            "job": {
                "id": 7,
                "status": "failed",
                "streamAggregatedStats": [{"streamName": "users", "recordsCommitted": "many"}],
            },
            "attempts": [
                {"attempt": {"id": 0, "failureSummary": {"failures": ["?", {"timestamp": 1}]}}},
            ],
        },
        7,
    )

    assert details is not None
    assert details.failures == () and details.stream_stats is None
