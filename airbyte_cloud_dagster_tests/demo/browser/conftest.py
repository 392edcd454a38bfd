"""A real Chromium (Debian's, driven by Playwright) pointed at the demo's Dagster UI.

Playwright's own browser download cannot work on these machines, so the browser is the
system's ``/usr/bin/chromium`` (``.ci/run`` installs it), launched with the flags in
``CHROMIUM_ARGS`` below.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from airbyte_cloud_dagster.demo.launcher import descendants

from ..demo_process import (
    demo_command,
    free_port,
    start_logged,
    stop_demo,
    wait_until_serving,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class RunningDemo:
    ui_url: str
    sandbox_url: str
    state_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.state_dir / "warehouse.sqlite"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system Chromium: missing, it fails under CI (which installs it) and skips elsewhere."""
    if shutil.which(CHROMIUM) is None:
        message = f"the browser test needs Chromium at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def running_demo(tmp_path_factory) -> Iterator[RunningDemo]:
    """``python -m airbyte_cloud_dagster.demo`` as a user starts it, on free ports."""
    ui_port, sandbox_port = free_port(), free_port()
    state_dir = tmp_path_factory.mktemp("browser-demo")
    log_path = state_dir / "demo.log"
    command = demo_command(ui_port, sandbox_port, state_dir, "--job-duration", "2")
    process = start_logged(command, log_path)
    demo = RunningDemo(f"http://127.0.0.1:{ui_port}", f"http://127.0.0.1:{sandbox_port}", state_dir)
    tree: set[int] = set()
    try:
        wait_until_serving(f"{demo.ui_url}/server_info", process, log_path)
        tree = descendants(process.pid)
        yield demo
    finally:
        stop_demo(process, tree)


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
