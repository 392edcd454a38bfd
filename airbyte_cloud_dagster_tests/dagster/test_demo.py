"""The README's demo, end to end: `dagster dev` over the sandbox, driven as the UI drives it.

Slower than the rest (a real webserver, run workers and step processes), so one demo serves
every test here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from .dagster_ui import DagsterUI

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Demo:
    ui: DagsterUI
    sandbox_root: str

    def sandbox_requests(self) -> list[dict]:
        return requests.get(f"{self.sandbox_root}/_sandbox/requests", timeout=10).json()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    ui_port, sandbox_port = _free_port(), _free_port()
    state_dir = tmp_path_factory.mktemp("demo")
    command = [sys.executable, "-m", "airbyte_cloud_dagster.demo", "--job-duration", "2"]
    command += ["--ui-port", str(ui_port), "--sandbox-port", str(sandbox_port)]
    command += ["--state-dir", str(state_dir)]
    log_path = state_dir / "demo.log"
    with log_path.open("w") as log:
        # A file, not a pipe: a pipe nobody reads would fill up and stall the demo.
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        ui = DagsterUI(f"http://127.0.0.1:{ui_port}")
        _wait_until_serving(f"{ui.url}/server_info", process, log_path)
        yield Demo(ui=ui, sandbox_root=f"http://127.0.0.1:{sandbox_port}")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_serving(
    url: str, process: subprocess.Popen, log_path: Path, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the demo exited early:\n{log_path.read_text()}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the demo did not serve {url} within {timeout} s")


def test_materializing_everything_syncs_each_connection_and_feeds_downstream(demo):
    run_id = demo.ui.launch("sync_all_airbyte_connections")

    run = demo.ui.wait_for_run(run_id)

    assert run["status"] == "SUCCESS", run
    assert run["stats"]["stepsSucceeded"] == 3
    assert run["stats"]["materializations"] == 10
    downstream = demo.ui.launch("__ASSET_JOB", asset_keys=[["stripe_revenue_by_currency"]])
    assert demo.ui.wait_for_run(downstream)["status"] == "SUCCESS"


def test_terminating_a_run_in_the_ui_cancels_its_airbyte_jobs(demo):
    run_id = demo.ui.launch("sync_all_airbyte_connections")
    posts_before = _job_posts(demo)
    deadline = time.monotonic() + 60
    while _job_posts(demo) == posts_before and time.monotonic() < deadline:
        time.sleep(0.2)

    demo.ui.terminate(run_id)

    assert demo.ui.wait_for_run(run_id)["status"] == "CANCELED"
    started = _job_posts(demo) - posts_before
    cancels = [r for r in demo.sandbox_requests() if r["method"] == "DELETE" and r["status"] == 200]
    assert started >= 1
    assert len(cancels) == started


def _job_posts(demo: Demo) -> int:
    return sum(
        1
        for r in demo.sandbox_requests()
        if r["method"] == "POST" and r["path"].endswith("/jobs") and r["status"] == 200
    )
