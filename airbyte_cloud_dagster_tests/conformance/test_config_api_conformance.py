"""The sandbox's internal Config API (``/api/v1``) serves what docs/airbyte/config-api.md describes.

Real HTTP against a running sandbox. Every body is validated against the schemas written from
that page (config_api_schemas.py), and the figures are checked against what the public
API and the warehouse say about the same job.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster_tests.conformance.config_api_schemas import validate_config_body

STRIPE = "Stripe → Warehouse"
APP_POSTGRES = "App Postgres → Warehouse"
S3_FILES = "S3 Files → Warehouse"
HUBSPOT = "HubSpot → Warehouse"
TERMINAL = {"succeeded", "failed", "cancelled"}


class ConfigApi:
    """Both APIs of one sandbox, with a bearer token from the public token endpoint."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {sandbox.issue_token()}"

    def post(self, path: str, body: Any, *, schema: str, status: int = 200) -> Any:
        response = self.session.post(f"{self.sandbox.root_url}/api/v1{path}", json=body, timeout=10)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        validate_config_body(schema, response.json())
        _assert_no_nulls(response.json())
        return response.json()

    def job_info(self, job_id: int, call: str = "/jobs/get_without_logs") -> dict[str, Any]:
        return self.post(call, {"id": job_id}, schema="JobInfoRead")

    def start(self, connection: str, job_type: str = "sync") -> int:
        response = self.session.post(
            f"{self.sandbox.base_url}/jobs",
            json={"connectionId": self.sandbox.connection_id(connection), "jobType": job_type},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()["jobId"]

    def wait(self, job_id: int) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job = self.session.get(f"{self.sandbox.base_url}/jobs/{job_id}", timeout=10).json()
            if job["status"] in TERMINAL:
                return job
            time.sleep(0.02)
        raise AssertionError(f"job {job_id} did not finish")


def _assert_no_nulls(body: Any, where: str = "") -> None:
    """The server omits nulls (docs/airbyte/config-api.md, "JSON")."""
    assert body is not None, f"null at {where or '/'}"
    if isinstance(body, dict):
        for key, value in body.items():
            _assert_no_nulls(value, f"{where}/{key}")
    elif isinstance(body, list):
        for index, value in enumerate(body):
            _assert_no_nulls(value, f"{where}/{index}")


@pytest.fixture
def config_api(airbyte_sandbox: Sandbox) -> ConfigApi:
    return ConfigApi(airbyte_sandbox)


def test_a_succeeded_job_has_per_stream_counts_that_add_up_and_match_the_warehouse(
    airbyte_sandbox, config_api
):
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe, duration=0.2, rows=167, bytes=40_001)
    public = config_api.wait(config_api.start(STRIPE))

    info = config_api.job_info(public["jobId"])

    job = info["job"]
    assert (job["id"], job["configType"], job["configId"]) == (public["jobId"], "sync", stripe)
    assert job["status"] == "succeeded"
    streams = job["streamAggregatedStats"]
    assert sum(s["recordsCommitted"] for s in streams) == public["rowsSynced"] == 167
    assert sum(s["bytesCommitted"] for s in streams) == public["bytesSynced"] == 40_001
    assert job["aggregatedStats"]["recordsCommitted"] == 167
    airbyte_sandbox.flush_warehouse()
    with sqlite3.connect(airbyte_sandbox.warehouse_path) as db:
        landed = dict(
            db.execute(
                "SELECT table_name, rows FROM _airbyte_syncs WHERE job_id = ?", (public["jobId"],)
            ).fetchall()
        )
    assert {f"stripe_{s['streamName']}": s["recordsCommitted"] for s in streams} == landed
    (attempt,) = info["attempts"]
    assert attempt["attempt"]["status"] == "succeeded"
    assert "logs" not in attempt and "failureSummary" not in attempt["attempt"]
    # Attempt stats come from the sync summary: no namespace, no bytesCommitted.
    assert all(set(s) == {"streamName", "stats"} for s in attempt["attempt"]["streamStats"])


