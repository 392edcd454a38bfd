"""The first hour with the resource: settings checked before any request, failures that are
both Dagster failures and Airbyte errors, with a link, and a step that loses track of a sync
saying that it still runs."""

from __future__ import annotations

import math

import dagster as dg
import pydantic
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets
from airbyte_cloud_dagster.api import AirbyteConfigurationError, AirbyteJobFailed, AirbyteTimeout

from .helpers import STRIPE, sandbox_resource


def _failure(result: dg.ExecuteInProcessResult) -> dg.DagsterEvent:
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    return failure


# --------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("sync_timeout", -1, "sync_timeout=-1.0 must be a finite number of seconds > 0"),
        ("sync_timeout", math.nan, "sync_timeout=nan must be a finite number of seconds > 0"),
        ("poll_interval", 0, "poll_interval=0.0 must be a finite number of seconds > 0"),
        ("poll_interval_max", 0.01, "poll_interval_max=0.01 is below poll_interval=0.05"),
        ("request_timeout", -5, "request_timeout=-5.0 must be a finite number of seconds > 0"),
        ("max_retries", -1, "max_retries=-1 must be an integer >= 0"),
        ("api_url", "http://127.0.0.1:1/v1?", "has a query or fragment"),
        ("client_secret", "  ", "client_secret is empty"),
    ],
)
def test_a_bad_setting_is_named_when_the_resource_is_built_before_any_request(
    airbyte_sandbox, setting, value, said
):
    with pytest.raises(pydantic.ValidationError) as raised:
        sandbox_resource(airbyte_sandbox, **{setting: value})

    assert said in str(raised.value)
    assert "PollPolicy" not in str(raised.value)
    assert airbyte_sandbox.requests == []


def test_a_malformed_workspace_id_names_the_setting_and_where_to_find_it(airbyte_sandbox):
    with pytest.raises(pydantic.ValidationError) as raised:
        sandbox_resource(airbyte_sandbox, workspace_id="my-workspace")

    message = str(raised.value)
    assert "workspace_id='my-workspace' is not a UUID" in message
    assert "workspace_ids" not in message
    assert "https://cloud.airbyte.com/workspaces/<workspace id>/" in message


def test_env_var_settings_are_read_and_checked_when_the_definitions_load(
    airbyte_sandbox, monkeypatch
):
    monkeypatch.setenv("FIRST_HOUR_URL", airbyte_sandbox.base_url)
    monkeypatch.setenv("FIRST_HOUR_ID", airbyte_sandbox.client_id)
    monkeypatch.setenv("FIRST_HOUR_SECRET", airbyte_sandbox.client_secret)
    monkeypatch.setenv("FIRST_HOUR_WORKSPACE", airbyte_sandbox.workspace_id)
    airbyte = AirbyteCloudResource(
        api_url=dg.EnvVar("FIRST_HOUR_URL"),
        client_id=dg.EnvVar("FIRST_HOUR_ID"),
        client_secret=dg.EnvVar("FIRST_HOUR_SECRET"),
        workspace_id=dg.EnvVar("FIRST_HOUR_WORKSPACE"),
    )
    assert load_airbyte_cloud_assets(airbyte=airbyte)  # EnvVars are still accepted

    monkeypatch.setenv("FIRST_HOUR_WORKSPACE", "my-workspace")
    requests_before = len(airbyte_sandbox.requests)
    with pytest.raises(AirbyteConfigurationError) as raised:
        load_airbyte_cloud_assets(airbyte=airbyte)
    assert "workspace_id='my-workspace' is not a UUID" in str(raised.value)
    assert len(airbyte_sandbox.requests) == requests_before


def test_one_connection_id_as_a_string_is_one_connection(airbyte_sandbox):
    connection_id = airbyte_sandbox.connection_id(STRIPE)

    (assets,) = load_airbyte_cloud_assets(
        airbyte=sandbox_resource(airbyte_sandbox), connection_ids=connection_id
    )

    assert {key.path[-1] for key in assets.keys} >= {"stripe_charges", "stripe_customers"}


# --------------------------------------------------------------------- failures


def _connection_page(sandbox, connection_id: str) -> str:
    return f"{sandbox.root_url}/workspaces/{sandbox.workspace_id}/connections/{connection_id}"


def test_a_failed_sync_from_plain_python_is_an_airbyte_job_failed_with_a_link(airbyte_sandbox):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.1, outcome="failed")
    airbyte = sandbox_resource(airbyte_sandbox)

    with pytest.raises(AirbyteJobFailed) as raised:
        airbyte.sync_and_wait(connection_id)

    assert isinstance(raised.value, dg.Failure)
    assert raised.value.job.connection_id == connection_id
    assert "unknown" not in str(raised.value)
    assert f"Connection page: {_connection_page(airbyte_sandbox, connection_id)}." in str(
        raised.value
    )
    assert raised.value.description == str(raised.value)
    assert raised.value.metadata["airbyte/job_id"].value == str(raised.value.job.job_id)


def test_a_timed_out_sync_from_plain_python_is_an_airbyte_timeout(airbyte_sandbox):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=30)
    airbyte = sandbox_resource(airbyte_sandbox, sync_timeout=0.3)

    with pytest.raises(AirbyteTimeout) as raised:
        airbyte.sync_and_wait(connection_id)

    assert isinstance(raised.value, dg.Failure)
    assert _connection_page(airbyte_sandbox, connection_id) in str(raised.value)


def test_a_failed_sync_inside_a_step_is_still_a_dagster_failure(airbyte_sandbox):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=0.1, outcome="failed")

    @dg.asset
    def stripe_sync(airbyte: AirbyteCloudResource) -> None:
        airbyte.sync_and_wait(connection_id)

    result = dg.materialize(
        [stripe_sync],
        resources={"airbyte": sandbox_resource(airbyte_sandbox)},
        raise_on_error=False,
    )

    user_failure = _failure(result).step_failure_data.user_failure_data
    assert user_failure is not None  # Dagster took it as a Failure: description and metadata
    assert _connection_page(airbyte_sandbox, connection_id) in user_failure.description
    assert user_failure.metadata["airbyte/job_status"].value == "failed"


@pytest.mark.slow
def test_losing_track_of_a_running_sync_says_it_still_runs_and_a_retry_attaches(airbyte_sandbox):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(connection_id, duration=4)
    airbyte = sandbox_resource(airbyte_sandbox)  # max_retries=2
    assets = load_airbyte_cloud_assets(airbyte=airbyte, connection_ids=[connection_id])
    # Every poll of the job fails, retries included (a proxy in front of Airbyte is down).
    airbyte_sandbox.faults.fail("/jobs/*", 502, times=None, method="GET")

    result = dg.materialize(assets, resources={"airbyte": airbyte}, raise_on_error=False)

    failure = _failure(result).step_failure_data
    assert failure.user_failure_data is not None, failure.error.to_string()
    description = failure.user_failure_data.description
    (job_id,) = [j for j in range(1, 10) if f"job {j} on connection {connection_id}" in description]
    assert "still running in Airbyte" in description
    assert "a retry of this step attaches to it" in description
    assert _connection_page(airbyte_sandbox, connection_id) in description
    assert "502" in description

    airbyte_sandbox.faults.clear()
    retried = dg.materialize(assets, resources={"airbyte": airbyte})
    assert retried.success
    assert airbyte_sandbox.jobs_created(connection_id) == 1  # the retry attached to the job
    assert airbyte_sandbox.job(job_id)["status"] == "succeeded"
