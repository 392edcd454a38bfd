"""A throwaway ``dg`` project holding one ``defs.yaml``, loaded and refreshed as ``dg`` does.

Each project gets its own package name so that tests in one process never see each other's
modules. Loading goes through ``dagster.load_from_defs_folder`` (what a project's
``definitions.py`` calls); refreshing through the ``dg utils refresh-defs-state`` command.
"""

from __future__ import annotations

import os
import sys
import textwrap
import uuid
from pathlib import Path

import dagster as dg
import yaml
from click.testing import CliRunner
from dagster_dg_cli.cli import cli as dg_cli

from ..helpers import sandbox_settings

COMPONENT = "airbyte_cloud_dagster.components.AirbyteWorkspaceComponent"
DEV_CLI = "DAGSTER_IS_DEV_CLI"


class DgProject:
    """``root/pyproject.toml`` with ``[tool.dg]``, and ``root/<package>/defs/airbyte/defs.yaml``."""

    def __init__(self, root: Path, attributes: dict | str, *, component_type: str = COMPONENT):
        self.root = root
        self.package = f"airbyte_test_project_{uuid.uuid4().hex[:10]}"
        self.defs_dir = root / self.package / "defs"
        (self.defs_dir / "airbyte").mkdir(parents=True)
        (root / self.package / "__init__.py").write_text("")
        (self.defs_dir / "__init__.py").write_text("")
        (root / "pyproject.toml").write_text(
            textwrap.dedent(
                f"""\
                [project]
                name = "{self.package}"
                version = "0.0.0"

                [tool.dg]
                directory_type = "project"

                [tool.dg.project]
                root_module = "{self.package}"
                """
            )
        )
        self.write(attributes, component_type=component_type)
        sys.path.insert(0, str(root))

    @property
    def defs_yaml(self) -> Path:
        return self.defs_dir / "airbyte" / "defs.yaml"

    def write(self, attributes: dict | str, *, component_type: str = COMPONENT) -> None:
        if isinstance(attributes, str):
            body = attributes
        else:
            body = yaml.safe_dump(
                {"type": component_type, "attributes": attributes},
                allow_unicode=True,
                sort_keys=False,
            )
        self.defs_yaml.write_text(body, encoding="utf-8")

    def load(self) -> dg.Definitions:
        """The project's definitions, as its ``definitions.py`` would load them."""
        return dg.load_from_defs_folder(path_within_project=self.root)

    def refresh_state(self) -> str:
        """``dg utils refresh-defs-state`` in this project; returns its output."""
        # dg marks its process as a dev CLI (DAGSTER_IS_DEV_CLI); keep that out of later loads.
        before = os.environ.get(DEV_CLI)
        try:
            result = CliRunner().invoke(
                dg_cli,
                ["utils", "refresh-defs-state", "--target-path", str(self.root)],
                catch_exceptions=True,
            )
        finally:
            if before is None:
                os.environ.pop(DEV_CLI, None)
            else:
                os.environ[DEV_CLI] = before
        if result.exit_code != 0:
            raise AssertionError(f"refresh failed:\n{result.output}") from result.exception
        return result.output

    def close(self) -> None:
        sys.path.remove(str(self.root))
        for name in [m for m in sys.modules if m.split(".")[0] == self.package]:
            del sys.modules[name]


def sandbox_workspace(sandbox, **settings) -> dict:
    """The ``workspace:`` block a user would write for the sandbox, polling quickly."""
    return sandbox_settings(sandbox, **settings)


def error_chain(error: BaseException) -> str:
    """Every message in an exception's chain, as a user reads them in the traceback."""
    messages = []
    while error is not None:
        messages.append(str(error))
        error = error.__cause__ or error.__context__
    return "\n".join(messages)
