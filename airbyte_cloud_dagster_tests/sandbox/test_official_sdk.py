"""The official Airbyte Python SDK (``airbyte-api`` on PyPI) cannot tell the sandbox from Airbyte.

Every operation the sandbox serves is driven through the SDK under both prefixes (``/v1`` as
Airbyte Cloud, ``/api/public/v1`` as self-managed), expecting what real Airbyte gives. Three
answers the SDK cannot parse, from the real server as from the sandbox: its connector
configuration models (SDK bugs, docs/sandbox.md "The official Python SDK"). Those tests assert
the SDK's failure precisely, so they notice the day a new SDK release fixes it.

``import airbyte_api`` takes ~0.2 s; the first answer with a source or destination imports the
SDK's hundreds of connector models, ~1.4 s more, once per process (those tests are ``slow``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import airbyte_api
import pytest
from airbyte_api import api, errors, models

from airbyte_cloud_dagster.sandbox import Sandbox

from .conftest import APP_POSTGRES, HUBSPOT, S3_FILES, STRIPE

PREFIXES = {"cloud": "/v1", "self-managed": "/api/public/v1"}
# Java's OffsetDateTime.toString() of whole seconds: no ":00" seconds (docs/airbyte/behaviour.md).
JAVA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:(?!00)\d\d)?Z$")


def official_sdk(server_url: str, client_id: str, client_secret: str) -> airbyte_api.AirbyteAPI:
    """The SDK as docs/sandbox.md tells users to point it at the sandbox: the server URL, and
    the token URL spelt out in full (a relative one is joined onto the host, dropping the
    prefix: see test_a_relative_token_url_loses_the_api_prefix)."""
    credentials = models.SchemeClientCredentials(
        client_id=client_id,
        client_secret=client_secret,
        token_url=f"{server_url}/applications/token",
    )
    return airbyte_api.AirbyteAPI(
        server_url=server_url, security=models.Security(client_credentials=credentials)
    )


@pytest.fixture(params=list(PREFIXES.values()), ids=list(PREFIXES))
def server_url(request: pytest.FixtureRequest, airbyte_sandbox: Sandbox) -> str:
    return airbyte_sandbox.root_url + request.param


@pytest.fixture
def sdk(airbyte_sandbox: Sandbox, server_url: str) -> Iterator[airbyte_api.AirbyteAPI]:
    with official_sdk(server_url, airbyte_sandbox.client_id, airbyte_sandbox.client_secret) as s:
        yield s


def source_id(sandbox: Sandbox, name: str) -> str:
    return next(s.source_id for s in sandbox.seed.sources if s.name == name)


# --------------------------------------------------------------------------- health, auth


def test_the_health_check_needs_no_credentials(airbyte_sandbox: Sandbox, server_url: str) -> None:
    with airbyte_api.AirbyteAPI(server_url=server_url) as anonymous:
        assert anonymous.health.get_health_check().status_code == 200


def test_a_cached_token_still_works_after_the_sandbox_restarts(tmp_path: Path) -> None:
    # The SDK keeps its token per process, keyed by the credentials, for expires_in seconds.
    credentials = {"client_id": "restart-id", "client_secret": "restart-secret"}
    with Sandbox(warehouse_path=tmp_path / "a.sqlite", **credentials) as first:
        before = official_sdk(first.base_url, **credentials)
        before.workspaces.list_workspaces(request=api.ListWorkspacesRequest())
    with Sandbox(warehouse_path=tmp_path / "b.sqlite", **credentials) as second:
        with official_sdk(second.base_url, **credentials) as sdk:
            answer = sdk.workspaces.list_workspaces(request=api.ListWorkspacesRequest())

        assert answer.status_code == 200
        assert [r.path for r in second.requests] == ["/v1/workspaces"]  # no new token asked


def test_a_relative_token_url_loses_the_api_prefix(airbyte_sandbox: Sandbox) -> None:
    # The SDK's default token_url is "/applications/token"; urljoin puts it at the host's root
    # (http://host/applications/token), outside /v1, where no token endpoint is.
    security = models.Security(
        client_credentials=models.SchemeClientCredentials(
            client_id=airbyte_sandbox.client_id, client_secret=airbyte_sandbox.client_secret
        )
    )
    sdk = airbyte_api.AirbyteAPI(server_url=airbyte_sandbox.base_url, security=security)
    with pytest.raises(Exception, match="Unexpected status code 404 from token endpoint"):
        sdk.workspaces.list_workspaces(request=api.ListWorkspacesRequest())


# --------------------------------------------------------------------------- what parses


def test_workspaces(airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI) -> None:
    listed = sdk.workspaces.list_workspaces(request=api.ListWorkspacesRequest())
    one = sdk.workspaces.get_workspace(
        request=api.GetWorkspaceRequest(workspace_id=airbyte_sandbox.workspace_id)
    )

    assert listed.workspaces_response is not None and one.workspace_response is not None
    assert [w.workspace_id for w in listed.workspaces_response.data] == [
        airbyte_sandbox.workspace_id
    ]
    assert one.workspace_response.name == "Demo Workspace"


def test_connections_list_get_and_patch(
    airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI
) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)
    listed = sdk.connections.list_connections(request=api.ListConnectionsRequest())
    one = sdk.connections.get_connection(request=api.GetConnectionRequest(connection_id=stripe))
    patched = sdk.connections.patch_connection(
        request=api.PatchConnectionRequest(
            connection_id=stripe,
            connection_patch_request=models.ConnectionPatchRequest(name="Stripe (renamed)"),
        )
    )

    assert listed.connections_response is not None
    assert {c.name for c in listed.connections_response.data} >= {STRIPE, APP_POSTGRES, S3_FILES}
    assert one.connection_response is not None
    assert one.connection_response.schedule.schedule_type == models.ScheduleTypeWithBasicEnum.BASIC
    assert patched.connection_response is not None
    assert patched.connection_response.name == "Stripe (renamed)"


def test_stream_properties(airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI) -> None:
    (stripe,) = (s for s in airbyte_sandbox.seed.sources if s.name == "Stripe")
    answer = sdk.streams.get_stream_properties(
        request=api.GetStreamPropertiesRequest(source_id=stripe.source_id)
    )

    assert answer.stream_properties_response is not None
    assert [s.stream_name for s in answer.stream_properties_response] == [
        s.name for s in stripe.streams
    ]


def test_a_sync_through_the_sdk(airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe, duration=0.2)
    sync = models.JobCreateRequest(connection_id=stripe, job_type=models.JobTypeEnum.SYNC)

    started = sdk.jobs.create_job(request=sync).job_response
    assert started is not None and started.status == models.JobStatusEnum.PENDING
    # Nothing committed yet, and no attempt to say so: the figures are absent, not 0.
    assert started.rows_synced is None and started.bytes_synced is None
    with pytest.raises(errors.SDKError) as second:  # one sync at a time, no second job queued
        sdk.jobs.create_job(request=sync)
    assert second.value.status_code == 409 and "try-again-later" in second.value.body

    job = started
    deadline = time.monotonic() + 10
    while job.status != models.JobStatusEnum.SUCCEEDED:
        assert time.monotonic() < deadline, f"job still {job.status}"
        time.sleep(0.05)
        job = sdk.jobs.get_job(request=api.GetJobRequest(job_id=started.job_id)).job_response
        assert job is not None
    listed = sdk.jobs.list_jobs(
        request=api.ListJobsRequest(connection_id=stripe, order_by="createdAt|DESC")
    ).jobs_response

    assert job.rows_synced == airbyte_sandbox.job(job.job_id)["rowsSynced"] > 0
    assert JAVA_TIME.match(job.start_time) and JAVA_TIME.match(job.last_updated_at or "")
    assert re.fullmatch(r"PT(\d+M)?\d+S", job.duration or "")  # whole seconds
    assert listed is not None and [j.job_id for j in listed.data] == [job.job_id]


def test_cancelling_a_running_sync(airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe, duration=30)
    sync = models.JobCreateRequest(connection_id=stripe, job_type=models.JobTypeEnum.SYNC)
    started = sdk.jobs.create_job(request=sync).job_response
    assert started is not None

    cancelled = sdk.jobs.cancel_job(
        request=api.CancelJobRequest(job_id=started.job_id)
    ).job_response

    assert cancelled is not None and cancelled.status == models.JobStatusEnum.CANCELLED


@pytest.mark.slow  # the SDK's connector models: ~1.4 s to import, once per process
def test_sources_with_their_configuration_models(
    airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI
) -> None:
    def configuration(name: str) -> object:
        request = api.GetSourceRequest(source_id=source_id(airbyte_sandbox, name))
        answer = sdk.sources.get_source(request=request).source_response
        assert answer is not None
        return answer.configuration

    # A CDC replication method with its slot and publication, as the Postgres spec requires;
    # without the publication the SDK took the configuration for Microsoft SQL Server's.
    assert isinstance(configuration("App Postgres"), models.SourcePostgres)
    assert isinstance(configuration("Stripe"), models.SourceStripe)
    assert isinstance(configuration("S3 Landing Bucket"), models.SourceS3)


# --------------------------------------------------------------------------- SDK bugs


@pytest.mark.slow  # the SDK's connector models: ~1.4 s to import, once per process
def test_sdk_bug_a_source_whose_credentials_have_no_auth_type(
    airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI
) -> None:
    # SDK bug (airbyte-api 1.0.1): SourceConfiguration is an undiscriminated union of every
    # connector's model, and some members' nested unions raise instead of failing to match when
    # a "credentials" object has no "auth_type". HubSpot's credentials, per its connector spec,
    # carry "credentials_title" instead, so a workspace with a HubSpot source breaks
    # get_source and list_sources against real Airbyte as against the sandbox.
    hubspot = api.GetSourceRequest(source_id=source_id(airbyte_sandbox, "HubSpot"))
    bug = "Could not find discriminator field auth_type"
    with pytest.raises(errors.ResponseValidationError, match=bug):
        sdk.sources.get_source(request=hubspot)
    with pytest.raises(errors.ResponseValidationError, match=bug):
        sdk.sources.list_sources(request=api.ListSourcesRequest())
    assert airbyte_sandbox.connection_id(HUBSPOT)  # the demo workspace does have one


@pytest.mark.slow  # the SDK's connector models: ~1.4 s to import, once per process
def test_sdk_bug_destinations_never_parse(
    airbyte_sandbox: Sandbox, sdk: airbyte_api.AirbyteAPI
) -> None:
    # SDK bug (airbyte-api 1.0.1): DestinationConfiguration is discriminated on
    # configuration.destinationType, which Airbyte removes from a destination's configuration
    # when it stores it; so the configuration served back never has it, and getDestination and
    # listDestinations fail to parse for every destination (docs/airbyte/behaviour.md).
    (warehouse,) = airbyte_sandbox.seed.destinations
    one = api.GetDestinationRequest(destination_id=warehouse.destination_id)
    bug = "Could not find discriminator field destination_type"
    with pytest.raises(errors.ResponseValidationError, match=bug) as raised:
        sdk.destinations.get_destination(request=one)
    with pytest.raises(errors.ResponseValidationError, match=bug):
        sdk.destinations.list_destinations(request=api.ListDestinationsRequest())

    # The workaround docs/sandbox.md gives: the answer is on the error, as JSON.
    served = raised.value.raw_response.json()
    assert served["destinationType"] == "postgres" and served["configuration"]["schema"] == "raw"
    assert "destinationType" not in served["configuration"]
