"""The README's demo, end to end: `make demo`'s command in a subprocess, driven as the UI drives it.

Slower than the rest (a real webserver, run workers and step processes), so one demo serves
every test here; the last test stops it with SIGTERM, as a process manager would.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from airbyte_cloud_dagster.demo.launcher import descendants, process_table

from .dagster_ui import DagsterUI
from .demo_process import (
    STOP_WITHIN_SECONDS,
    demo_command,
    free_port,
    running,
    start_logged,
    stop_demo,
    wait_until_serving,
)

pytestmark = pytest.mark.slow  # the demo (a Dagster webserver and daemon) in a subprocess

TERMINAL_JOB_STATUSES = {"succeeded", "failed", "cancelled"}
POOL_LIMIT = 2  # demo.instance_settings: syncs that run at once


@dataclass
class Demo:
    ui: DagsterUI
    sandbox_root: str
    process: subprocess.Popen
    log_path: Path
    warehouse: Path
    started_in: float

    def output(self) -> str:
        return self.log_path.read_text()

    def sandbox_requests(self) -> list[dict]:
        return requests.get(f"{self.sandbox_root}/_sandbox/requests", timeout=10).json()

    def airbyte_jobs(self) -> list[dict]:
        """Every job of the sandbox, read with the credentials the demo prints."""
        token = requests.post(
            f"{self.sandbox_root}/v1/applications/token",
            json={"client_id": "demo-client-id", "client_secret": "demo-client-secret"},
            timeout=10,
        ).json()["access_token"]
        response = requests.get(
            f"{self.sandbox_root}/v1/jobs",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        return response.json()["data"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    ui_port, sandbox_port = free_port(), free_port()
    state_dir = tmp_path_factory.mktemp("demo")
    options = ["--job-duration", "2", "--external-sync-every", "0"]
    log_path = state_dir / "demo.log"
    started = time.monotonic()
    process = start_logged(demo_command(ui_port, sandbox_port, state_dir, *options), log_path)
    tree: set[int] = set()
    try:
        ui = DagsterUI(f"http://127.0.0.1:{ui_port}")
        wait_until_serving(f"{ui.url}/server_info", process, log_path)
        tree = descendants(process.pid)
        yield Demo(
            ui=ui,
            sandbox_root=f"http://127.0.0.1:{sandbox_port}",
            process=process,
            log_path=log_path,
            warehouse=state_dir / "warehouse.sqlite",
            started_in=time.monotonic() - started,
        )
    finally:
        stop_demo(process, tree)


def test_the_demo_prints_the_api_url_credentials_warehouse_and_ui_url(demo):
    ready = rf"Dagster UI ready: {re.escape(demo.ui.url)} \(\d+\.\d s\)"
    deadline = time.monotonic() + 10  # the demo's own check of the UI may lag the fixture's
    while not re.search(ready, demo.output()) and time.monotonic() < deadline:
        time.sleep(0.2)
    output = demo.output()

    assert f"API URL:        {demo.sandbox_root}/v1" in output
    assert "client id:      demo-client-id" in output
    assert "client secret:  demo-client-secret" in output
    assert f"warehouse:      {demo.warehouse}" in output
    assert re.search(ready, output), output
    token = requests.post(
        f"{demo.sandbox_root}/v1/applications/token",
        json={"client_id": "demo-client-id", "client_secret": "demo-client-secret"},
        timeout=10,
    )
    assert token.status_code == 200, token.text


@pytest.fixture(scope="module")
def synced(demo) -> tuple[str, dict]:
    """One run of every sync in the demo, shared by the tests that look at its results."""
    run_id = demo.ui.launch("sync_all_airbyte_connections")
    return run_id, demo.ui.wait_for_run(run_id)


def test_materializing_everything_syncs_each_connection_and_feeds_downstream(demo, synced):
    run_id, run = synced

    assert run["status"] == "SUCCESS", run
    assert run["stats"]["materializations"] == 10
    checks = demo.ui.check_results(run_id)
    assert checks.get("rows_landed") is True, checks
    downstream = demo.ui.launch(
        "__ASSET_JOB", asset_keys=[["stripe_revenue_by_currency"], ["stripe_revenue_by_month"]]
    )
    assert demo.ui.wait_for_run(downstream)["status"] == "SUCCESS"


def test_the_terminal_is_not_flooded_with_debug_lines(demo, synced):
    output = demo.output()

    assert "Airbyte job" in output  # a sync's status changes are shown...
    assert "Airbyte API request" not in output  # ...not every request behind them
    assert " - DEBUG - " not in output
    assert "Checking for new runs for sensor" not in output  # the daemon's every-30-s chatter
    assert "superseded" not in output


def test_the_connection_link_of_an_airbyte_table_opens_its_page(demo):
    url = demo.ui.metadata_url(["raw", "stripe_charges"], "airbyte/connection_url")

    page = requests.get(url, timeout=10)

    assert url.startswith(f"{demo.sandbox_root}/workspaces/"), url
    assert page.status_code == 200
    assert "Stripe → Warehouse" in page.text
    assert "raw.stripe_charges" in page.text


def test_terminating_a_run_in_the_ui_cancels_its_airbyte_jobs(demo):
    seen = len(demo.sandbox_requests())
    run_id = demo.ui.launch("sync_all_airbyte_connections")
    # Terminate while the steps follow their jobs: both syncs the demo's pool lets run at once
    # have started and been polled. (A termination landing between a job's start and its first
    # poll can leave that job running: sync.run_sync logs "Following..." outside follow_job's
    # try; reported, not covered here.)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        requests_since = demo.sandbox_requests()[seen:]
        started = sum(_is_job_post(r) for r in requests_since)
        polled = {r["path"] for r in requests_since if _is_job_get(r)}
        if started >= POOL_LIMIT and len(polled) >= started:
            break
        time.sleep(0.1)

    demo.ui.terminate(run_id)

    assert demo.ui.wait_for_run(run_id)["status"] == "CANCELED"
    jobs = demo.airbyte_jobs()
    cancels = [r for r in demo.sandbox_requests() if r["method"] == "DELETE" and r["status"] == 200]
    assert started >= 1
    assert cancels, "no Airbyte job was cancelled"
    # A sync that ended just before the termination needs no cancel; none may still run.
    assert [job for job in jobs if job["status"] not in TERMINAL_JOB_STATUSES] == []
    assert sum(job["status"] == "cancelled" for job in jobs) == len(cancels)


def test_sigterm_stops_the_demo_and_every_process_it_started(demo):
    """Last in this module: it stops the shared demo."""
    table = process_table()
    tree = descendants(demo.process.pid, table)
    assert any("dagster" in Path(f"/proc/{pid}/cmdline").read_text() for pid in tree)
    started = {pid: table[pid][2] for pid in tree}

    sent = time.monotonic()
    demo.process.send_signal(signal.SIGTERM)
    demo.process.wait(timeout=STOP_WITHIN_SECONDS)
    survivors = [pid for pid in tree if started[pid] == process_table().get(pid, (0, 0, ""))[2]]
    while running(set(survivors)) and time.monotonic() - sent < STOP_WITHIN_SECONDS:
        time.sleep(0.1)
    stopped_in = time.monotonic() - sent

    assert running(set(survivors)) == []
    assert "Demo stopped." in demo.output()
    print(f"SIGTERM stopped the demo and its {len(tree)} processes in {stopped_in:.1f} s")


def _is_job_post(record: dict) -> bool:
    return record["method"] == "POST" and record["path"] == "/v1/jobs" and record["status"] == 200


def _is_job_get(record: dict) -> bool:
    return record["method"] == "GET" and re.fullmatch(r"/v1/jobs/\d+", record["path"]) is not None
