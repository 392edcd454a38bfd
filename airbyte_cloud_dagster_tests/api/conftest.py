"""Fixtures: a client pointed at the local sandbox, with short backoffs so retries are quick."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from airbyte_cloud_dagster.api import AirbyteClient


@pytest.fixture
def make_client(request) -> Iterator[Callable[..., AirbyteClient]]:
    """Build clients for a sandbox (default: the ``airbyte_sandbox`` fixture); closed afterwards."""
    clients: list[AirbyteClient] = []

    def make(sandbox=None, **overrides) -> AirbyteClient:
        sandbox = sandbox or request.getfixturevalue("airbyte_sandbox")
        settings = {
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "backoff_factor": 0.01,
            "backoff_max": 0.05,
            "request_timeout": 5.0,
        }
        settings.update(overrides)
        client = AirbyteClient(settings.pop("api_url", sandbox.base_url), **settings)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(airbyte_sandbox, make_client) -> AirbyteClient:
    return make_client(airbyte_sandbox)
