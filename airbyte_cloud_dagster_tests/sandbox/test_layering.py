"""The sandbox stands alone: importing it pulls in neither Dagster nor the client."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a fresh Python in a subprocess


def test_importing_the_sandbox_imports_neither_dagster_nor_the_client() -> None:
    code = (
        "import sys, airbyte_cloud_dagster.sandbox\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'dagster'"
        " or m.startswith('airbyte_cloud_dagster.api')]\n"
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
