"""The README's quickstart works as written: run against the sandbox, it syncs every table.

The quickstart reads ``AIRBYTE_API_URL``, ``AIRBYTE_CLIENT_ID`` and ``AIRBYTE_CLIENT_SECRET``
from the environment; here they point at the ``airbyte_sandbox`` fixture, so the block runs
unchanged. The static checks of the README and the docs pages are in ``test_docs.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg

from .helpers import sandbox_environment

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def quickstart() -> str:
    """The first ```python block after ``## Quickstart`` in the README."""
    match = re.search(r"^## Quickstart\n.*?^```python\n(.*?)^```", README.read_text(), re.S | re.M)
    assert match, "README.md has no ```python block under '## Quickstart'"
    return match.group(1)


def demo_page_keys() -> set[str]:
    """The asset keys the demo page's connection table lists."""
    text = (ROOT / "docs" / "demo.md").read_text()
    section = re.search(r"^## What it starts\n(.*?)(?=^## )", text, re.S | re.M)
    assert section
    return set(re.findall(r"`([a-z0-9_]+/[a-z0-9_]+)`", section.group(1)))


def test_the_quickstart_materializes_every_table_of_the_sandbox(airbyte_sandbox, monkeypatch):
    for name, value in sandbox_environment(airbyte_sandbox).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AIRBYTE_WORKSPACE_ID", raising=False)
    namespace: dict[str, object] = {"__name__": "quickstart"}

    exec(compile(quickstart(), "README.md (Quickstart)", "exec"), namespace)

    defs = namespace["defs"]
    assert isinstance(defs, dg.Definitions)
    assets = list(defs.assets or [])
    keys = {key for asset in assets for key in asset.keys}
    assert len(keys) == 10, keys  # three active connections; HubSpot is inactive
    result = dg.materialize(assets, resources=dict(defs.resources or {}))
    assert result.success
    materialized = {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert set(materialized) == keys
    assert {m["airbyte/job_status"].value for m in materialized.values()} == {"succeeded"}
    # The demo page lists exactly these tables.
    assert {key.to_user_string() for key in keys} == demo_page_keys()
