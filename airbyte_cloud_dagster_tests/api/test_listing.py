"""Reading the workspace: every page, typed results."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from airbyte_cloud_dagster.api import JobStatus
from airbyte_cloud_dagster.sandbox import Sandbox, generate_workspace
from airbyte_cloud_dagster_tests.api.helpers import served

STRIPE = "Stripe → Warehouse"
APP = "App Postgres → Warehouse"


def test_all_250_connections_of_a_big_workspace_are_listed(make_client, tmp_path):
    seed = generate_workspace(connections=250, streams_per_connection=2)
    with Sandbox(seed, warehouse_path=tmp_path / "w.db") as sb:
        connections = make_client(sb).list_connections()
        assert len(connections) == 250
        assert len({c.connection_id for c in connections}) == 250
        pages = served(sb, "GET", "/v1/connections")
        assert [parse_qs(r.query)["offset"] for r in pages] == [["0"], ["100"], ["200"]]


def test_the_demo_workspace_reads_as_typed_objects(airbyte_sandbox, client):
    (workspace,) = client.list_workspaces()
    assert workspace.name == "Demo Workspace"
    assert client.get_workspace(workspace.workspace_id) == workspace

    connection = client.get_connection(airbyte_sandbox.connection_id(APP))
    assert connection.schedule.cron_expression == "0 0 12 * * ? UTC"
    assert connection.namespace_definition == "custom_format"
    assert ("billing", "invoice line items") in {(s.namespace, s.name) for s in connection.streams}

    destination = client.get_destination(connection.destination_id)
    assert (destination.database, destination.default_schema) == ("analytics", "raw")
    source = client.get_source(connection.source_id)
    assert source.source_type == "postgres"
    assert {s.source_id for s in client.list_sources([workspace.workspace_id])} >= {
        source.source_id
    }
    assert [d.name for d in client.list_destinations()] == ["Warehouse"]

    properties = client.get_stream_properties(connection.source_id, connection.destination_id)
    assert ("billing", "customers") in {(p.stream_namespace, p.stream_name) for p in properties}


@pytest.mark.slow
def test_the_newest_jobs_of_a_connection_come_first_when_asked(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.1)
    first = client.sync_and_wait(connection_id, timeout=30)
    second = client.sync_and_wait(connection_id, timeout=30)

    newest = client.list_jobs(connection_id=connection_id, order_by="createdAt|DESC", limit=1)
    oldest = client.list_jobs(connection_id=connection_id)
    succeeded = client.list_jobs(connection_id=connection_id, status=JobStatus.SUCCEEDED)

    assert [job.job_id for job in newest] == [second.job_id]
    assert [job.job_id for job in oldest] == [first.job_id, second.job_id]
    assert len(succeeded) == 2
    assert client.find_running_job(connection_id) is None
