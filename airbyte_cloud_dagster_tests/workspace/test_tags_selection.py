"""Connection tags (Airbyte 1.5+): read into the model, kept in the snapshot, and used to select
connections by name, any of them."""

from __future__ import annotations

import logging

import pytest

from airbyte_cloud_dagster import AirbyteLoadOptions, AirbyteWorkspaceData
from airbyte_cloud_dagster.api import AirbyteResponseError
from airbyte_cloud_dagster.api.models import AirbyteConnection, AirbyteTag
from airbyte_cloud_dagster.workspace.snapshot import read_snapshot, write_snapshot

from ..helpers import APP_POSTGRES, HUBSPOT, S3_FILES, STRIPE, sandbox_resource


def fetch(sandbox, **options) -> AirbyteWorkspaceData:
    client = sandbox_resource(sandbox).get_client()
    return AirbyteWorkspaceData.fetch(
        client, AirbyteLoadOptions(**options), workspace_id=sandbox.workspace_id
    )


def names(data: AirbyteWorkspaceData) -> list[str]:
    return [connection.name for connection in data.connections]


def test_connections_carry_their_airbyte_tags(airbyte_sandbox):
    data = fetch(airbyte_sandbox)

    tags = {connection.name: connection.tag_names for connection in data.connections}
    assert tags == {
        APP_POSTGRES: ("team:product", "tier:1"),
        STRIPE: ("team:finance", "tier:1"),
        S3_FILES: ("team:data-platform",),
    }
    stripe = next(c for c in data.connections if c.name == STRIPE)
    finance = stripe.tags[0]
    assert (finance.name, finance.color, len(finance.tag_id)) == ("team:finance", "F5A623", 36)


def test_connections_are_selected_by_any_of_the_tags_named(airbyte_sandbox, caplog):
    caplog.set_level(logging.INFO)

    finance = fetch(airbyte_sandbox, connection_tags="team:finance")
    either = fetch(airbyte_sandbox, connection_tags=["team:finance", "team:data-platform"])
    tier_one = fetch(airbyte_sandbox, connection_tags=["tier:1"])

    assert names(finance) == [STRIPE]
    assert names(either) == [STRIPE, S3_FILES]
    assert names(tier_one) == [APP_POSTGRES, STRIPE]
    assert any(
        "tagged with none of 'team:finance'" in r.getMessage() and APP_POSTGRES in r.getMessage()
        for r in caplog.records
    )


def test_an_inactive_connection_stays_out_whatever_its_tags(airbyte_sandbox, caplog):
    caplog.set_level(logging.INFO)

    marketing = fetch(airbyte_sandbox, connection_tags=["team:marketing"])

    assert names(marketing) == []
    assert any(
        "status 'inactive'" in r.getMessage() and HUBSPOT in r.getMessage() for r in caplog.records
    )


def test_a_tag_no_connection_carries_is_a_warning_naming_the_tags_there_are(
    airbyte_sandbox, caplog
):
    data = fetch(airbyte_sandbox, connection_tags=["team:finace"])

    assert names(data) == []
    (said,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert said.startswith("connection_tags names 'team:finace', which no Airbyte connection")
    assert "'team:finance'" in said and "exact name" in said


def test_the_snapshot_keeps_tags_and_selects_by_them_without_a_request(airbyte_sandbox, tmp_path):
    path = write_snapshot(fetch(airbyte_sandbox), tmp_path / "snapshot.json")
    before = len(airbyte_sandbox.requests)

    data = read_snapshot(path).select(AirbyteLoadOptions(connection_tags=["team:finance"]))

    assert names(data) == [STRIPE]
    assert data.connections[0].tags[0] == AirbyteTag(
        "team:finance", data.connections[0].tags[0].tag_id, "F5A623"
    )
    assert len(airbyte_sandbox.requests) == before


def test_a_connection_without_tags_has_none_and_a_malformed_tag_is_named():
    base = {
        "connectionId": "c",
        "name": "n",
        "sourceId": "s",
        "destinationId": "d",
        "workspaceId": "w",
        "status": "active",
    }

    assert AirbyteConnection.from_api(base).tags == ()  # Airbyte before 1.5
    with pytest.raises(AirbyteResponseError, match=r"tag of connection 'n'.*'name'"):
        AirbyteConnection.from_api({**base, "tags": [{"tagId": "t", "color": "FF0000"}]})
