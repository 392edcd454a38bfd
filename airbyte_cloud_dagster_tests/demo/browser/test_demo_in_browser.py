"""The demo as a person uses it: a real Chromium on the Dagster UI that ``make demo`` serves.

The journey: open the lineage page, press the UI's own "Materialize all", wait for the run to
succeed on its run page, then read an Airbyte table's materialization on its asset page and
check it names the Airbyte job and the rows that landed in the warehouse; then the Automation
page, which lists the schedules and the sensor. Screenshots are saved in pytest's temporary
directory; ``UPDATE_DOCS_SCREENSHOTS=1`` also copies two of them into ``docs/``.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ..demo_process import REPO_ROOT

pytestmark = pytest.mark.slow  # the demo in a subprocess, driven by a browser

RUN_TIMEOUT_S = 120
STRIPE_CHARGES = ("raw", "stripe_charges")
# Airbyte's own schedules of the demo's connections (cron and basic), mirrored, and the sensor
# that records syncs run outside Dagster.
AUTOMATIONS = (
    "airbyte_sync_app_postgres_warehouse_schedule",
    "airbyte_sync_stripe_warehouse_schedule",
    "airbyte_sync_sensor",
)
DOCS_SCREENSHOTS = {"run.png": "demo-run.png", "asset-events.png": "demo-asset.png"}


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _dismiss_welcome_dialog(page) -> None:
    """On a first visit the UI opens "Join the Dagster community"; later visits do not."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(state="visible", timeout=5000)
    except PlaywrightTimeout:  # no dialog this time
        return
    skip.click()


def _wait_for_run_status(page, run_url: str) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    status_pattern = re.compile(r"\n(Success|Failure|Canceled)\n")
    while time.monotonic() < deadline:
        match = status_pattern.search(page.inner_text("body"))
        if match:
            return match.group(1)
        page.wait_for_timeout(1000)
    pytest.fail(f"the run at {run_url} did not finish within {RUN_TIMEOUT_S} s")


def _last_landing(warehouse: Path, namespace: str, table: str) -> tuple[int, int]:
    """The last job that wrote the table, and how many rows it landed there."""
    with sqlite3.connect(warehouse) as db:
        return db.execute(
            "SELECT job_id, rows FROM _airbyte_syncs WHERE namespace = ? AND table_name = ? "
            "ORDER BY job_id DESC LIMIT 1",
            (namespace, table),
        ).fetchone()


def test_materialize_all_from_the_lineage_page(running_demo, page, screenshots):
    page.goto(f"{running_demo.ui_url}/asset-groups")
    _dismiss_welcome_dialog(page)
    page.get_by_role("button", name="Materialize all").wait_for()
    page.screenshot(path=screenshots / "lineage.png")

    page.get_by_role("button", name="Materialize all").click()
    toast = page.get_by_text(re.compile(r"Launched run [0-9a-f]{8}"))
    toast.wait_for(timeout=30_000)
    short_run_id = toast.inner_text().split()[-1]
    run_url = f"{running_demo.ui_url}/runs/{short_run_id}"
    page.get_by_role("link", name="View").first.click()
    page.wait_for_url(re.compile(rf"/runs/{short_run_id}"))

    assert _wait_for_run_status(page, run_url) == "Success"
    page.screenshot(path=screenshots / "run.png")

    namespace, table = STRIPE_CHARGES
    job_id, rows = _last_landing(running_demo.warehouse, namespace, table)
    page.goto(f"{running_demo.ui_url}/assets/{namespace}/{table}?view=events")
    page.get_by_text(f"Materialized in run {short_run_id}").wait_for(timeout=30_000)
    events = page.inner_text("body")
    assert re.search(rf"airbyte/job_id\s+{job_id}\b", events), events
    assert re.search(rf"airbyte/stream_rows_synced\s+{rows}\b", events), events
    page.screenshot(path=screenshots / "asset-events.png")
    page.goto(f"{running_demo.ui_url}/assets/{namespace}/{table}")
    page.get_by_text("Latest materialization").wait_for()
    page.screenshot(path=screenshots / "asset.png")

    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        for name, docs_name in DOCS_SCREENSHOTS.items():
            shutil.copyfile(screenshots / name, REPO_ROOT / "docs" / docs_name)


def test_the_automation_page_lists_the_mirrored_schedules_and_the_sync_sensor(
    running_demo, page, screenshots
):
    page.goto(f"{running_demo.ui_url}/automation")
    _dismiss_welcome_dialog(page)

    for name in AUTOMATIONS:
        page.get_by_text(name, exact=True).first.wait_for(timeout=30_000)
    page.screenshot(path=screenshots / "automation.png")
