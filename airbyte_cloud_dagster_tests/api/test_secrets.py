"""The client secret and the tokens never show up in logs, errors or reprs."""

from __future__ import annotations

import logging

import pytest

from airbyte_cloud_dagster.api import AirbyteClient, AirbyteError, PollPolicy

STRIPE = "Stripe → Warehouse"
FAST = PollPolicy(poll_interval=0.1, factor=1.5, poll_interval_max=0.3)


def messages_of(error: BaseException) -> list[str]:
    """The message of an error and of everything it was raised from or during."""
    found: list[str] = []
    while error is not None:
        found += [str(error), repr(error)]
        error = error.__cause__ or error.__context__
    return found


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
