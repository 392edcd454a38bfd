"""``python -m airbyte_cloud_dagster.sandbox`` starts a server and prints how to reach it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow  # python -m airbyte_cloud_dagster.sandbox in a subprocess


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_cli_prints_urls_and_credentials_and_serves(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "airbyte_cloud_dagster.sandbox",
            "--port", str(port), "--warehouse", str(tmp_path / "w.sqlite"),
            "--client-id", "demo-id", "--client-secret", "demo-secret",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while not any("Ctrl-C" in line for line in lines) and time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/v1" in output
        assert f"http://127.0.0.1:{port}/api/public/v1" in output
        assert "demo-id" in output and "demo-secret" in output
        token = requests.post(
            f"http://127.0.0.1:{port}/v1/applications/token",
            json={"client_id": "demo-id", "client_secret": "demo-secret"},
            timeout=5,
        )
        assert token.status_code == 200
    finally:
        process.kill()
        process.wait(timeout=10)
