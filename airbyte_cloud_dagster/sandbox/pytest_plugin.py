"""pytest plugin: the ``airbyte_sandbox`` fixture (registered through the pytest11 entry point).

>>> def test_sync(airbyte_sandbox):  # doctest: +SKIP
...     connection_id = airbyte_sandbox.connection_id("Stripe → Warehouse")
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from airbyte_cloud_dagster.sandbox.server import Sandbox


@pytest.fixture
def airbyte_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A running sandbox: demo workspace, 0.5 s jobs, a fresh warehouse in ``tmp_path``."""
    with Sandbox(job_duration=0.5, warehouse_path=tmp_path / "warehouse.sqlite") as sandbox:
        yield sandbox
