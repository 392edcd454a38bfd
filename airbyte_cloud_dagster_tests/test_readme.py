"""The README's reference sections say what the code does (read from the code, not copied)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import airbyte_cloud_dagster
from airbyte_cloud_dagster import AirbyteCloudResource

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def test_the_configuration_reference_lists_every_resource_field_with_its_default():
    rows = {
        match.group(1): match.group(2)
        for match in re.finditer(
            r"^\| `(\w+)` \| `([^`]*)` \|", _section("Configuration reference"), re.M
        )
    }

    fields = AirbyteCloudResource.model_fields
    missing = [name for name in fields if name not in rows]
    assert not missing, f"fields missing from the README's configuration reference: {missing}"
    wrong = {
        name: (rows[name], repr(field.default))
        for name, field in fields.items()
        if rows[name] != repr(field.default)
    }
    assert not wrong, f"README default != code default (README, code): {wrong}"
    assert not set(rows) - set(fields), f"README lists unknown fields: {set(rows) - set(fields)}"


def test_dagster_cloud_yaml_points_at_the_example_code_location():
    text = (README.parent / "dagster_cloud.yaml").read_text()

    (location,) = yaml.safe_load(text)["locations"]

    assert location["code_source"]["module_name"] == "airbyte_cloud_dagster.definitions"
    # Dagster+'s own schema, where its CLI is installed (dagster-dg-cli brings it).
    models = pytest.importorskip("dagster_cloud_cli.config.models")
    assert (
        models.load_dagster_cloud_yaml(text).locations[0].location_name
        == (location["location_name"])
    )
    assert "dagster_cloud.yaml" in _section("Deploying to Dagster+")


def test_the_examples_are_python_that_uses_only_names_the_package_exports():
    blocks = re.findall(r"```python\n(.*?)```", _section("Examples"), re.S)

    assert len(blocks) >= 7
    for block in blocks:
        compile(block, "README.md (Examples)", "exec")
    used = set(
        re.findall(
            r"\b((?:build|load)_airbyte_\w+|airbyte_assets|airbyte_sync_op)\b", "".join(blocks)
        )
    )
    assert used <= set(airbyte_cloud_dagster.__all__), used - set(airbyte_cloud_dagster.__all__)
