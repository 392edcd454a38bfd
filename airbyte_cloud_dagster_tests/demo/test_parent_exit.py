"""`make demo` under a process manager: SIGTERM reaches make, which dies without passing it on.

The demo then notices its parent is gone and stops everything it started, as on SIGTERM.
`sh -c '...; exit'` stands in for make: a parent that keeps running the demo as its child.
"""

from __future__ import annotations

import signal
import sys
import time

import pytest
import requests

from airbyte_cloud_dagster.demo.launcher import descendants, process_table

from .demo_process import (
    STOP_WITHIN_SECONDS,
    demo_command,
    free_port,
    running,
    start_logged,
    stop_demo,
    wait_until_serving,
)

pytestmark = pytest.mark.slow  # the demo in a subprocess

PARENT = (
    "import signal, subprocess, sys; signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "subprocess.Popen(sys.argv[1:]).wait()"
)


def test_the_demo_stops_everything_when_its_parent_dies_without_passing_sigterm_on(tmp_path):
    ui_port, sandbox_port = free_port(), free_port()
    demo = demo_command(ui_port, sandbox_port, tmp_path / "demo", "--external-sync-every", "0")
    demo += ["--client-id", "team-demo", "--client-secret", "s3cret"]  # settable credentials
    log_path = tmp_path / "demo.log"
    # A parent that dies of SIGTERM without passing it on. Python, not sh: a test worker may
    # have started with SIGTERM ignored, which children inherit and sh cannot undo.
    parent = start_logged([sys.executable, "-c", PARENT, *demo], log_path)
    tree: set[int] = set()
    try:
        wait_until_serving(f"http://127.0.0.1:{ui_port}/server_info", parent, log_path)
        token = requests.post(
            f"http://127.0.0.1:{sandbox_port}/v1/applications/token",
            json={"client_id": "team-demo", "client_secret": "s3cret"},
            timeout=10,
        )
        assert token.status_code == 200
        assert "client id:      team-demo" in log_path.read_text()
        table = process_table()
        tree = descendants(parent.pid, table)
        started = {pid: table[pid][2] for pid in tree}

        parent.send_signal(signal.SIGTERM)  # the parent dies; the demo keeps running, orphaned
        parent.wait(timeout=10)
        deadline = time.monotonic() + STOP_WITHIN_SECONDS
        alive = tree
        while alive and time.monotonic() < deadline:
            table = process_table()
            alive = {p for p in running(tree) if table.get(p, (0, 0, ""))[2] == started[p]}
            time.sleep(0.2)

        assert not alive, f"still running: {alive}"
        assert "Stopping (parent process exited)" in log_path.read_text()
        try:
            requests.get(f"http://127.0.0.1:{sandbox_port}/v1/workspaces", timeout=2)
            raise AssertionError("the sandbox still answers")
        except requests.ConnectionError:
            pass
    finally:
        stop_demo(parent, tree)  # never leave strays behind
