"""`make materialize` and the example code location with nothing set, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from airbyte_cloud_dagster.demo.settings import MISSING_SETTINGS

pytestmark = pytest.mark.slow  # make materialize and the dagster CLI in subprocesses

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_make_materialize_syncs_every_connection_once_and_prints_a_summary(tmp_path):
    state_dir = tmp_path / "materialize"
    command = [sys.executable, "-m", "airbyte_cloud_dagster.demo.materialize"]
    command += ["--state-dir", str(state_dir), "--job-duration", "0.3"]

    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False
    )

    output = done.stdout
    assert done.returncode == 0, output + done.stderr
    assert "asset" in output and "Airbyte job" in output and "status" in output
    assets, _, checks = output.partition("Asset checks:")
    table = {line.split()[0]: line.split()[1:] for line in assets.splitlines() if "  " in line}
    for key in ("raw/stripe_charges", "app_public/orders", "raw/daily_events"):
        job_id, status, rows = table[key][:3]
        assert int(job_id) >= 1 and status == "succeeded" and int(rows) > 0, (key, table[key])
    assert table["stripe_revenue_by_currency"][:2] == ["-", "materialized"]
    assert "raw/stripe_charges rows_landed: passed" in checks
    assert f"Warehouse (SQLite): {state_dir / 'warehouse.sqlite'}" in output
    assert (state_dir / "warehouse.sqlite").exists()


def test_the_example_code_location_with_nothing_set_says_what_to_set(tmp_path):
    clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    command = [str(BIN / "dagster"), "definitions", "validate", "-w", "workspace.yaml"]

    done = subprocess.run(
        command, cwd=REPO_ROOT, env=clean_env, capture_output=True, text=True, timeout=120
    )

    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert MISSING_SETTINGS in output
