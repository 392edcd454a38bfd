"""Orchestrate Airbyte Cloud (and self-managed Airbyte) from Dagster.

Which entry point do I want?

- ``load_airbyte_cloud_assets``: every table of every connection as assets, ready to run.
- ``load_airbyte_asset_specs``: the specs alone, for your own ``@dg.multi_asset`` whose body is
  ``airbyte.sync_and_poll(context)``.
- ``airbyte_assets``: a decorator for one connection, your body.
- ``airbyte_sync_op``: an op, for op/job pipelines (the seed article's Airflow tasks).
- ``AirbyteWorkspaceComponent``: the same from YAML, with ``dg``.

The names below are imported when first used, so ``import airbyte_cloud_dagster.api`` and
``import airbyte_cloud_dagster.sandbox`` never pay for importing Dagster (measured: 0.19 s
instead of 1.0 s); type checkers and IDEs read the explicit imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from airbyte_cloud_dagster.version import __version__

if TYPE_CHECKING:
    from airbyte_cloud_dagster.api import (
        AirbyteClient,
        AirbyteError,
        AirbyteJobFailed,
        AirbyteTimeout,
    )
    from airbyte_cloud_dagster.assets.decorator import airbyte_assets
    from airbyte_cloud_dagster.assets.loader import build_airbyte_assets, load_airbyte_cloud_assets
    from airbyte_cloud_dagster.assets.specs import load_airbyte_asset_specs
    from airbyte_cloud_dagster.automation.checks import build_airbyte_sync_checks
    from airbyte_cloud_dagster.automation.freshness import (
        AirbyteFreshnessWarning,
        with_airbyte_freshness,
    )
    from airbyte_cloud_dagster.automation.handover import (
        AirbyteHandOverError,
        HandOverPlan,
        build_airbyte_schedules_from_handover,
        hand_over_schedules,
        restore_schedules,
    )
    from airbyte_cloud_dagster.automation.schedules import (
        AirbyteScheduleWarning,
        build_airbyte_schedule,
        build_airbyte_schedules_from_airbyte,
    )
    from airbyte_cloud_dagster.automation.sensor import build_airbyte_sync_sensor
    from airbyte_cloud_dagster.components import AirbyteWorkspaceComponent
    from airbyte_cloud_dagster.ops import AirbyteSyncConfig, airbyte_sync_op
    from airbyte_cloud_dagster.resource import AirbyteCloudResource
    from airbyte_cloud_dagster.sync.body import sync_connections
    from airbyte_cloud_dagster.sync.failures import (
        AirbyteSyncFailed,
        AirbyteSyncLostTrack,
        AirbyteSyncTimedOut,
    )
    from airbyte_cloud_dagster.sync.following import SyncSettings
    from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
    from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions
    from airbyte_cloud_dagster.workspace.snapshot import (
        SNAPSHOT_VERSION,
        AirbyteSnapshotError,
        read_snapshot,
        write_snapshot,
    )
    from airbyte_cloud_dagster.workspace.specs import (
        AirbyteConnectionTableProps,
        AirbyteTranslator,
        DagsterAirbyteKeysTranslator,
    )

# Public name -> module that defines it (the same as the imports above; a test checks).
_EXPORTS: dict[str, str] = {
    # the resource and its client
    "AirbyteCloudResource": "airbyte_cloud_dagster.resource",
    "AirbyteClient": "airbyte_cloud_dagster.api",
    "SyncSettings": "airbyte_cloud_dagster.sync.following",
    # assets
    "load_airbyte_cloud_assets": "airbyte_cloud_dagster.assets.loader",
    "load_airbyte_asset_specs": "airbyte_cloud_dagster.assets.specs",
    "build_airbyte_assets": "airbyte_cloud_dagster.assets.loader",
    "airbyte_assets": "airbyte_cloud_dagster.assets.decorator",
    "sync_connections": "airbyte_cloud_dagster.sync.body",
    "airbyte_sync_op": "airbyte_cloud_dagster.ops",
    "AirbyteSyncConfig": "airbyte_cloud_dagster.ops",
    "AirbyteWorkspaceComponent": "airbyte_cloud_dagster.components",
    # the workspace and its specs
    "AirbyteTranslator": "airbyte_cloud_dagster.workspace.specs",
    "DagsterAirbyteKeysTranslator": "airbyte_cloud_dagster.workspace.specs",
    "AirbyteConnectionTableProps": "airbyte_cloud_dagster.workspace.specs",
    "AirbyteLoadOptions": "airbyte_cloud_dagster.workspace.options",
    "AirbyteWorkspaceData": "airbyte_cloud_dagster.workspace.data",
    "SNAPSHOT_VERSION": "airbyte_cloud_dagster.workspace.snapshot",
    "read_snapshot": "airbyte_cloud_dagster.workspace.snapshot",
    "write_snapshot": "airbyte_cloud_dagster.workspace.snapshot",
    # automation
    "build_airbyte_schedule": "airbyte_cloud_dagster.automation.schedules",
    "build_airbyte_schedules_from_airbyte": "airbyte_cloud_dagster.automation.schedules",
    "AirbyteScheduleWarning": "airbyte_cloud_dagster.automation.schedules",
    "build_airbyte_sync_sensor": "airbyte_cloud_dagster.automation.sensor",
    "build_airbyte_sync_checks": "airbyte_cloud_dagster.automation.checks",
    "with_airbyte_freshness": "airbyte_cloud_dagster.automation.freshness",
    "AirbyteFreshnessWarning": "airbyte_cloud_dagster.automation.freshness",
    "hand_over_schedules": "airbyte_cloud_dagster.automation.handover",
    "restore_schedules": "airbyte_cloud_dagster.automation.handover",
    "build_airbyte_schedules_from_handover": "airbyte_cloud_dagster.automation.handover",
    "HandOverPlan": "airbyte_cloud_dagster.automation.handover",
    "AirbyteHandOverError": "airbyte_cloud_dagster.automation.handover",
    # what a user catches
    "AirbyteError": "airbyte_cloud_dagster.api",
    "AirbyteJobFailed": "airbyte_cloud_dagster.api",
    "AirbyteTimeout": "airbyte_cloud_dagster.api",
    "AirbyteSyncFailed": "airbyte_cloud_dagster.sync.failures",
    "AirbyteSyncTimedOut": "airbyte_cloud_dagster.sync.failures",
    "AirbyteSyncLostTrack": "airbyte_cloud_dagster.sync.failures",
    "AirbyteSnapshotError": "airbyte_cloud_dagster.workspace.snapshot",
}

__all__ = [
    "SNAPSHOT_VERSION",
    "AirbyteClient",
    "AirbyteCloudResource",
    "AirbyteConnectionTableProps",
    "AirbyteError",
    "AirbyteFreshnessWarning",
    "AirbyteHandOverError",
    "AirbyteJobFailed",
    "AirbyteLoadOptions",
    "AirbyteScheduleWarning",
    "AirbyteSnapshotError",
    "AirbyteSyncConfig",
    "AirbyteSyncFailed",
    "AirbyteSyncLostTrack",
    "AirbyteSyncTimedOut",
    "AirbyteTimeout",
    "AirbyteTranslator",
    "AirbyteWorkspaceComponent",
    "AirbyteWorkspaceData",
    "DagsterAirbyteKeysTranslator",
    "HandOverPlan",
    "SyncSettings",
    "__version__",
    "airbyte_assets",
    "airbyte_sync_op",
    "build_airbyte_assets",
    "build_airbyte_schedule",
    "build_airbyte_schedules_from_airbyte",
    "build_airbyte_schedules_from_handover",
    "build_airbyte_sync_checks",
    "build_airbyte_sync_sensor",
    "hand_over_schedules",
    "load_airbyte_asset_specs",
    "load_airbyte_cloud_assets",
    "read_snapshot",
    "restore_schedules",
    "sync_connections",
    "with_airbyte_freshness",
    "write_snapshot",
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'airbyte_cloud_dagster' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name), name)
