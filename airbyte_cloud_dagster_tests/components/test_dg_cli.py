"""The ``dg`` command line on the component: list, scaffold, refresh the state, check the defs.

Each test runs ``dg`` as a user does (a subprocess in the project's folder, this environment's
``dg``), against the sandbox served from this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..helpers import STRIPE, sandbox_environment
from .project import COMPONENT

pytestmark = pytest.mark.slow  # the dg and dagster CLIs in subprocesses

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airbyte_dg_project"
DG = str(Path(sys.executable).with_name("dg"))


def run_dg(project: Path, *arguments: str, env: dict[str, str] | None = None) -> str:
    return run(DG, *arguments, project=project, env=env)


def run(executable, *arguments: str, project: Path, env: dict[str, str] | None = None) -> str:
    """Run a command in ``project`` as a user would from its folder; fail with its output."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(project),
        "VIRTUAL_ENV": sys.prefix,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **(env or {}),
    }
    environment.pop("DAGSTER_IS_DEV_CLI", None)
    result = subprocess.run(
        [str(executable), *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"dg {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def test_the_example_project_refreshes_its_state_and_passes_dg_check_defs(
    airbyte_sandbox, tmp_path
):
    project = tmp_path / "airbyte_dg_project"
    shutil.copytree(
        EXAMPLE, project, ignore=shutil.ignore_patterns(".local_defs_state", "*.egg-info")
    )
    env = {**sandbox_environment(airbyte_sandbox), "DAGSTER_HOME": str(tmp_path)}

    run_dg(project, "utils", "refresh-defs-state", env=env)
    states = list(project.rglob(".local_defs_state/*/state"))
    before_check = len(airbyte_sandbox.requests)
    output = run_dg(project, "check", "defs", env=env)
    after_check = len(airbyte_sandbox.requests)
    # A run as a user starts one: the CLI process and the step process each load the location.
    run(
        Path(sys.executable).with_name("dagster"),
        "asset",
        "materialize",
        "-m",
        "airbyte_dg_project.definitions",
        "--select",
        ",".join(
            f"raw/stripe_{table}" for table in ("charges", "customers", "balance_transactions")
        ),
        project=project,
        env=env,
    )
    run_paths = {request.path for request in airbyte_sandbox.requests[after_check:]}

    assert len(states) == 1
    assert json.loads(states[0].read_text())["version"] == 2
    assert "All definitions loaded successfully" in output
    assert after_check == before_check  # loaded from the state
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1
    # Only the sync's own requests: no connection, destination or stream was read again.
    assert not {
        p for p in run_paths if p.split("/")[2] in ("connections", "destinations", "streams")
    }


def test_dg_lists_the_component_and_scaffolds_a_defs_yaml(tmp_path):
    shutil.copytree(
        EXAMPLE,
        tmp_path / "project",
        ignore=shutil.ignore_patterns(".local_defs_state", "*.egg-info", "airbyte"),
    )
    project = tmp_path / "project"

    listed = json.loads(run_dg(project, "list", "components", "--json"))
    run_dg(
        project,
        "scaffold",
        "defs",
        COMPONENT,
        "airbyte_eu",
        "--workspace-id",
        "7c1f4a8e-0000-4000-8000-000000000000",
        "--connection-name-pattern",
        "* → Warehouse",
        "--execution",
        "one_step",
        "--wait-mode",
        "sensor",
        "--mirror-schedules",
        "true",
    )
    written = project / "airbyte_dg_project" / "defs" / "airbyte_eu" / "defs.yaml"
    run_dg(project, "check", "yaml")

    assert COMPONENT in {item["key"] for item in listed["items"]}
    text = written.read_text(encoding="utf-8")
    assert "dg utils refresh-defs-state" in text and "* → Warehouse" in text
    assert yaml.safe_load(text) == {
        "type": COMPONENT,
        "attributes": {
            "workspace": {
                "workspace_id": "7c1f4a8e-0000-4000-8000-000000000000",
                "client_id": "{{ env.AIRBYTE_CLIENT_ID }}",
                "client_secret": "{{ env.AIRBYTE_CLIENT_SECRET }}",
                "wait_mode": "sensor",
            },
            "connection_selector": {"by_name_pattern": ["* → Warehouse"]},
            "execution": "one_step",
            "schedules": {"mirror_airbyte": True},
        },
    }
