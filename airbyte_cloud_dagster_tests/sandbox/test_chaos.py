"""Faults at seeded rates (sandbox/chaos.py), what the soak (benchmarks/soak.py) runs against."""

from __future__ import annotations

import time

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.chaos import Chaos, ChaosRates, start_external_clear

from .conftest import STRIPE, start_job


def _post_sync(sandbox: Sandbox) -> requests.Response:
    return requests.post(
        f"{sandbox.base_url}/jobs",
        json={"connectionId": sandbox.connection_id(STRIPE), "jobType": "sync"},
        headers={"Authorization": f"Bearer {sandbox.issue_token()}"},
        timeout=10,
    )


def _logged(sandbox: Sandbox) -> list[tuple[str, int]]:
    """The request log's (method, status) once it holds something (a drop is logged after the
    client has seen the connection close)."""
    deadline = time.monotonic() + 5
    while not sandbox.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    return [(r.method, r.status) for r in sandbox.requests]


def test_a_lost_start_request_creates_no_job_and_gets_no_answer(airbyte_sandbox: Sandbox) -> None:
    Chaos.install(airbyte_sandbox, ChaosRates(lost_request=1.0), seed=1)

    with pytest.raises(requests.ConnectionError):
        _post_sync(airbyte_sandbox)

    assert _logged(airbyte_sandbox) == [("POST", 0)]  # logged once the drop is done
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 0


def test_a_lost_start_reply_leaves_exactly_one_job(airbyte_sandbox: Sandbox) -> None:
    Chaos.install(airbyte_sandbox, ChaosRates(lost_reply=1.0), seed=1)

    with pytest.raises(requests.ConnectionError):
        _post_sync(airbyte_sandbox)

    assert _logged(airbyte_sandbox) == [("POST", 0)]
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1


def test_server_errors_come_at_the_seeded_rate_and_repeat_with_the_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with Sandbox(job_duration=0.5) as sandbox:
            Chaos.install(sandbox, ChaosRates(server_error=0.3), seed=seed)
            token = sandbox.issue_token()
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {token}"
                return [
                    session.get(f"{sandbox.base_url}/workspaces", timeout=10).status_code
                    for _ in range(60)
                ]

    first = statuses(7)

    errors = [s for s in first if s != 200]
    assert 8 <= len(errors) <= 30  # 18 expected
    assert set(errors) <= {500, 502, 503, 504}
    assert statuses(7) == first


def test_a_burst_answers_429_to_every_request(airbyte_sandbox: Sandbox, api) -> None:
    rates = ChaosRates(burst_every=(0.0, 0.0), burst_seconds=(30.0, 30.0))
    chaos = Chaos.install(airbyte_sandbox, rates, seed=1)
    chaos.start()
    deadline = time.monotonic() + 5
    while chaos.counts["burst"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    refused = [api.get(f"{airbyte_sandbox.base_url}/{p}") for p in ("connections", "jobs")]
    chaos.stop()
    after = api.get(f"{airbyte_sandbox.base_url}/connections")

    assert [r.status_code for r in refused] == [429, 429]
    assert refused[0].json() == {"message": "You are being rate limited."}
    assert "Retry-After" not in refused[0].headers
    assert after.status_code == 200


def test_token_answers_lose_their_lifetime_for_a_while(airbyte_sandbox: Sandbox) -> None:
    rates = ChaosRates(no_lifetime_every=(0.0, 0.0), no_lifetime_seconds=30.0)
    chaos = Chaos.install(airbyte_sandbox, rates, seed=1)
    chaos.start()
    deadline = time.monotonic() + 5
    while chaos.counts["no_lifetime"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    def token_answer() -> dict:
        return requests.post(
            f"{airbyte_sandbox.base_url}/applications/token",
            json={
                "client_id": airbyte_sandbox.client_id,
                "client_secret": airbyte_sandbox.client_secret,
                "grant-type": "client_credentials",
            },
            timeout=10,
        ).json()

    hidden = token_answer()
    chaos.stop()
    shown = token_answer()

    assert hidden["access_token"] and hidden["expires_in"] is None
    assert shown["expires_in"] >= 1


def test_explicit_fault_rules_still_come_first(airbyte_sandbox: Sandbox, api) -> None:
    Chaos.install(airbyte_sandbox, ChaosRates(), seed=1)
    airbyte_sandbox.faults.fail("/connections", 503)

    assert api.get(f"{airbyte_sandbox.base_url}/connections").status_code == 503
    assert api.get(f"{airbyte_sandbox.base_url}/connections").status_code == 200


def test_rates_that_cannot_all_happen_are_refused() -> None:
    with pytest.raises(ValueError, match="add up to at most 1"):
        ChaosRates(server_error=0.6, drop=0.6)


def test_an_external_clear_cancels_the_running_sync(airbyte_sandbox: Sandbox, api) -> None:
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=30)
    sync = start_job(airbyte_sandbox, api, STRIPE)

    clear = start_external_clear(airbyte_sandbox, airbyte_sandbox.connection_id(STRIPE))

    assert clear["jobType"] == "reset"
    assert airbyte_sandbox.job(sync["jobId"])["status"] == "cancelled"
