"""The comparison benchmark runs end to end (a tiny workspace): it proves the harness, not speed.

No figure is asserted as a timing; the test checks that both sides loaded the same assets,
that the snapshot load made no request, and that each side started exactly one job per
connection.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the benchmark script in a subprocess

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "benchmarks" / "compare_dagster_airbyte.py"


def test_the_benchmark_compares_both_packages_on_one_sandbox(tmp_path):
    figures_path = tmp_path / "figures.json"
    command = [sys.executable, str(SCRIPT), "--connections", "12", "--streams", "3"]
    command += ["--sync-connections", "2", "--sync-seconds", "1", "--json", str(figures_path)]

    result = subprocess.run(command, capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ours / theirs" in result.stdout
    figures = json.loads(figures_path.read_text())
    assert (
        figures["ours_cold"]["extra"]["assets"] == figures["theirs_cold"]["extra"]["assets"] == 36
    )
    assert figures["ours_warm"]["requests"] == 0
    for side in ("ours_one_step", "ours_per_connection", "theirs"):
        assert figures[side]["extra"]["jobs"] == 2, (side, figures[side])
