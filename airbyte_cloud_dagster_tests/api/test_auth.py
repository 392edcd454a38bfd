"""Credentials: tokens fetched, cached, refreshed before expiry and once after a 401."""

from __future__ import annotations

import threading
import time

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteAuthError,
    AirbyteClient,
    AirbyteConfigurationError,
    JobStatus,
)
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster_tests.api.helpers import served, token_requests

STRIPE = "Stripe → Warehouse"


@pytest.mark.slow
def test_a_token_that_expires_during_a_long_poll_is_refreshed_and_the_sync_completes(
    make_client, tmp_path
):
    with Sandbox(token_lifetime=1, job_duration=3.0, warehouse_path=tmp_path / "w.db") as sb:
        client = make_client(sb)
        job = client.sync_and_wait(sb.connection_id(STRIPE), timeout=30)
        assert job.status is JobStatus.SUCCEEDED
        assert len(token_requests(sb)) >= 3  # the first token plus refreshes while polling
        assert job.rows_synced == sb.job(job.job_id)["rowsSynced"]


def test_a_401_on_a_normal_call_is_replayed_exactly_once(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    client.get_connection(connection_id)
    airbyte_sandbox.faults.expire_tokens()

    connection = client.get_connection(connection_id)

    assert connection.name == STRIPE
    calls = served(airbyte_sandbox, "GET", f"/v1/connections/{connection_id}")
    assert [call.status for call in calls] == [200, 401, 200]
    assert len(token_requests(airbyte_sandbox)) == 2


def test_threads_that_all_get_a_401_share_one_token_refresh(airbyte_sandbox, client):
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    client.get_connection(connection_id)
    airbyte_sandbox.faults.expire_tokens()
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            client.get_connection(connection_id)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(token_requests(airbyte_sandbox)) == 2


def test_a_static_token_that_expired_fails_once_and_says_what_to_do(airbyte_sandbox, make_client):
    client = make_client(
        api_token=airbyte_sandbox.issue_token(), client_id=None, client_secret=None
    )
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    client.get_connection(connection_id)
    airbyte_sandbox.faults.expire_tokens()

    with pytest.raises(AirbyteAuthError) as raised:
        client.get_connection(connection_id)

    message = str(raised.value)
    assert "refused the api_token" in message and "client_id" in message
    assert raised.value.status_code == 401
    assert [
        c.status for c in served(airbyte_sandbox, "GET", f"/v1/connections/{connection_id}")
    ] == [
        200,
        401,
    ]


def test_wrong_client_credentials_say_the_client_id_and_secret_were_refused(
    airbyte_sandbox, make_client
):
    client = make_client(client_secret="not-the-secret")
    with pytest.raises(AirbyteAuthError) as raised:
        client.list_workspaces()
    message = str(raised.value)
    assert "refused the client id" in message and "client_secret" in message
    assert "not-the-secret" not in message
    assert served(airbyte_sandbox, "GET", "/v1/workspaces") == []


def test_a_client_without_credentials_against_an_authenticated_airbyte_says_to_pass_some(
    airbyte_sandbox, make_client
):
    client = make_client(client_id=None, client_secret=None)
    with pytest.raises(AirbyteAuthError, match="requires authentication"):
        client.list_workspaces()


@pytest.mark.parametrize(
    ("credentials", "complaint"),
    [
        ({"client_id": "abc"}, "client_secret is missing"),
        ({"client_secret": "s3cret"}, "client_id is missing"),
        ({"client_id": "abc", "client_secret": "s3cret", "api_token": "t"}, "not both"),
        ({"api_token": "t", "client_id": "abc"}, "not both"),
        ({"client_id": "abc", "client_secret": ""}, "client_secret is empty"),
    ],
)
def test_a_wrong_mix_of_credentials_is_refused_before_any_request(
    airbyte_sandbox, credentials, complaint
):
    with pytest.raises(AirbyteConfigurationError, match=complaint) as raised:
        AirbyteClient(airbyte_sandbox.base_url, **credentials)
    assert "s3cret" not in str(raised.value)
    assert airbyte_sandbox.requests == []


@pytest.mark.slow
def test_self_managed_airbyte_without_auth_works_under_api_public_v1(make_client, tmp_path):
    with Sandbox(auth=False, job_duration=0.3, warehouse_path=tmp_path / "w.db") as sb:
        client = make_client(sb, api_url=sb.self_managed_url, client_id=None, client_secret=None)
        names = {connection.name for connection in client.list_connections()}
        assert STRIPE in names
        job = client.sync_and_wait(sb.connection_id(STRIPE), timeout=30)
        assert job.succeeded
        assert all(r.path.startswith("/api/public/v1/") for r in sb.requests)
        assert token_requests(sb) == []


def test_a_token_is_reused_until_shortly_before_it_expires(airbyte_sandbox, client):
    for _ in range(5):
        client.list_workspaces()
    time.sleep(0.05)
    assert len(token_requests(airbyte_sandbox)) == 1


def test_a_token_endpoint_that_fails_for_a_moment_is_retried(airbyte_sandbox, client):
    # Exchanging credentials has no side effect, so unlike POST /jobs it may be retried.
    airbyte_sandbox.faults.fail("/applications/token", 503, times=2)
    assert client.list_workspaces()
    assert [r.status for r in token_requests(airbyte_sandbox)] == [503, 503, 200]
