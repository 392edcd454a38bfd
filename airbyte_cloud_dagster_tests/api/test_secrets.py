"""The client secret and the tokens never show up in logs, errors or reprs; nor do a Basic
password, the values of extra_headers or a proxy's credentials."""

from __future__ import annotations

import base64
import logging

import pytest

from airbyte_cloud_dagster.api import AirbyteClient, AirbyteError, PollPolicy
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster_tests.network import ForwardProxy

STRIPE = "Stripe → Warehouse"
FAST = PollPolicy(poll_interval=0.1, factor=1.5, poll_interval_max=0.3)


def messages_of(error: BaseException) -> list[str]:
    """The message of an error and of everything it was raised from or during."""
    found: list[str] = []
    while error is not None:
        found += [str(error), repr(error)]
        error = error.__cause__ or error.__context__
    return found


@pytest.mark.slow
def test_no_secret_or_token_in_any_log_line_error_or_repr(airbyte_sandbox, make_client, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger: ours, urllib3's, everyone's
    client = make_client()
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    errors: list[str] = []

    # A full sync, a forced token refresh, a failed sync, a server error, a wrong secret.
    airbyte_sandbox.configure_connection(connection_id, duration=0.3)
    client.sync_and_wait(connection_id, poll=FAST, timeout=30)
    airbyte_sandbox.faults.expire_tokens()
    client.list_connections()
    airbyte_sandbox.configure_connection(connection_id, duration=0.2, outcome="failed")

    def server_error():
        airbyte_sandbox.faults.fail("/jobs/*", 500, times=10, method="GET")
        client.get_job(1)

    for action in (
        lambda: client.sync_and_wait(connection_id, poll=FAST, timeout=30),
        server_error,
        lambda: make_client(client_secret=airbyte_sandbox.client_secret + "x").list_workspaces(),
        lambda: AirbyteClient(
            airbyte_sandbox.base_url, client_id="a", api_token=airbyte_sandbox.issued_tokens()[0]
        ),
    ):
        with pytest.raises(AirbyteError) as raised:
            action()
        errors += messages_of(raised.value)

    # Every token the sandbox handed out, as the sandbox itself recorded them.
    issued = airbyte_sandbox.issued_tokens()
    secrets = [airbyte_sandbox.client_secret, *issued]
    assert len(issued) >= 2
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) > 20
    for secret in secrets:
        assert not any(secret in line for line in logged)
        assert not any(secret in message for message in errors)
        assert secret not in repr(client) and secret not in repr(client.auth)
    assert not any("Bearer" in line or "Authorization" in line for line in logged + errors)


def test_no_basic_password_header_value_or_proxy_credential_in_any_log_line_error_or_repr(
    make_client, caplog, tmp_path
):
    """Self-managed Airbyte behind an access proxy and Basic auth, reached through a proxy that
    asks for credentials: a sync, then every way those settings can be refused."""
    caplog.set_level(logging.DEBUG)
    password, header_secret, proxy_password = "basic-pw-0c4e", "cf-s3cret-77d2", "proxy-pw-5e1"
    headers = {"CF-Access-Client-Id": "cf-id.access", "CF-Access-Client-Secret": header_secret}
    basic_header = base64.b64encode(f"airbyte:{password}".encode()).decode()
    proxy_header = base64.b64encode(f"corp-user:{proxy_password}".encode()).decode()
    errors: list[str] = []
    with (
        Sandbox(
            basic_auth=("airbyte", password),
            required_headers=headers,
            job_duration=0.2,
            warehouse_path=tmp_path / "w.db",
        ) as sb,
        ForwardProxy(credentials=("corp-user", proxy_password)) as proxy,
    ):

        def client_with(**changes):
            settings = {
                "api_url": sb.self_managed_url,
                "client_id": None,
                "client_secret": None,
                "username": "airbyte",
                "password": password,
                "extra_headers": headers,
                "proxy_url": proxy.url,
                **changes,
            }
            return make_client(sb, **settings)

        client = client_with()
        connection_id = sb.connection_id(STRIPE)
        assert client.sync_and_wait(connection_id, poll=FAST, timeout=30).succeeded

        for action in (
            lambda: client_with(password="wrong").list_workspaces(),
            lambda: client_with(
                extra_headers={**headers, "CF-Access-Client-Secret": "x"}
            ).list_workspaces(),
            lambda: client_with(
                proxy_url=proxy.url.replace(proxy_password, "wrong")
            ).list_workspaces(),
            lambda: client_with(
                proxy_url=f"http://corp-user:{proxy_password}@127.0.0.1:1"
            ).list_workspaces(),
            lambda: client_with(extra_headers={"CF-Access-Client-Secret": header_secret + " "}),
            lambda: client_with(proxy_url=f"ftp://corp-user:{proxy_password}@proxy"),
            lambda: client_with(api_token="t", extra_headers={"Authorization": header_secret}),
        ):
            with pytest.raises(AirbyteError) as raised:
                action()
            errors += messages_of(raised.value)
        client.close()

    secrets = [password, header_secret, proxy_password, basic_header, proxy_header]
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) > 10 and len(errors) >= 14
    for secret in secrets:
        assert not any(secret in line for line in logged), secret
        assert not any(secret in message for message in errors), secret
        assert secret not in repr(client) and secret not in repr(client.auth)
        assert secret not in repr(client.transport.settings)
    assert "CF-Access-Client-Secret" in repr(client)  # header names are no secret
