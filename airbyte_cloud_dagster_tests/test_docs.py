"""The README and the docs pages say what the code does (read from the code, not copied).

The README is a short front door whose links resolve; the reference pages under ``docs/`` list
what the code has (every resource field with its default, every loader parameter), their
Python examples compile and use only exported names, and the site builds with every link and
anchor checked (``mkdocs build --strict``, as ``make docs`` runs it).
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from markdown.extensions.toc import slugify

import airbyte_cloud_dagster
from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    load_airbyte_asset_specs,
    load_airbyte_cloud_assets,
)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
# The pages of this repository's guides (docs/airbyte/ and CONTRACTS.md are notes, not guides).
GUIDES = sorted(path for path in DOCS.glob("*.md") if path.name != "CONTRACTS.md")
MAX_README_LINES = 160
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
EXPORTED_CALL = re.compile(r"\b((?:build|load)_airbyte_\w+|airbyte_assets|airbyte_sync_op)\b")


def _section(path: Path, title: str) -> str:
    text = path.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"{path.relative_to(ROOT)} has no section '## {title}'"
    return match.group(1)


def _table(text: str) -> dict[str, str]:
    """``| `name` | `default` | ...`` rows: name -> default as written."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| `([^`]*)` \|", text, re.M)}


def _python_blocks(*paths: Path) -> list[tuple[Path, str]]:
    return [
        (path, block)
        for path in paths
        for block in re.findall(r"^```python\n(.*?)^```", path.read_text(), re.S | re.M)
    ]


