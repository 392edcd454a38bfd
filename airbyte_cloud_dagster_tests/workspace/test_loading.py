"""Loading definitions: concurrent fetching, a wrong workspace, and what the load log says."""

from __future__ import annotations

import logging
import time
import uuid

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteLoadOptions,
    AirbyteWorkspaceData,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.api import AirbyteConfigurationError
from airbyte_cloud_dagster.assets.specs import build_specs
from airbyte_cloud_dagster.sandbox import Sandbox, generate_workspace

from ..helpers import HUBSPOT, S3_FILES, STRIPE, sandbox_resource


def spec_view(specs_by_connection: dict[str, list[dg.AssetSpec]]) -> dict:
    """What a user sees of the specs, comparable with ==: keys, metadata, kinds, groups."""
    return {
        connection_id: [
            (spec.key, dict(spec.metadata), spec.kinds, spec.group_name, spec.description)
            for spec in specs
        ]
        for connection_id, specs in specs_by_connection.items()
    }


def _requests_to(sandbox, path_part: str) -> list:
    return [r for r in sandbox.requests if path_part in r.path]


def test_concurrent_loading_gives_the_same_specs_as_one_request_at_a_time():
    with Sandbox(generate_workspace(12, 3)) as sandbox:
        client = sandbox_resource(sandbox).get_client()
        sequential = AirbyteWorkspaceData.fetch(
            client, AirbyteLoadOptions(max_concurrent_requests=1)
        )
        concurrent = AirbyteWorkspaceData.fetch(
            client, AirbyteLoadOptions(max_concurrent_requests=8)
        )

    assert concurrent == sequential
    assert spec_view(build_specs(concurrent)) == spec_view(build_specs(sequential))
    assert len(concurrent.connections) == 12


def test_streams_are_read_concurrently_when_each_request_is_slow():
    delay, sources = 0.3, 8
    with Sandbox(generate_workspace(sources, 2)) as sandbox:
        client = sandbox_resource(sandbox).get_client()
        sandbox.faults.refuse_config_api(404)  # columns from GET /streams, one per source
        sandbox.faults.delay("/streams", delay)
        started = time.monotonic()
        AirbyteWorkspaceData.fetch(client, AirbyteLoadOptions(max_concurrent_requests=8))
        elapsed = time.monotonic() - started

    # One after another this takes sources * delay = 2.4 s; eight at a time about one delay.
    assert elapsed < sources * delay / 2, f"{elapsed:.2f} s"


def test_concurrent_loading_reads_each_shared_destination_and_source_once(airbyte, airbyte_sandbox):
    airbyte_sandbox.faults.refuse_config_api(404)  # columns from GET /streams, one per source
    load_airbyte_cloud_assets(airbyte=airbyte, max_concurrent_requests=8)

    # Three active demo connections share one destination and have three sources.
    assert len(_requests_to(airbyte_sandbox, "/destinations/")) == 1
    stream_sources = sorted(r.query for r in _requests_to(airbyte_sandbox, "/streams"))
    assert len(stream_sources) == len(set(stream_sources)) == 3


def test_max_concurrent_requests_below_one_is_refused_before_any_request(airbyte_sandbox):
    airbyte = sandbox_resource(airbyte_sandbox)

    with pytest.raises(AirbyteConfigurationError, match="max_concurrent_requests=0"):
        load_airbyte_cloud_assets(airbyte=airbyte, max_concurrent_requests=0)
    assert not airbyte_sandbox.requests


def test_an_unknown_workspace_id_is_an_error_naming_the_visible_workspaces(airbyte_sandbox):
    unknown = str(uuid.uuid4())
    airbyte = sandbox_resource(airbyte_sandbox, workspace_id=unknown)

    with pytest.raises(AirbyteConfigurationError) as raised:
        load_airbyte_cloud_assets(airbyte=airbyte)

    message = str(raised.value)
    assert f"workspace_id {unknown!r} is not a workspace these credentials can see" in message
    assert f"'Demo Workspace' ({airbyte_sandbox.workspace_id})" in message


def test_the_demo_loads_three_active_connections_of_four_and_logs_the_inactive_one(
    airbyte, airbyte_sandbox, caplog
):
    caplog.set_level(logging.INFO)

    assets = load_airbyte_cloud_assets(airbyte=airbyte)

    assert len(assets) == 3
    skipped = [r.getMessage() for r in caplog.records if "No assets for" in r.getMessage()]
    hubspot_id = airbyte_sandbox.connection_id(HUBSPOT)
    assert skipped == [
        f"No assets for 1 Airbyte connection(s), status 'inactive': {HUBSPOT!r} ({hubspot_id})."
    ]


def test_named_connections_are_read_by_id_and_filtered_ones_logged_with_the_reason(
    airbyte, airbyte_sandbox, caplog
):
    caplog.set_level(logging.INFO)
    stripe, s3 = airbyte_sandbox.connection_id(STRIPE), airbyte_sandbox.connection_id(S3_FILES)

    assets = load_airbyte_cloud_assets(
        airbyte=airbyte,
        connection_ids=[stripe, s3],
        connection_filter=lambda connection: connection.name != S3_FILES,
    )

    assert len(assets) == 1
    listings = [r for r in airbyte_sandbox.requests if r.path.endswith("/connections")]
    assert listings == []
    skipped = [r.getMessage() for r in caplog.records if "No assets for" in r.getMessage()]
    assert skipped == [
        f"No assets for 1 Airbyte connection(s), filtered out by connection_filter: "
        f"{S3_FILES!r} ({s3})."
    ]


def test_sixteen_requests_at_once_reuse_the_pooled_connections(caplog):
    caplog.set_level(logging.WARNING, logger="urllib3")
    with Sandbox(generate_workspace(16, 1)) as sandbox:
        client = sandbox_resource(sandbox).get_client()
        sandbox.faults.delay("/connections/get", 0.2)  # the stored catalogs, read at once

        AirbyteWorkspaceData.fetch(client, AirbyteLoadOptions(max_concurrent_requests=16))

    # urllib3 drops connections beyond its pool with this warning (default pool: 10).
    assert not [r for r in caplog.records if "Connection pool is full" in r.getMessage()]
