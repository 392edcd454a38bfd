"""Details the sandbox copies from the real server, that a client such as the official SDK sees:
the anonymous health check, tokens that outlive a restart, job times as Java writes them, job
figures from the last attempt, and the schema discovery behind ``GET /streams``.

See docs/airbyte/behaviour.md ("Health", "Authentication", "Jobs", "Streams").
"""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from airbyte_cloud_dagster.api.models import AirbyteJob
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.__main__ import parse_args
from airbyte_cloud_dagster.sandbox.jobs import iso_duration, java_time

from .conftest import STRIPE, TERMINAL, start_job

PREFIXES = ("/v1", "/api/public/v1")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --------------------------------------------------------------------------- health


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_health_check_answers_without_a_token(airbyte_sandbox: Sandbox, prefix: str) -> None:
    response = requests.get(f"{airbyte_sandbox.root_url}{prefix}/health", timeout=10)

    assert response.status_code == 200
    assert requests.get(f"{airbyte_sandbox.root_url}{prefix}/jobs", timeout=10).status_code == 401


def test_an_access_proxy_in_front_still_guards_the_health_check(tmp_path: Path) -> None:
    with Sandbox(
        required_headers={"CF-Access-Client-Id": "x"}, warehouse_path=tmp_path / "w"
    ) as sb:
        assert requests.get(f"{sb.base_url}/health", timeout=10).status_code == 403


# --------------------------------------------------------------------------- tokens


def test_tokens_outlive_a_restart_with_the_same_credentials_only(tmp_path: Path) -> None:
    same = {"client_id": "app-id", "client_secret": "app-secret"}
    with Sandbox(warehouse_path=tmp_path / "a", **same) as first:
        token = first.issue_token()
    with Sandbox(warehouse_path=tmp_path / "b", **same) as again:
        accepted = requests.get(f"{again.base_url}/workspaces", headers=bearer(token), timeout=10)
        again.faults.expire_tokens()
        expired = requests.get(f"{again.base_url}/workspaces", headers=bearer(token), timeout=10)
    with Sandbox(warehouse_path=tmp_path / "c", client_id="app-id", client_secret="other") as sb:
        other = requests.get(f"{sb.base_url}/workspaces", headers=bearer(token), timeout=10)

    assert (accepted.status_code, expired.status_code, other.status_code) == (200, 401, 401)


def test_a_token_keeps_its_own_expiry_and_carries_no_secret(tmp_path: Path) -> None:
    same = {"client_id": "app-id", "client_secret": "app-secret"}
    with Sandbox(token_lifetime=0.3, warehouse_path=tmp_path / "a", **same) as first:
        token = first.issue_token()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert "app-secret" not in json.dumps(claims)
    assert claims["exp"] - claims["iat"] == pytest.approx(0.3)

    with Sandbox(token_lifetime=900, warehouse_path=tmp_path / "b", **same) as again:
        deadline = time.monotonic() + 5
        while requests.get(f"{again.base_url}/workspaces", headers=bearer(token)).ok:
            assert time.monotonic() < deadline, "the token outlived the lifetime it was issued with"


# --------------------------------------------------------------------------- jobs


def test_job_times_are_written_as_java_writes_them_and_our_client_reads_them() -> None:
    on_the_minute = 1_714_591_860  # 2024-05-01T19:31:00Z
    body = {
        "jobId": 1,
        "status": "succeeded",
        "jobType": "sync",
        "connectionId": "c",
        "startTime": java_time(on_the_minute),
        "lastUpdatedAt": java_time(on_the_minute + 65),
        "duration": iso_duration(65),
    }

    job = AirbyteJob.from_api(body)

    assert (body["startTime"], body["lastUpdatedAt"]) == (
        "2024-05-01T19:31Z",
        "2024-05-01T19:32:05Z",
    )
    assert job.start_time == datetime(2024, 5, 1, 19, 31, tzinfo=timezone.utc)
    assert (body["duration"], job.duration) == ("PT1M5S", timedelta(seconds=65))


def test_a_running_jobs_duration_holds_still_between_updates(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=30)
    job_id = start_job(airbyte_sandbox, api, STRIPE)["jobId"]
    durations = set()
    watched_until = time.monotonic() + 0.4
    while time.monotonic() < watched_until:
        job = api.get(f"{airbyte_sandbox.base_url}/jobs/{job_id}").json()
        if job["status"] == "running":
            durations.add(job["duration"])
        time.sleep(0.02)

    assert len(durations) == 1 and durations.pop() in ("PT0S", "PT1S")  # created -> running


def test_rows_are_absent_before_the_first_attempt_then_grow_while_it_runs(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe, duration=0.6, queued_for=0.2, rows=1000)
    job = start_job(airbyte_sandbox, api, STRIPE)
    figures: list[tuple[str, int | None, int | None]] = []
    deadline = time.monotonic() + 10
    while job["status"] not in TERMINAL and time.monotonic() < deadline:
        figures.append((job["status"], job.get("rowsSynced"), job.get("bytesSynced")))
        time.sleep(0.02)
        job = api.get(f"{airbyte_sandbox.base_url}/jobs/{job['jobId']}").json()

    before = {(rows, size) for status, rows, size in figures if status in ("pending", "queued")}
    running = [rows or 0 for status, rows, _ in figures if status == "running"]
    assert before == {(None, None)}  # absent, not 0: no attempt yet
    assert running == sorted(running) and any(0 < rows < 1000 for rows in running)
    assert (job["status"], job["rowsSynced"]) == ("succeeded", 1000)


# --------------------------------------------------------------------------- streams


def test_get_streams_discovers_once_per_source_unless_told_to_ignore_the_cache(
    tmp_path: Path,
) -> None:
    with Sandbox(discovery_seconds=0.2, warehouse_path=tmp_path / "w") as sb:
        stripe, s3 = (
            s.source_id for s in sb.seed.sources if s.name in ("Stripe", "S3 Landing Bucket")
        )
        session = requests.Session()
        session.headers.update(bearer(sb.issue_token()))

        def streams(source_id: str, **params: str) -> float:
            started = time.monotonic()
            response = session.get(
                f"{sb.base_url}/streams", params={"sourceId": source_id, **params}
            )
            assert response.status_code == 200, response.text
            return time.monotonic() - started

        first = streams(stripe)
        streams(stripe)
        assert (first >= 0.2, sb.discovery.discoveries) == (True, 1)  # then cached
        streams(stripe, ignoreCache="true")
        streams(s3)
        assert sb.discovery.discoveries == 3


def test_the_discovery_cost_is_set_by_constructor_cli_and_admin(tmp_path: Path) -> None:
    assert parse_args(["--discovery-seconds", "1.5"]).discovery_seconds == 1.5
    with pytest.raises(ValueError, match="must not be negative"):
        Sandbox(discovery_seconds=-1)
    with Sandbox(discovery_seconds=3, warehouse_path=tmp_path / "w") as sb:
        admin = f"{sb.root_url}/_sandbox/discovery"
        assert requests.get(admin, timeout=10).json()["seconds"] == 3
        changed = requests.post(admin, json={"seconds": 0.5, "forget": True}, timeout=10)
        refused = requests.post(admin, json={"seconds": -2}, timeout=10)

        assert changed.json() == {"seconds": 0.5, "discoveries": 0, "cachedSources": []}
        assert refused.status_code == 400 and sb.discovery.seconds == 0.5