def _anchors(path: Path) -> set[str]:
    """The heading anchors of a Markdown file, as MkDocs (and, for these headings, GitHub)
    make them."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    headings = re.findall(r"^#{1,6} (.+)$", text, re.M)
    return {slugify(re.sub(r"[`*]", "", heading), "-") for heading in headings}


# --------------------------------------------------------------------------- the README


def test_the_readme_is_a_short_front_door_with_an_install_line():
    text = README.read_text()

    assert len(text.splitlines()) <= MAX_README_LINES, (
        f"README.md has {len(text.splitlines())} lines; keep it at most {MAX_README_LINES} and "
        "move the details to docs/"
    )
    assert "pip install airbyte-cloud-dagster" in text
    assert "pip install -e ." in text
    for title in ("Install", "Quickstart", "The demo", "Which entry point do I want?"):
        _section(README, title)
    for command in ("make demo", "make test", "make test-fast"):
        assert command in text


def test_every_relative_link_in_the_readme_points_at_an_existing_file_and_anchor():
    links = LINK.findall(README.read_text())
    relative = [link for link in links if not re.match(r"[a-z]+:", link)]

    assert any(link.startswith("docs/") for link in relative)
    for link in relative:
        path, _, anchor = link.partition("#")
        target = ROOT / path
        assert target.exists(), f"README.md links to {link}, which does not exist"
        if anchor:
            assert anchor in _anchors(target), f"README.md links to {link}: no such heading"


def test_the_readme_and_the_docs_home_show_the_same_quickstart():
    (readme,) = re.findall(r"```python\n(.*?)```", _section(README, "Quickstart"), re.S)
    (home,) = re.findall(r"```python\n(.*?)```", _section(DOCS / "index.md", "Quickstart"), re.S)

    assert readme == home


# --------------------------------------------------------------------------- reference pages


def test_the_configuration_reference_lists_every_resource_field_with_its_default():
    rows = _table(_section(DOCS / "configuration.md", "AirbyteCloudResource"))

    fields = AirbyteCloudResource.model_fields
    missing = [name for name in fields if name not in rows]
    assert not missing, f"fields missing from docs/configuration.md: {missing}"
    wrong = {
        name: (rows[name], repr(field.default))
        for name, field in fields.items()
        if rows[name] != repr(field.default)
    }
    assert not wrong, f"docs default != code default (docs, code): {wrong}"
    assert not set(rows) - set(fields), f"docs list unknown fields: {set(rows) - set(fields)}"


def test_the_configuration_reference_lists_every_loader_parameter_with_its_default():
    rows = _table(_section(DOCS / "configuration.md", "load_airbyte_cloud_assets"))
    parameters = {
        name: parameter
        for name, parameter in inspect.signature(load_airbyte_cloud_assets).parameters.items()
        if name != "airbyte"
    }

    assert set(rows) == set(parameters), set(rows) ^ set(parameters)
    wrong = {
        name: (rows[name], repr(p.default))
        for name, p in parameters.items()
        if rows[name] != repr(p.default)
    }
    assert not wrong, f"docs default != code default (docs, code): {wrong}"
    # "load_airbyte_asset_specs takes the same ones except resource_key, pool and execution"
    specs_parameters = set(inspect.signature(load_airbyte_asset_specs).parameters) - {"airbyte"}
    assert specs_parameters == set(parameters) - {"resource_key", "pool", "execution"}


def test_dagster_cloud_yaml_points_at_the_example_code_location():
    text = (ROOT / "dagster_cloud.yaml").read_text()

    (location,) = yaml.safe_load(text)["locations"]

    assert location["code_source"]["module_name"] == "airbyte_cloud_dagster.demo.definitions"
    # Dagster+'s own schema, where its CLI is installed (dagster-dg-cli brings it).
    models = pytest.importorskip("dagster_cloud_cli.config.models")
    assert (
        models.load_dagster_cloud_yaml(text).locations[0].location_name
        == (location["location_name"])
    )
    assert "dagster_cloud.yaml" in _section(DOCS / "deploying.md", "Dagster+")


def test_the_examples_are_python_that_uses_only_names_the_package_exports():
    blocks = _python_blocks(README, *GUIDES)

    assert len(blocks) >= 7
    for path, block in blocks:
        compile(block, str(path.relative_to(ROOT)), "exec")
    used = set(EXPORTED_CALL.findall("".join(block for _, block in blocks)))
    assert used <= set(airbyte_cloud_dagster.__all__), used - set(airbyte_cloud_dagster.__all__)


def test_the_examples_import_only_names_the_package_root_exports():
    imported: set[str] = set()
    for _, block in _python_blocks(README, *GUIDES):
        lists = re.findall(r"^from airbyte_cloud_dagster import \(([^)]*)\)", block, re.M)
        lists += re.findall(r"^from airbyte_cloud_dagster import ([^(\n]+)$", block, re.M)
        imported |= {name.strip() for names in lists for name in names.split(",") if name.strip()}

    assert {"AirbyteCloudResource", "load_airbyte_asset_specs", "AirbyteJobFailed"} <= imported
    assert imported <= set(airbyte_cloud_dagster.__all__), imported - set(
        airbyte_cloud_dagster.__all__
    )


def test_the_failure_types_the_docs_name_are_exported():
    table = _section(DOCS / "assets.md", "When a sync fails")
    named = set(re.findall(r"`(Airbyte\w+)`", table))

    assert {"AirbyteSyncFailed", "AirbyteSyncTimedOut", "AirbyteSyncLostTrack"} <= named
    assert named <= set(airbyte_cloud_dagster.__all__), named - set(airbyte_cloud_dagster.__all__)


# --------------------------------------------------------------------------- the demo page


def test_the_demo_page_lists_the_demo_workspace_connections_as_the_sandbox_serves_them():
    from airbyte_cloud_dagster.sandbox import demo_workspace

    rows = {
        cells[0]: cells[1]
        for line in _section(DOCS / "demo.md", "What it starts").splitlines()
        if line.startswith("| ")
        and len(cells := [c.strip() for c in line.strip("|").split("|")]) > 2
    }
    connections = demo_workspace().connections

    assert {c.name: c.status for c in connections} == {
        name: status for name, status in rows.items() if name != "connection"
    }
    active = [c for c in connections if c.status == "active"]
    text = (DOCS / "demo.md").read_text()
    assert f"**{_number(len(connections))} connections, {_number(len(active))} of" in text


def test_the_ports_and_credentials_the_docs_give_are_the_commands_defaults():
    from airbyte_cloud_dagster.demo import run as demo_run
    from airbyte_cloud_dagster.sandbox import __main__ as sandbox_cli

    table = _section(DOCS / "demo.md", "Options, ports and credentials")
    demo = demo_run.parse_args([])
    sandbox = sandbox_cli.parse_args([])
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("|")}

    assert f"http://127.0.0.1:{demo.sandbox_port}/v1" in rows["`make demo`"]
    assert f"`{demo.client_id}` / `{demo.client_secret}`" in rows["`make demo`"]
    assert f"http://127.0.0.1:{sandbox.port}/v1" in rows["`make sandbox`"]
    # One address and one set of credentials for every command that serves the demo workspace.
    assert (sandbox.port, sandbox.client_id, sandbox.client_secret) == (
        demo.sandbox_port,
        demo.client_id,
        demo.client_secret,
    )
    assert f"`{sandbox.client_id}` / `{sandbox.client_secret}`" in rows["`make sandbox`"]
    assert f"| `--ui-port` | {demo.ui_port} |" in table
    assert f"| `--sandbox-port` | {demo.sandbox_port} |" in table
    sandbox_page = (DOCS / "sandbox.md").read_text()
    assert f"| `--port` | {sandbox.port} (0 = any free port) |" in sandbox_page


def _number(n: int) -> str:
    return ["zero", "one", "two", "three", "four", "five", "six"][n]


# --------------------------------------------------------------------------- the site


def test_the_docs_site_builds_with_every_link_and_anchor_resolved(tmp_path):
    """What ``make docs`` runs: a missing page or anchor, or a page left out of the nav,
    fails the build (``strict`` and ``validation`` in mkdocs.yml)."""
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert build.returncode == 0, build.stdout + build.stderr
    assert "WARNING" not in build.stderr, build.stderr
    assert (tmp_path / "index.html").exists()
    assert (tmp_path / "demo-run.png").exists() and (tmp_path / "demo-asset.png").exists()
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    assert "CONTRACTS.md" in str(nav) and "airbyte/behaviour.md" in str(nav)
