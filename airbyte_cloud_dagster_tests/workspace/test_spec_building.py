"""Building specs in bulk: the default translator's shortcut gives exactly a subclass's specs."""

from __future__ import annotations

import gc

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    AirbyteTranslator,
    AirbyteWorkspaceData,
    build_airbyte_assets,
    load_airbyte_cloud_assets,
    write_snapshot,
)
from airbyte_cloud_dagster.assets.specs import build_specs
from airbyte_cloud_dagster.sandbox import Sandbox, generate_workspace
from airbyte_cloud_dagster.workspace.specs import AirbyteConnectionTableProps, default_asset_key

from ..helpers import sandbox_resource


class KeepsTheDefault(AirbyteTranslator):
    """A subclass that changes nothing: its specs take the general path."""

    def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
        return super().get_asset_spec(props)


@pytest.fixture(scope="module")
def colliding_workspace() -> AirbyteWorkspaceData:
    """Six connections, two of which write tables whose keys collide."""
    with Sandbox(generate_workspace(6, 3)) as sandbox:
        return AirbyteWorkspaceData.fetch(sandbox_resource(sandbox).get_client())


def test_the_default_translator_and_a_subclass_that_keeps_it_build_identical_specs(
    colliding_workspace,
):
    default = build_specs(colliding_workspace)
    subclassed = build_specs(colliding_workspace, KeepsTheDefault())

    assert default == subclassed
    tables = [
        p.table
        for c in colliding_workspace.connections
        for p in colliding_workspace.stream_props(c)
    ]
    assert len({default_asset_key(table) for table in tables}) < len(tables), "keys collide"
    keys = [spec.key for specs in default.values() for spec in specs]
    assert len(set(keys)) == len(keys) == 18
    assert all(spec.skippable for specs in default.values() for spec in specs)


def test_a_subclass_override_still_decides_the_spec(colliding_workspace):
    class Owned(AirbyteTranslator):
        def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
            spec = super().get_asset_spec(props)
            return spec.replace_attributes(key=spec.key.with_prefix("airbyte"), owners=["team:x"])

    specs = [spec for specs in build_specs(colliding_workspace, Owned()).values() for spec in specs]

    assert all(spec.key.path[0] == "airbyte" for spec in specs)
    assert all(spec.owners == ["team:x"] and spec.skippable for spec in specs)
    assert len({spec.key for spec in specs}) == len(specs)


@pytest.mark.parametrize("enabled", [True, False])
def test_building_leaves_garbage_collection_as_it_found_it(colliding_workspace, enabled):
    was_enabled = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        build_airbyte_assets(colliding_workspace)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_loading_from_a_snapshot_leaves_garbage_collection_on(colliding_workspace, tmp_path):
    path = write_snapshot(colliding_workspace, tmp_path / "snapshot.json")
    # The snapshot is there, so the credentials are never used.
    airbyte = AirbyteCloudResource(
        api_url=colliding_workspace.api_url, client_id="unused", client_secret="unused"
    )

    assets = load_airbyte_cloud_assets(airbyte=airbyte, snapshot_path=path)

    assert sum(len(asset.keys) for asset in assets) == 18
    assert gc.isenabled()