def test_jobs_get_has_logs_but_never_the_job_level_stats(airbyte_sandbox, config_api):
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=0.2)
    job_id = config_api.wait(config_api.start(STRIPE))["jobId"]

    info = config_api.job_info(job_id, "/jobs/get")
    light = config_api.post("/jobs/get_light", {"id": job_id}, schema="JobInfoLightRead")

    assert "aggregatedStats" not in info["job"] and "streamAggregatedStats" not in info["job"]
    assert info["attempts"][0]["logType"] == "formatted"
    assert info["attempts"][0]["logs"]["logLines"]
    assert set(light) == {"job"} and "aggregatedStats" not in light["job"]
    assert light["job"] == info["job"]  # the same JobRead, built without the attempts


def test_streams_with_namespaces_are_named_with_them(airbyte_sandbox, config_api):
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(APP_POSTGRES), duration=0.2)
    job_id = config_api.wait(config_api.start(APP_POSTGRES))["jobId"]

    streams = config_api.job_info(job_id)["job"]["streamAggregatedStats"]

    assert [(s.get("streamNamespace"), s["streamName"]) for s in streams] == [
        ("public", "customers"),
        ("billing", "customers"),
        ("public", "orders"),
        ("billing", "invoice line items"),
    ]


def test_a_failed_job_tells_its_configured_reason_after_a_failed_attempt(
    airbyte_sandbox, config_api
):
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(
        stripe,
        duration=0.3,
        outcome="failed",
        incomplete_attempts=1,
        failure_type="config_error",
        failure_message="Could not connect to the database: password authentication failed",
    )
    public = config_api.wait(config_api.start(STRIPE))

    info = config_api.job_info(public["jobId"], "/jobs/get")

    assert info["job"]["status"] == public["status"] == "failed"
    first, last = (a["attempt"] for a in info["attempts"])
    assert (first["id"], last["id"]) == (0, 1)
    assert first["status"] == last["status"] == "failed"
    assert first["failureSummary"]["failures"][0]["failureType"] == "system_error"
    (reason,) = last["failureSummary"]["failures"]
    assert reason["failureType"] == "config_error"
    assert reason["failureOrigin"] == "source"
    assert reason["externalMessage"].startswith("Could not connect to the database")
    assert reason["timestamp"] // 1000 == last["endedAt"]
    stats = config_api.job_info(public["jobId"])["job"]
    assert stats["streamAggregatedStats"] == [] and public["rowsSynced"] == 0


