"""Fixtures shared by every test folder; the helpers they use are in helpers.py."""

from __future__ import annotations

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource

from .helpers import sandbox_resource


@pytest.fixture
def airbyte(airbyte_sandbox) -> AirbyteCloudResource:
    """The resource a user would configure, pointed at the test's sandbox, polling quickly."""
    return sandbox_resource(airbyte_sandbox)


@pytest.fixture
def instance() -> dg.DagsterInstance:
    """A Dagster instance for the test's runs and sensor ticks: in memory, and a second faster
    to set up than ``instance_for_test()``."""
    return dg.DagsterInstance.ephemeral()


@pytest.fixture
def make_project(tmp_path, monkeypatch):
    """``make_project(attributes)``: a dg project in ``tmp_path``; removed from sys.path after."""
    # Imported here: only the tests that make a project pay for importing dg.
    from .components.project import DgProject

    # Loading outside `dg dev`: the state is only refreshed when a test says so.
    monkeypatch.delenv("DAGSTER_IS_DEV_CLI", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    projects: list[DgProject] = []

    def _make(attributes, **kwargs) -> DgProject:
        project = DgProject(tmp_path / f"project{len(projects)}", attributes, **kwargs)
        projects.append(project)
        return project

    yield _make
    for project in projects:
        project.close()
