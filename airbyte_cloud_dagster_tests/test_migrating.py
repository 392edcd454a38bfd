"""Every block of docs/migrating.md is checked.

- Ours (```python): run in order, in one namespace, against the sandbox (real HTTP): the
  page's resource gets the sandbox's ``api_url`` and credentials, and its example connection id
  becomes the sandbox's Stripe connection. The definitions they build load, the op's job runs
  one sync, and the compatible keys are dagster-airbyte's one-part keys.
- Ours (```yaml): the component's YAML loads in a dg project over the sandbox.
- Theirs (```py, first line ``# dagster-airbyte`` or ``# Airflow``): parsed; every name a
  dagster-airbyte block imports is a public name of dagster-airbyte's latest release (read
  from its source, not imported), and the Airflow blocks import Airflow's own modules.
- The props table: every path in its right-hand column is an attribute of real props.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import dagster as dg
import pytest
import yaml

from airbyte_cloud_dagster import AirbyteConnectionTableProps, AirbyteLoadOptions, AirbyteTranslator
from airbyte_cloud_dagster.workspace.loading import load_workspace_data

from .dagster_airbyte_release import dagster_airbyte_release
from .helpers import STRIPE, sandbox_jobs, sandbox_resource

PAGE = Path(__file__).resolve().parents[1] / "docs" / "migrating.md"
EXAMPLE_ID = "9924bcd0-99be-453d-ba47-c2c9766f7da5"
BLOCK = re.compile(r"^```(python|py|yaml)\n(.*?)^```", re.S | re.M)


def _blocks(language: str, theirs: bool | None = None) -> list[str]:
    found = [body for lang, body in BLOCK.findall(PAGE.read_text()) if lang == language]
    if theirs is None:
        return found
    marked = ("# dagster-airbyte", "# Airflow")
    return [body for body in found if body.startswith(marked) == theirs]


def _ours(sandbox) -> str:
    """The page's Python, in order, pointed at ``sandbox``."""
    code = "\n".join(_blocks("python"))
    code = code.replace(EXAMPLE_ID, sandbox.connection_id(STRIPE))
    return code.replace(
        "AirbyteCloudResource(\n",
        f"AirbyteCloudResource(\n    api_url={sandbox.base_url!r}, poll_interval=0.05,\n",
    )


@pytest.fixture
def page_namespace(airbyte_sandbox, monkeypatch) -> dict:
    monkeypatch.setenv("AIRBYTE_CLIENT_ID", airbyte_sandbox.client_id)
    monkeypatch.setenv("AIRBYTE_CLIENT_SECRET", airbyte_sandbox.client_secret)
    monkeypatch.setenv("AIRBYTE_WORKSPACE_ID", airbyte_sandbox.workspace_id)
    namespace: dict = {"__name__": "migrating_page"}
    exec(compile(_ours(airbyte_sandbox), str(PAGE), "exec", dont_inherit=True), namespace)
    return namespace


def test_our_blocks_run_against_the_sandbox_and_their_definitions_load(page_namespace):
    definitions = [value for value in page_namespace.values() if isinstance(value, dg.Definitions)]

    assert definitions, "the page's Python builds no Definitions"
    for defs in definitions:
        dg.Definitions.validate_loadable(defs)
    # The last `defs` is the no-worker one: a sensor and a schedule.
    assert [s.name for s in page_namespace["defs"].sensors or []]
    assert [s.name for s in page_namespace["defs"].schedules or []]


def test_the_compatible_keys_are_dagster_airbytes_one_part_keys(page_namespace):
    keys = {key for a in page_namespace["assets"] for key in a.keys}
    decorated = set(page_namespace["stripe_tables"].keys)

    assert keys and all(len(key.path) == 1 for key in keys), keys
    assert decorated <= keys
    assert dg.AssetKey("stripe_charges") in decorated


def test_the_ops_job_runs_one_sync(page_namespace, airbyte_sandbox):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    config = {"ops": {"airbyte_sync_op": {"config": {"connection_id": stripe_id}}}}

    result = page_namespace["sync_stripe_job"].execute_in_process(run_config=config)

    assert result.success
    assert [job["status"] for job in sandbox_jobs(airbyte_sandbox, stripe_id)] == ["succeeded"]


def test_our_component_yaml_loads_over_the_sandbox(make_project, airbyte_sandbox, monkeypatch):
    (block,) = _blocks("yaml", theirs=False)
    document = yaml.safe_load(block)
    monkeypatch.setenv("AIRBYTE_CLIENT_ID", airbyte_sandbox.client_id)
    monkeypatch.setenv("AIRBYTE_CLIENT_SECRET", airbyte_sandbox.client_secret)
    monkeypatch.setenv("AIRBYTE_WORKSPACE_ID", airbyte_sandbox.workspace_id)
    document["attributes"]["workspace"]["api_url"] = airbyte_sandbox.base_url

    project = make_project(document["attributes"])
    project.refresh_state()
    keys = {key.to_user_string() for key in project.load().resolve_all_asset_keys()}

    assert document["type"] == "airbyte_cloud_dagster.components.AirbyteWorkspaceComponent"
    assert "stripe_charges" in keys and all("/" not in key for key in keys), keys


def test_their_blocks_parse_and_import_only_what_their_packages_offer(dagster_airbyte_names):
    theirs = _blocks("py", theirs=True)

    assert sum(block.startswith("# dagster-airbyte") for block in theirs) >= 5
    assert sum(block.startswith("# Airflow") for block in theirs) == 2
    for block in theirs:
        tree = ast.parse(block)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "dagster_airbyte":
                names = {alias.name for alias in node.names}
                assert names <= dagster_airbyte_names, names - dagster_airbyte_names
            elif isinstance(node, ast.ImportFrom) and block.startswith("# Airflow"):
                assert node.module.split(".")[0] in {"airflow", "json"}, node.module
    (their_yaml,) = _blocks("yaml", theirs=True)
    assert yaml.safe_load(their_yaml)["type"].split(".")[-1] in dagster_airbyte_names


@pytest.fixture(scope="module")
def dagster_airbyte_names(request, tmp_path_factory) -> set[str]:
    """The names dagster-airbyte's ``__init__`` exports, read from its latest release's source."""
    package_dir, _ = dagster_airbyte_release(request, tmp_path_factory)
    init = (package_dir / "dagster_airbyte" / "__init__.py").read_text()
    return {
        alias.asname or alias.name
        for node in ast.walk(ast.parse(init))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_every_props_path_in_the_table_exists_on_real_props(airbyte_sandbox):
    section = PAGE.read_text().split("### The translator", 1)[1].split("### The component")[0]
    paths = set()
    for row in re.findall(r"^\| `[^|]*\| (.*) \|$", section, re.M):
        paths |= set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+|stream_properties)`", row))
    data = load_workspace_data(sandbox_resource(airbyte_sandbox), AirbyteLoadOptions())
    connection = next(c for c in data.connections if c.name == STRIPE)
    props: AirbyteConnectionTableProps = next(iter(data.stream_props(connection)))

    assert len(paths) >= 9, paths
    for path in paths:
        value = props
        for part in path.split("."):
            assert hasattr(value, part), f"props.{path}: no {part!r} on {type(value).__name__}"
            value = getattr(value, part)
    assert isinstance(AirbyteTranslator().get_asset_spec(props), dg.AssetSpec)
