"""Fixtures shared by every test folder; the helpers they use are in helpers.py."""

from __future__ import annotations

import pytest

from airbyte_cloud_dagster import AirbyteCloudResource

from .helpers import sandbox_resource


@pytest.fixture
def airbyte(airbyte_sandbox) -> AirbyteCloudResource:
    """The resource a user would configure, pointed at the test's sandbox, polling quickly."""
    return sandbox_resource(airbyte_sandbox)
