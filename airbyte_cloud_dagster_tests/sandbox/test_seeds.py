"""The demo workspace, the benchmark generator and workspace files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import yaml

from airbyte_cloud_dagster.sandbox import (
    Sandbox,
    demo_workspace,
    generate_workspace,
    load_workspace,
    workspace_to_dict,
)

from .conftest import APP_POSTGRES, HUBSPOT, S3_FILES, STRIPE

YAML_SEED = """
name: Tiny Workspace
destinations:
  - name: Lake
    type: bigquery
    configuration: {project_id: acme, dataset_id: landing, credentials_json: "**********"}
sources:
  - name: Shop
    type: postgres
    configuration: {host: shop-db}
    streams:
      - name: orders
        namespace: public
        fields: [id, total, [customer, email], updated_at]
        primary_key: [[id]]
        cursor_field: [updated_at]
        sync_modes: [full_refresh_overwrite, incremental_append]
connections:
  - name: Shop → Lake
    source: Shop
    destination: Lake
    schedule: {type: cron, cron_expression: "0 0 * * * ? UTC"}
    namespace_definition: source
    streams:
      - {name: orders, namespace: public, sync_mode: incremental_append}
"""


def test_the_demo_workspace_has_the_four_documented_connections() -> None:
    seed = demo_workspace()
    assert seed.name == "Demo Workspace"
    assert [c.name for c in seed.connections] == [APP_POSTGRES, STRIPE, S3_FILES, HUBSPOT]
    assert seed.connection_by_name(HUBSPOT).status == "inactive"
    app = seed.connection_by_name(APP_POSTGRES)
    assert app.schedule.cron_expression == "0 0 12 * * ? UTC"
    assert app.namespace_format == "app_${SOURCE_NAMESPACE}"
    assert [(s.namespace, s.name) for s in app.streams] == [
        ("public", "customers"),
        ("billing", "customers"),
        ("public", "orders"),
        ("billing", "invoice line items"),
    ]
    assert [s.name for s in seed.connection_by_name(S3_FILES).streams] == [
        "orders/2024-items",
        "1st.try",
        "daily events",
    ]


def test_the_demo_workspace_mixes_sync_modes() -> None:
    modes = {s.sync_mode for c in demo_workspace().connections for s in c.streams}
    assert modes == {"incremental_deduped_history", "incremental_append", "full_refresh_overwrite"}


def test_demo_ids_are_the_same_every_time() -> None:
    assert workspace_to_dict(demo_workspace()) == workspace_to_dict(demo_workspace())


def test_the_demo_destination_masks_its_password() -> None:
    (destination,) = demo_workspace().destinations
    assert destination.configuration["password"] == "**********"
    assert destination.configuration["database"] == "analytics"
    assert destination.default_schema == "raw"


def test_a_benchmark_workspace_of_20000_streams_builds() -> None:
    # How fast is the benchmarks' business (benchmarks/README.md), not a timed assertion here:
    # one such assertion failed beside a CPU hog.
    seed = generate_workspace(1000, 20)
    assert len(seed.connections) == 1000
    assert all(len(c.streams) == 20 for c in seed.connections)


def test_a_generated_workspace_is_deterministic_per_seed() -> None:
    assert workspace_to_dict(generate_workspace(5, 3)) == workspace_to_dict(
        generate_workspace(5, 3)
    )
    first = workspace_to_dict(generate_workspace(5, 3, seed=1))
    assert first != workspace_to_dict(generate_workspace(5, 3))


def test_a_yaml_workspace_file_is_served(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(YAML_SEED, encoding="utf-8")
    with Sandbox(load_workspace(path), auth=False, warehouse_path=tmp_path / "w.sqlite") as sandbox:
        (connection,) = requests.get(f"{sandbox.base_url}/connections").json()["data"]
        assert connection["name"] == "Shop → Lake"
        assert connection["schedule"]["cronExpression"] == "0 0 * * * ? UTC"
        source_id = connection["sourceId"]
        (stream,) = requests.get(f"{sandbox.base_url}/streams?sourceId={source_id}").json()
        assert stream["propertyFields"] == [
            ["id"],
            ["total"],
            ["customer", "email"],
            ["updated_at"],
        ]


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_the_demo_workspace_round_trips_through_a_file(tmp_path: Path, suffix: str) -> None:
    document = workspace_to_dict(demo_workspace())
    path = tmp_path / f"demo{suffix}"
    text = (
        json.dumps(document) if suffix == ".json" else yaml.safe_dump(document, allow_unicode=True)
    )
    path.write_text(text, encoding="utf-8")
    assert load_workspace(path) == demo_workspace()


def test_a_connection_with_a_stream_its_source_lacks_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        YAML_SEED.replace("{name: orders, namespace: public", "{name: refunds"), "utf-8"
    )
    with pytest.raises(ValueError, match="refunds"):
        load_workspace(path)