def test_a_cancelled_job_says_it_was_cancelled(airbyte_sandbox, config_api):
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=30)
    job_id = config_api.start(STRIPE)
    deadline = time.monotonic() + 5
    while config_api.job_info(job_id)["job"]["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    config_api.session.delete(f"{airbyte_sandbox.base_url}/jobs/{job_id}", timeout=10)

    info = config_api.job_info(job_id)

    assert info["job"]["status"] == "cancelled"
    (reason,) = info["attempts"][-1]["attempt"]["failureSummary"]["failures"]
    assert reason["failureType"] == "manual_cancellation"
    assert reason["externalMessage"] == "This attempt was cancelled"


@pytest.mark.slow
def test_jobs_in_progress_and_resets_have_the_documented_shape(airbyte_sandbox, config_api):
    airbyte_sandbox.configure_connection(
        airbyte_sandbox.connection_id(STRIPE), duration=0.6, incomplete_attempts=1
    )
    job_id = config_api.start(STRIPE)
    seen = set()
    while (info := config_api.job_info(job_id))["job"]["status"] not in TERMINAL:
        seen.add(info["job"]["status"])
        if info["attempts"] and info["attempts"][-1]["attempt"]["status"] == "running":
            assert "endedAt" not in info["attempts"][-1]["attempt"]
        time.sleep(0.02)
    assert {"running", "incomplete"} <= seen

    reset = config_api.job_info(config_api.wait(config_api.start(STRIPE, "reset"))["jobId"])

    assert reset["job"]["configType"] == "reset_connection"
    assert reset["job"]["resetConfig"]["streamsToReset"] == reset["job"]["enabledStreams"]


@pytest.mark.parametrize("connection", [STRIPE, APP_POSTGRES, S3_FILES, HUBSPOT])
def test_connections_get_describes_the_connection_and_its_whole_catalog(
    airbyte_sandbox, config_api, connection
):
    connection_id = airbyte_sandbox.connection_id(connection)
    public = config_api.session.get(
        f"{airbyte_sandbox.base_url}/connections/{connection_id}", timeout=10
    ).json()

    read = config_api.post(
        "/connections/get", {"connectionId": connection_id}, schema="ConnectionRead"
    )

    assert (read["connectionId"], read["name"], read["prefix"]) == (
        connection_id,
        public["name"],
        public["prefix"],
    )
    assert (read["sourceId"], read["destinationId"]) == (
        public["sourceId"],
        public["destinationId"],
    )
    selected = [
        (e["stream"].get("namespace"), e["stream"]["name"])
        for e in read["syncCatalog"]["streams"]
        if e["config"]["selected"]
    ]
    enabled = [(s.get("namespace"), s["name"]) for s in public["configurations"]["streams"]]
    assert selected == enabled
    for entry in read["syncCatalog"]["streams"]:
        # dagster-airbyte builds column schemas from these (translator.py, generate_table_schema)
        assert all("type" in p for p in entry["stream"]["jsonSchema"]["properties"].values())


def test_connections_get_translates_schedules_and_namespaces(airbyte_sandbox, config_api):
    def read(name: str) -> dict[str, Any]:
        body = {"connectionId": airbyte_sandbox.connection_id(name)}
        return config_api.post("/connections/get", body, schema="ConnectionRead")

    app, stripe, s3 = read(APP_POSTGRES), read(STRIPE), read(S3_FILES)

    assert app["namespaceDefinition"] == "customformat"
    assert app["namespaceFormat"] == "app_${SOURCE_NAMESPACE}"
    assert app["scheduleData"]["cron"] == {"cronExpression": "0 0 12 * * ?", "cronTimeZone": "UTC"}
    assert stripe["scheduleData"]["basicSchedule"] == {"timeUnit": "hours", "units": 24}
    assert s3["scheduleType"] == "manual" and "scheduleData" not in s3
    modes = {
        e["stream"]["name"]: (e["config"]["syncMode"], e["config"]["destinationSyncMode"])
        for e in stripe["syncCatalog"]["streams"]
        if e["config"]["selected"]
    }
    assert modes == {
        "charges": ("incremental", "append"),
        "customers": ("incremental", "append_dedup"),
        "balance_transactions": ("full_refresh", "overwrite"),
    }


def test_errors_are_bare_error_ids_with_the_real_statuses(airbyte_sandbox, config_api):
    # Unknown job: an unmapped RuntimeException, so 500 (docs/airbyte/config-api.md, "Unknown ids").
    config_api.post("/jobs/get", {"id": 424242}, schema="ErrorId", status=500)
    config_api.post("/jobs/get_without_logs", {"id": "seven"}, schema="ErrorId", status=400)
    unknown = {"connectionId": "00000000-0000-4000-8000-000000000000"}
    config_api.post("/connections/get", unknown, schema="ErrorId", status=404)


def test_the_config_api_needs_the_public_api_token_and_hands_out_its_own(airbyte_sandbox):
    url = f"{airbyte_sandbox.root_url}/api/v1"
    body = {"connectionId": airbyte_sandbox.connection_id(STRIPE)}

    refused = requests.post(f"{url}/connections/get", json=body, timeout=10)
    token = requests.post(
        f"{url}/applications/token",
        json={
            "client_id": airbyte_sandbox.client_id,
            "client_secret": airbyte_sandbox.client_secret,
        },
        timeout=10,
    )

    assert refused.status_code == 401
    validate_config_body("AccessToken", token.json())
    accepted = requests.post(
        f"{url}/connections/get",
        json=body,
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=10,
    )
    assert accepted.status_code == 200


def test_faults_and_the_request_log_cover_the_config_api(airbyte_sandbox, config_api):
    airbyte_sandbox.faults.fail("/jobs/get*", 502)

    failed = config_api.session.post(
        f"{airbyte_sandbox.root_url}/api/v1/jobs/get", json={"id": 1}, timeout=10
    )

    assert failed.status_code == 502
    assert airbyte_sandbox.requests[-1].path == "/api/v1/jobs/get"
    assert airbyte_sandbox.requests[-1].status == 502
