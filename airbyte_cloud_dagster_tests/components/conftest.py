from __future__ import annotations

import pytest

from .project import DgProject


@pytest.fixture
def make_project(tmp_path, monkeypatch):
    """``make_project(attributes)``: a dg project in ``tmp_path``; removed from sys.path after."""
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
