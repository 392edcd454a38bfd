"""`make demo`'s command in a subprocess, for the tests that drive it (here and ``browser/``).

One way to start it (free ports, output to a log file, a session of its own), to wait for its
UI, and to stop it the way a process manager does, leaving no process behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import requests

from airbyte_cloud_dagster.demo.launcher import descendants

REPO_ROOT = Path(__file__).resolve().parents[2]
STOP_WITHIN_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_command(ui_port: int, sandbox_port: int, state_dir: Path, *options: str) -> list[str]:
    """``python -m airbyte_cloud_dagster.demo`` on these ports and state directory."""
    command = [sys.executable, "-m", "airbyte_cloud_dagster.demo"]
    command += ["--ui-port", str(ui_port), "--sandbox-port", str(sandbox_port)]
    return [*command, "--state-dir", str(state_dir), *options]


def start_logged(command: Sequence[str], log_path: Path) -> subprocess.Popen:
    """``command`` in a session of its own, its output in ``log_path``."""
    with log_path.open("w") as log:
        # A file, not a pipe: a pipe nobody reads would fill up and stall the demo.
        return subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until_serving(
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


def running(pids: set[int]) -> list[int]:
    """Those of ``pids`` that are still running (zombies waiting to be reaped are not)."""
    alive = []
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX":
            alive.append(pid)
    return alive


def stop_demo(process: subprocess.Popen, tree: set[int] | None = None) -> None:
    """SIGTERM, as a process manager sends it; then SIGKILL to whatever of ``tree`` is left."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_WITHIN_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in running((tree or set()) | descendants(process.pid)):  # never leave strays behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
