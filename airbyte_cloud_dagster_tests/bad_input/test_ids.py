"""Connection and job ids that are malformed (refused before any request), unknown (Airbyte's
404, named), or of connections that cannot sync (inactive, deleted): never a job left running."""

from __future__ import annotations

import dagster as dg
import pytest
import requests

from airbyte_cloud_dagster import load_airbyte_cloud_assets
from airbyte_cloud_dagster.api import (
    AirbyteConfigurationError,
    AirbyteConflict,
    AirbyteNotFound,
)

from ..helpers import HUBSPOT, STRIPE, sandbox_resource
from .expect import assert_clear, running_jobs

UNKNOWN_ID = "9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f"


def test_a_connection_id_that_is_not_a_uuid_is_refused_before_any_request(airbyte_sandbox, client):
    with pytest.raises(AirbyteConfigurationError) as raised:
        client.trigger_sync("stripe-to-warehouse")

    assert_clear(
        raised.value,
        AirbyteConfigurationError,
        problem=["connection_id='stripe-to-warehouse' is not a UUID"],
        fix=["it is the part after /connections/ in the connection's URL"],
    )
    assert airbyte_sandbox.requests == []


def test_a_connection_name_given_to_the_loader_as_an_id_is_refused(airbyte_sandbox):
    with pytest.raises(AirbyteConfigurationError) as raised:
        load_airbyte_cloud_assets(
            airbyte=sandbox_resource(airbyte_sandbox), connection_ids=[STRIPE]
        )

    assert_clear(
        raised.value,
        AirbyteConfigurationError,
        problem=[f"connection_id={STRIPE!r} is not a UUID"],
        fix=["look like '9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f'"],
    )
    assert airbyte_sandbox.requests == []


@pytest.mark.parametrize("job_id", ["abc", -3, True, 4.5, None])
def test_a_malformed_job_id_is_refused_before_any_request(airbyte_sandbox, client, job_id):
    with pytest.raises(AirbyteConfigurationError) as raised:
        client.get_job(job_id)

    assert_clear(
        raised.value,
        AirbyteConfigurationError,
        problem=[f"job_id={job_id!r} is not a job id"],
        fix=["like the jobId that start_job returns"],
    )
    assert airbyte_sandbox.requests == []


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (
            lambda client: client.get_connection(UNKNOWN_ID),
            f"connection {UNKNOWN_ID} was not found",
        ),
        (lambda client: client.trigger_sync(UNKNOWN_ID), f"connection {UNKNOWN_ID} was not found"),
        (lambda client: client.get_job(424242), "job 424242 was not found"),
        (lambda client: client.cancel_job(424242), "job 424242 was not found"),
    ],
    ids=["get-connection", "sync", "get-job", "cancel-job"],
)
def test_an_unknown_id_is_named_with_airbytes_404(airbyte_sandbox, client, call, problem):
    with pytest.raises(AirbyteNotFound) as raised:
        call(client)

    assert_clear(
        raised.value,
        AirbyteNotFound,
        problem=["returned 404 resource-not-found", problem],
        fix=["check that the id is right and visible to these credentials"],
    )
    assert running_jobs(airbyte_sandbox) == []


def test_an_unknown_connection_id_given_to_the_loader_is_named(airbyte_sandbox):
    with pytest.raises(AirbyteNotFound) as raised:
        load_airbyte_cloud_assets(
            airbyte=sandbox_resource(airbyte_sandbox), connection_ids=[UNKNOWN_ID]
        )

    assert_clear(
        raised.value,
        AirbyteNotFound,
        problem=[f"connection {UNKNOWN_ID} was not found"],
        fix=["check that the id is right"],
    )


def test_a_sync_of_an_inactive_connection_says_to_enable_it_and_starts_nothing(
    airbyte_sandbox, client
):
    hubspot = airbyte_sandbox.connection_id(HUBSPOT)  # inactive in the demo workspace

    with pytest.raises(AirbyteConflict) as raised:
        client.sync_and_wait(hubspot, timeout=10)

    assert_clear(
        raised.value,
        AirbyteConflict,
        problem=["returned 409 state-conflict", f"connection {hubspot} is inactive"],
        fix=["enable it in Airbyte (or set its status to active)"],
    )
    assert airbyte_sandbox.jobs_created(hubspot) == 0
    assert running_jobs(airbyte_sandbox) == []


def _delete(sandbox, connection_id: str) -> None:
    """What deleting a connection in Airbyte leaves: its status is ``deprecated``."""
    response = requests.patch(
        f"{sandbox.base_url}/connections/{connection_id}",
        json={"status": "deprecated"},
        headers={"Authorization": f"Bearer {sandbox.issue_token()}"},
        timeout=10,
    )
    assert response.json()["status"] == "deprecated"


def test_a_sync_of_a_deleted_connection_says_it_was_deleted(airbyte_sandbox, client):
    stripe = airbyte_sandbox.connection_id(STRIPE)
    _delete(airbyte_sandbox, stripe)

    with pytest.raises(AirbyteConflict) as raised:
        client.trigger_sync(stripe)

    assert running_jobs(airbyte_sandbox) == []
    assert_clear(
        raised.value,
        AirbyteConflict,
        problem=[f"connection {stripe} was deleted"],
        fix=["remove it from the selection"],
    )


@pytest.mark.slow
def test_materializing_an_inactive_connection_fails_the_step_saying_why(airbyte_sandbox):
    airbyte = sandbox_resource(airbyte_sandbox)
    hubspot = airbyte_sandbox.connection_id(HUBSPOT)
    assets = load_airbyte_cloud_assets(
        airbyte=airbyte, connection_ids=[hubspot], fetch_column_schema=False
    )

    result = dg.materialize(assets, resources={"airbyte": airbyte}, raise_on_error=False)

    assert not result.success
    assert running_jobs(airbyte_sandbox) == []
    (failure,) = [
        event.step_failure_data.error
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_FAILURE
    ]
    # The step's error is Airbyte's refusal itself (the UI shows it as the error's cause).
    said = failure.message + (failure.cause.message if failure.cause else "")
    assert "0 of 1" not in said
    assert f"connection {hubspot} is inactive" in said
    assert "enable it in Airbyte" in said


@pytest.mark.parametrize(
    ("filters", "problem", "fix"),
    [
        ({"status": "runing"}, "status='runing' is not a job status", "use one of pending"),
        ({"status": 3}, "status=3 is not a job status", "use one of pending"),
        (
            {"created_at_start": "yesterday"},
            "created_at_start='yesterday' is not a time",
            "such as '2024-05-01T00:00:00Z'",
        ),
        ({"workspace_ids": 3}, "workspace_ids=3 is not a list of workspace ids", "pass a list"),
        ({"order_by": "createdAt"}, "order_by='createdAt' is not supported", "'createdAt|DESC'"),
    ],
    ids=["status-typo", "status-number", "garbage-time", "workspace-ids-number", "order-by"],
)
def test_a_bad_job_filter_is_refused_before_any_request(
    airbyte_sandbox, client, filters, problem, fix
):
    with pytest.raises(AirbyteConfigurationError) as raised:
        client.list_jobs(**filters)

    assert_clear(raised.value, AirbyteConfigurationError, problem=[problem], fix=[fix])
    assert airbyte_sandbox.requests == []
