"""The sandbox plays Airbyte's own scheduler: syncs that no API client started."""

from __future__ import annotations

import time

import pytest

from airbyte_cloud_dagster.sandbox import Sandbox

from .conftest import APP_POSTGRES, HUBSPOT, STRIPE, TERMINAL


def test_an_external_sync_is_a_job_like_any_other(airbyte_sandbox: Sandbox, api):
    connection_id = airbyte_sandbox.connection_id(STRIPE)

    job = airbyte_sandbox.start_external_sync(connection_id)

    assert job["connectionId"] == connection_id and job["jobType"] == "sync"
    listed = api.get(
        f"{airbyte_sandbox.base_url}/jobs", params={"connectionId": connection_id}
    ).json()["data"]
    assert [j["jobId"] for j in listed] == [job["jobId"]]
    # Airbyte's scheduler obeys the same rule as POST /jobs: one sync at a time.
    with pytest.raises(RuntimeError, match="already running"):
        airbyte_sandbox.start_external_sync(connection_id)
    response = api.post(
        f"{airbyte_sandbox.base_url}/jobs", json={"connectionId": connection_id, "jobType": "sync"}
    )
    assert response.status_code == 409


def test_an_external_sync_over_http(airbyte_sandbox: Sandbox, api):
    connection_id = airbyte_sandbox.connection_id(APP_POSTGRES)

    response = api.post(
        f"{airbyte_sandbox.root_url}/_sandbox/connections/{connection_id}/external-sync"
    )

    assert response.status_code == 201
    job = response.json()
    assert airbyte_sandbox.job(job["jobId"])["connectionId"] == connection_id
    inactive = airbyte_sandbox.connection_id(HUBSPOT)
    refused = api.post(f"{airbyte_sandbox.root_url}/_sandbox/connections/{inactive}/external-sync")
    assert refused.status_code == 409 and refused.json()["title"] == "state-conflict"


@pytest.mark.slow
def test_recurring_external_syncs_skip_a_turn_while_one_runs_and_stop():
    with Sandbox(job_duration=0.25) as sandbox:
        connection_id = sandbox.connection_id(STRIPE)
        sandbox.configure_connection(connection_id, duration=0.25)

        sandbox.schedule_external_syncs(connection_id, every_seconds=0.1)
        time.sleep(1.2)
        sandbox.stop_external_syncs()
        started = sandbox.jobs_created(connection_id)
        time.sleep(0.3)

        assert 2 <= started <= 6  # one per turn when none runs: not one every 0.1 s
        assert sandbox.jobs_created(connection_id) == started
        time.sleep(0.3)
        statuses = [sandbox.job(job_id)["status"] for job_id in range(1, started + 1)]
        assert set(statuses) <= TERMINAL


def test_connections_keep_serving_their_schedule(airbyte_sandbox: Sandbox, api):
    connections = api.get(f"{airbyte_sandbox.base_url}/connections").json()["data"]
    schedules = {c["name"]: c["schedule"] for c in connections}

    assert schedules[APP_POSTGRES] == {"scheduleType": "cron", "cronExpression": "0 0 12 * * ? UTC"}
    assert schedules[STRIPE] == {"scheduleType": "basic", "basicTiming": "Every 24 HOURS"}
