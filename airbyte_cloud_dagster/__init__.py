"""Orchestrate Airbyte Cloud (and self-managed Airbyte) from Dagster.

The Dagster layer is imported lazily, so ``import airbyte_cloud_dagster.api`` and
``import airbyte_cloud_dagster.sandbox`` never pay for importing Dagster.
"""

from __future__ import annotations

import importlib
from typing import Any

from airbyte_cloud_dagster.version import __version__

# Public name -> module that defines it.
_EXPORTS: dict[str, str] = {
    "AirbyteCloudResource": "airbyte_cloud_dagster.resource",
    "AirbyteTranslator": "airbyte_cloud_dagster.translator",
    "AirbyteStreamProps": "airbyte_cloud_dagster.translator",
    "AirbyteWorkspaceData": "airbyte_cloud_dagster.workspace",
    "AirbyteSnapshotError": "airbyte_cloud_dagster.snapshot",
    "SNAPSHOT_VERSION": "airbyte_cloud_dagster.snapshot",
    "read_snapshot": "airbyte_cloud_dagster.snapshot",
    "write_snapshot": "airbyte_cloud_dagster.snapshot",
    "SyncSettings": "airbyte_cloud_dagster.sync",
    "load_airbyte_cloud_assets": "airbyte_cloud_dagster.assets",
    "build_airbyte_assets": "airbyte_cloud_dagster.assets",
    "airbyte_assets": "airbyte_cloud_dagster.assets",
    "one_step_asset": "airbyte_cloud_dagster.one_step",
    "sync_connections": "airbyte_cloud_dagster.one_step",
    "airbyte_sync_op": "airbyte_cloud_dagster.ops",
    "AirbyteSyncConfig": "airbyte_cloud_dagster.ops",
    "build_airbyte_schedule": "airbyte_cloud_dagster.schedules",
    "build_airbyte_schedules_from_airbyte": "airbyte_cloud_dagster.schedules",
    "build_airbyte_sync_sensor": "airbyte_cloud_dagster.sensor",
    "build_airbyte_sync_checks": "airbyte_cloud_dagster.sync_checks",
    "AirbyteScheduleWarning": "airbyte_cloud_dagster.schedules",
    "AirbyteWorkspaceComponent": "airbyte_cloud_dagster.components",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'airbyte_cloud_dagster' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name), name)
