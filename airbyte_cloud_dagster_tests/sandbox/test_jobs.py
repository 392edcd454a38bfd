"""Job life cycle and the rules for starting, resetting and cancelling jobs."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.jobs import iso_duration

from .conftest import APP_POSTGRES, HUBSPOT, STRIPE, start_job, wait_for_job


def test_a_sync_goes_from_pending_through_running_to_succeeded(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = start_job(airbyte_sandbox, api, STRIPE)
    assert job["status"] == "pending"
    assert job["jobType"] == "sync"
    final, seen = wait_for_job(airbyte_sandbox, api, job["jobId"])
    assert seen == ["pending", "running", "succeeded"]
    assert final["rowsSynced"] > 0 and final["bytesSynced"] > 0


def test_a_pending_job_has_no_duration_and_no_last_update(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = start_job(airbyte_sandbox, api, STRIPE)
    assert "duration" not in job and "lastUpdatedAt" not in job
    assert job["startTime"].endswith("Z")
    assert "rowsSynced" not in job and "bytesSynced" not in job  # before its first attempt


def test_a_finished_job_reports_start_update_and_duration(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = start_job(airbyte_sandbox, api, STRIPE)
    final, _ = wait_for_job(airbyte_sandbox, api, job["jobId"])
    assert final["startTime"] == job["startTime"]
    assert final["lastUpdatedAt"].endswith("Z")
    assert final["duration"].startswith("PT") and final["duration"].endswith("S")


def test_a_queued_connection_shows_queued_before_running(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.configure_connection(
        airbyte_sandbox.connection_id(STRIPE), duration=0.3, queued_for=0.3
    )
    job = start_job(airbyte_sandbox, api, STRIPE)
    _, seen = wait_for_job(airbyte_sandbox, api, job["jobId"])
    assert seen == ["pending", "queued", "running", "succeeded"]


@pytest.mark.slow
def test_a_flaky_attempt_shows_incomplete_then_running_again(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.configure_connection(
        airbyte_sandbox.connection_id(STRIPE), duration=0.75, incomplete_attempts=1
    )
    job = start_job(airbyte_sandbox, api, STRIPE)
    _, seen = wait_for_job(airbyte_sandbox, api, job["jobId"])
    assert seen == ["pending", "running", "incomplete", "running", "succeeded"]


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_a_connection_planned_to_fail_ends_that_way_with_no_rows(
    airbyte_sandbox: Sandbox, api: requests.Session, outcome: str
) -> None:
    airbyte_sandbox.configure_connection(
        airbyte_sandbox.connection_id(STRIPE), duration=0.2, outcome=outcome
    )
    job = start_job(airbyte_sandbox, api, STRIPE)
    final, _ = wait_for_job(airbyte_sandbox, api, job["jobId"])
    assert final["status"] == outcome
    assert final["rowsSynced"] == 0


def test_planned_rows_and_bytes_are_reported(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.configure_connection(
        airbyte_sandbox.connection_id(STRIPE), duration=0.2, rows=42, bytes=4200
    )
    job = start_job(airbyte_sandbox, api, STRIPE)
    final, _ = wait_for_job(airbyte_sandbox, api, job["jobId"])
    assert (final["rowsSynced"], final["bytesSynced"]) == (42, 4200)


def test_row_counts_are_the_same_in_every_sandbox(tmp_path: Path) -> None:
    rows = []
    for run in range(2):
        warehouse = tmp_path / f"w{run}.sqlite"
        with (
            Sandbox(job_duration=0.2, warehouse_path=warehouse) as sandbox,
            requests.Session() as api,
        ):
            api.headers["Authorization"] = f"Bearer {sandbox.issue_token()}"
            job = start_job(sandbox, api, STRIPE)
            rows.append(wait_for_job(sandbox, api, job["jobId"])[0]["rowsSynced"])
    assert rows[0] == rows[1] > 0


def test_a_second_sync_while_one_runs_is_refused_and_not_queued(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    start_job(airbyte_sandbox, api, STRIPE)
    response = api.post(
        f"{airbyte_sandbox.base_url}/jobs", json={"connectionId": connection_id, "jobType": "sync"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["title"] == "try-again-later"
    assert problem["type"] == "https://reference.airbyte.com/reference/errors#try-again-later"
    assert problem["data"]["message"] == f"A sync is already running for: {connection_id}"
    assert response.headers["content-type"] == "application/json"
    assert airbyte_sandbox.jobs_created(connection_id) == 1


def test_a_sync_on_an_inactive_connection_is_a_state_conflict(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    response = api.post(
        f"{airbyte_sandbox.base_url}/jobs",
        json={"connectionId": airbyte_sandbox.connection_id(HUBSPOT), "jobType": "sync"},
    )
    assert response.status_code == 409
    assert response.json()["title"] == "state-conflict"


def test_a_refresh_is_unprocessable(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    response = api.post(
        f"{airbyte_sandbox.base_url}/jobs",
        json={"connectionId": airbyte_sandbox.connection_id(STRIPE), "jobType": "refresh"},
    )
    assert response.status_code == 422
    assert response.json()["title"] == "unprocessable-entity"


def test_a_clear_runs_as_a_reset(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    job = start_job(airbyte_sandbox, api, STRIPE, job_type="clear")
    assert job["jobType"] == "reset"
    final, _ = wait_for_job(airbyte_sandbox, api, job["jobId"])
    assert final["status"] == "succeeded"
    assert final["rowsSynced"] == 0


def test_a_reset_while_a_sync_runs_cancels_the_sync(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    sync = start_job(airbyte_sandbox, api, STRIPE)
    reset = start_job(airbyte_sandbox, api, STRIPE, job_type="reset")
    assert reset["jobType"] == "reset"
    cancelled = api.get(f"{airbyte_sandbox.base_url}/jobs/{sync['jobId']}").json()
    assert cancelled["status"] == "cancelled"
    assert wait_for_job(airbyte_sandbox, api, reset["jobId"])[0]["status"] == "succeeded"


def test_cancelling_a_running_job_returns_it_cancelled(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = start_job(airbyte_sandbox, api, STRIPE)
    response = api.delete(f"{airbyte_sandbox.base_url}/jobs/{job['jobId']}")
    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert "lastUpdatedAt" in cancelled
    assert airbyte_sandbox.job(job["jobId"])["status"] == "cancelled"


def test_cancelling_a_finished_job_is_a_conflict(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = start_job(airbyte_sandbox, api, STRIPE)
    wait_for_job(airbyte_sandbox, api, job["jobId"])
    response = api.delete(f"{airbyte_sandbox.base_url}/jobs/{job['jobId']}")
    assert response.status_code == 409
    assert response.json()["data"]["message"] == "Job is not currently running"


def test_a_new_sync_can_start_once_the_previous_one_finished(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    first = start_job(airbyte_sandbox, api, STRIPE)
    wait_for_job(airbyte_sandbox, api, first["jobId"])
    second = start_job(airbyte_sandbox, api, STRIPE)
    assert second["jobId"] == first["jobId"] + 1


def test_an_unknown_job_is_resource_not_found(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    response = api.get(f"{airbyte_sandbox.base_url}/jobs/999999")
    assert response.status_code == 404
    assert response.json()["data"] == {"resourceType": "job", "resourceId": "999999"}


def test_a_sync_for_an_unknown_connection_is_resource_not_found(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    response = api.post(
        f"{airbyte_sandbox.base_url}/jobs", json={"connectionId": unknown, "jobType": "sync"}
    )
    assert response.status_code == 404
    assert response.json()["data"] == {"resourceType": "connection", "resourceId": unknown}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"jobType": "sync"}',
        b'{"connectionId": "nope", "jobType": "sync"}',
        b'{"connectionId": "00000000-0000-4000-8000-000000000000", "jobType": "backfill"}',
    ],
)
def test_a_malformed_job_request_is_a_bad_request(
    airbyte_sandbox: Sandbox, api: requests.Session, body: bytes
) -> None:
    response = api.post(
        f"{airbyte_sandbox.base_url}/jobs", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["title"] == "bad-request"


def test_a_non_numeric_job_id_is_a_bad_request(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    assert api.get(f"{airbyte_sandbox.base_url}/jobs/abc").status_code == 400


@pytest.mark.slow
def test_jobs_finish_even_when_nobody_polls(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = start_job(airbyte_sandbox, api, APP_POSTGRES)

    def landed() -> int:
        """The tables the job landed, read from the warehouse (not through the job)."""
        airbyte_sandbox.flush_warehouse()
        with sqlite3.connect(airbyte_sandbox.warehouse_path) as db:
            return db.execute(
                "SELECT count(*) FROM _airbyte_syncs WHERE job_id = ?", (job["jobId"],)
            ).fetchone()[0]

    # the background ticker lands the rows without anyone reading the job
    deadline = time.monotonic() + 10
    while landed() < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert landed() == 4


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "PT0S"), (8, "PT8S"), (62.5, "PT1M2.5S"), (29172, "PT8H6M12S"), (0.25, "PT0.25S")],
)
def test_durations_are_iso_8601(seconds: float, text: str) -> None:
    assert iso_duration(seconds) == text
