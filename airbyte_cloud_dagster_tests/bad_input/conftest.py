"""Fixtures of the bad-input matrix: one scripted local server for the whole folder, and the
api tests' ``client`` / ``make_client`` (a client of the sandbox with short backoffs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airbyte_cloud_dagster.api import AirbyteClient

from ..api.conftest import client, make_client
from ..api.fake_http import serving
from .answers import ScriptedAirbyte, ScriptedHandler

__all__ = ["client", "make_client"]


@pytest.fixture(scope="package")
def _scripted_server() -> Iterator[ScriptedAirbyte]:
    handler: type[ScriptedHandler] = type("Handler", (ScriptedHandler,), {})
    with serving(handler) as port:
        handler.scripted = ScriptedAirbyte(port)
        yield handler.scripted


@pytest.fixture
def scripted(_scripted_server: ScriptedAirbyte) -> ScriptedAirbyte:
    """The scripted server, answering ``{}`` until told otherwise."""
    _scripted_server.reset()
    return _scripted_server


@pytest.fixture
def scripted_client(scripted: ScriptedAirbyte) -> Iterator[AirbyteClient]:
    """A client of the scripted server: no credentials, no retries."""
    with AirbyteClient(scripted.url, request_timeout=5, max_retries=0) as client:
        yield client
