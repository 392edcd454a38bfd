"""Helpers for the sandbox tests: an authorised session and job polling, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox

STRIPE = "Stripe → Warehouse"
APP_POSTGRES = "App Postgres → Warehouse"
S3_FILES = "S3 Files → Warehouse"
HUBSPOT = "HubSpot → Warehouse"
TERMINAL = {"succeeded", "failed", "cancelled"}


@pytest.fixture
def api(airbyte_sandbox: Sandbox) -> Iterator[requests.Session]:
    """A session that sends a valid bearer token to the sandbox."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {airbyte_sandbox.issue_token()}"
        yield session


def start_job(
    sandbox: Sandbox, session: requests.Session, connection: str, job_type: str = "sync"
) -> dict[str, Any]:
    """POST /jobs for a demo connection by name; asserts it was accepted."""
    response = session.post(
        f"{sandbox.base_url}/jobs",
        json={"connectionId": sandbox.connection_id(connection), "jobType": job_type},
    )
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_job(
    sandbox: Sandbox, session: requests.Session, job_id: int, timeout: float = 10.0
) -> tuple[dict[str, Any], list[str]]:
    """Poll GET /jobs/{id} until terminal; returns the last job and every status seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = session.get(f"{sandbox.base_url}/jobs/{job_id}").json()
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] in TERMINAL:
            return job, seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s; statuses seen: {seen}")
