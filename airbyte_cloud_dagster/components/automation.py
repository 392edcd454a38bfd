"""What the component adds around its assets: freshness policies, mirrored schedules, and (with
``wait_mode: sensor``) the sync sensor and its checks. The same builders the Python API offers
(``automation/``), from the component's YAML blocks.

Example::

    defs = definitions_with_automation(assets, workspace=..., schedules=..., freshness=...,
                                       resource_key="airbyte")
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from airbyte_cloud_dagster.automation.checks import build_airbyte_sync_checks
from airbyte_cloud_dagster.automation.freshness import with_airbyte_freshness
from airbyte_cloud_dagster.automation.schedules import build_airbyte_schedules_from_airbyte
from airbyte_cloud_dagster.automation.sensor import build_airbyte_sync_sensor
from airbyte_cloud_dagster.components.models import AirbyteFreshnessArgs, AirbyteScheduleArgs
from airbyte_cloud_dagster.resource import AirbyteCloudResource


def definitions_with_automation(
    assets: Sequence[dg.AssetsDefinition],
    *,
    workspace: AirbyteCloudResource,
    schedules: AirbyteScheduleArgs,
    freshness: AirbyteFreshnessArgs,
    resource_key: str,
) -> dg.Definitions:
    """The component's definitions: the assets (with freshness policies when asked), the
    resource, and the schedules, sensor and checks its YAML asks for."""
    assets = list(assets)
    if freshness.from_airbyte_schedule:
        assets = with_airbyte_freshness(
            assets, grace=freshness.grace, on_unsupported=freshness.on_unsupported
        )
    mirrored: list[dg.ScheduleDefinition] = []
    sensors: list[dg.SensorDefinition] = []
    checks: list[dg.AssetChecksDefinition] = []
    # Schedules and checks are made per connection, over either execution style.
    if schedules.mirror_airbyte:
        mirrored = build_airbyte_schedules_from_airbyte(
            assets,
            on_unsupported=schedules.on_unsupported,
            default_status=dg.DefaultScheduleStatus[schedules.default_status],
        )
    if workspace.wait_mode == "sensor" and assets:
        sensors = [
            build_airbyte_sync_sensor(
                assets,
                name=f"{resource_key}_sync_sensor",
                resource_key=resource_key,
                # The user chose to have the sensor record the syncs: it must run.
                default_status=dg.DefaultSensorStatus.RUNNING,
            )
        ]
        checks = build_airbyte_sync_checks(assets, resource_key=resource_key)
    return dg.Definitions(
        assets=assets,
        resources={resource_key: workspace},
        schedules=mirrored,
        sensors=sensors,
        asset_checks=checks,
    )
