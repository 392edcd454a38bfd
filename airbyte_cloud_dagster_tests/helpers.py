"""Helpers shared by the Dagster-layer tests (workspace/, sync/, assets/, automation/, demo/,
components/, test_resource.py), some by api/ too: the demo workspace's connection names, the
resource pointed at the sandbox, and reading what the sandbox ran. The ``airbyte``,
``instance`` and ``make_project`` fixtures are in conftest.py."""

from __future__ import annotations

import threading
import time

import dagster as dg
import requests

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets
from airbyte_cloud_dagster.sandbox import RequestRecord, Sandbox, ScheduleSeed, demo_workspace

STRIPE = "Stripe → Warehouse"
APP_POSTGRES = "App Postgres → Warehouse"
S3_FILES = "S3 Files → Warehouse"
HUBSPOT = "HubSpot → Warehouse"
ACTIVE = (APP_POSTGRES, STRIPE, S3_FILES)  # the demo's active connections; HubSpot is inactive
STRIPE_TABLES = {"raw/stripe_charges", "raw/stripe_customers", "raw/stripe_balance_transactions"}


def sandbox_settings(sandbox, **settings) -> dict:
    """Resource settings pointed at the sandbox, polling quickly; any may be overridden (the
    credentials and ``api_url`` too). Also the ``workspace:`` block of the component's tests."""
    return {
        "api_url": sandbox.base_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "poll_interval": 0.05,
        "poll_interval_max": 0.2,
        "max_retries": 2,
        **settings,
    }


def sandbox_resource(sandbox, **settings) -> AirbyteCloudResource:
    """The resource a user would configure, pointed at the sandbox, polling quickly."""
    return AirbyteCloudResource(**sandbox_settings(sandbox, **settings))


def sandbox_environment(sandbox) -> dict[str, str]:
    """``AIRBYTE_API_URL``, ``AIRBYTE_CLIENT_ID`` and ``AIRBYTE_CLIENT_SECRET`` for the sandbox:
    what a code location (the demo's, the README's, a dg project's) reads from the environment."""
    return {
        "AIRBYTE_API_URL": sandbox.base_url,
        "AIRBYTE_CLIENT_ID": sandbox.client_id,
        "AIRBYTE_CLIENT_SECRET": sandbox.client_secret,
    }


def sandbox_with_schedule(name: str, schedule: ScheduleSeed) -> Sandbox:
    """A sandbox of the demo workspace in which the connection ``name`` has ``schedule``."""
    seed = demo_workspace()
    seed.connection_by_name(name).schedule = schedule
    return Sandbox(seed, job_duration=0.5)


def stripe_assets(airbyte: AirbyteCloudResource, **kwargs) -> list[dg.AssetsDefinition]:
    """The assets of the Stripe connection alone (``kwargs`` go to the loader)."""
    return load_airbyte_cloud_assets(
        airbyte=airbyte, connection_filter=lambda c: c.name == STRIPE, **kwargs
    )


def sandbox_jobs(sandbox, connection_id: str) -> list[dict]:
    """The connection's jobs as the sandbox serves them, oldest first (read with raw HTTP)."""
    response = requests.get(
        f"{sandbox.base_url}/jobs",
        params={"connectionId": connection_id, "limit": 100},
        headers={"Authorization": f"Bearer {sandbox.issue_token()}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["data"]


def job_summary(sandbox, name: str) -> list[tuple[str, str]]:
    """``(jobType, status)`` of each job of the connection called ``name``, oldest first."""
    return [(j["jobType"], j["status"]) for j in sandbox_jobs(sandbox, sandbox.connection_id(name))]


def start_in_airbyte(sandbox, connection_id: str, job_type: str) -> requests.Response:
    """What the Airbyte UI (or anyone with the API) does: POST /jobs outside Dagster. The
    answer as it came, refusals too."""
    return requests.post(
        f"{sandbox.base_url}/jobs",
        json={"connectionId": connection_id, "jobType": job_type},
        headers={"Authorization": f"Bearer {sandbox.issue_token()}"},
        timeout=10,
    )


def patch_requests(sandbox) -> list[RequestRecord]:
    """The PATCH requests the sandbox served (dropped ones with status 0), in order."""
    return [r for r in sandbox.requests if r.method == "PATCH"]


# --------------------------------------------------------------------- the sync sensor


def wait_until_ended(sandbox: Sandbox, job_id: int, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = sandbox.job(job_id)
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end")


def evaluate(
    sensor: dg.SensorDefinition,
    airbyte: AirbyteCloudResource,
    instance: dg.DagsterInstance,
    cursor: str | None = None,
) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"airbyte": airbyte}
    )
    return sensor(context)


def materializations(result: dg.SensorResult) -> dict[str, dict]:
    return {
        event.asset_key.to_user_string(): {
            k: getattr(v, "value", v) for k, v in event.metadata.items()
        }
        for event in result.asset_events
        if isinstance(event, dg.AssetMaterialization)
    }


def observations(result: dg.SensorResult) -> dict[str, dict]:
    return {
        event.asset_key.to_user_string(): {
            k: getattr(v, "value", v) for k, v in event.metadata.items()
        }
        for event in result.asset_events
        if isinstance(event, dg.AssetObservation)
    }


def checks(result: dg.SensorResult) -> dict[str, bool]:
    return {
        event.asset_key.to_user_string(): event.passed
        for event in result.asset_events
        if isinstance(event, dg.AssetCheckEvaluation)
    }


def fail_the_first_poll_after(sandbox: Sandbox, starts: int) -> None:
    """In the background: once ``starts`` syncs have been started (each start also reads the
    connection's newest job with a ``GET /jobs``), the next ``GET /jobs`` (the first poll of a
    one-step wait) is answered 503."""

    def started() -> int:
        return len([r for r in sandbox.requests if r.method == "POST" and r.path.endswith("/jobs")])

    def fail() -> None:
        deadline = time.monotonic() + 10
        while started() < starts:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        sandbox.faults.fail("/jobs", 503, times=1, method="GET")

    threading.Thread(target=fail, daemon=True).start()
