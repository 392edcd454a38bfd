"""The example code location that ``workspace.yaml`` loads.

Every active Airbyte connection of the workspace becomes assets, one per destination table;
downstream assets compute revenue from two of those tables, and an asset check compares the rows
landed with what Airbyte reported (stripe_analytics.py). ``make demo`` points it at the
local sandbox; point it at Airbyte Cloud by setting the same environment variables:

    AIRBYTE_API_URL        https://api.airbyte.com/v1 (default)
    AIRBYTE_CLIENT_ID      your application's client id
    AIRBYTE_CLIENT_SECRET  its secret
    AIRBYTE_WORKSPACE_ID   optional: only this workspace's connections
    AIRBYTE_SNAPSHOT_PATH  optional: a workspace snapshot to load from
                           (docs/large-workspaces.md)
"""

import os

import dagster as dg

from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    build_airbyte_schedules_from_airbyte,
    build_airbyte_sync_checks,
    build_airbyte_sync_sensor,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.demo.settings import require_airbyte_settings
from airbyte_cloud_dagster.demo.stripe_analytics import (
    build_rows_landed_check,
    stripe_revenue_by_currency,
    stripe_revenue_by_month,
)
from airbyte_cloud_dagster.resource import DEFAULT_API_URL

require_airbyte_settings()  # nothing set: one sentence saying what to set, not a stack of errors

airbyte = AirbyteCloudResource(
    api_url=os.environ.get("AIRBYTE_API_URL", DEFAULT_API_URL),
    client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
    client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
    workspace_id=os.environ.get("AIRBYTE_WORKSPACE_ID") or None,
    # The sandbox's jobs take seconds; poll quickly so the demo feels live.
    poll_interval_max=float(os.environ.get("AIRBYTE_POLL_INTERVAL_MAX", "30")),
)

# With AIRBYTE_SNAPSHOT_PATH set and the file there, loading (code server, run workers, step
# processes) makes no API call; write it with `python -m airbyte_cloud_dagster snapshot --out`.
airbyte_tables = load_airbyte_cloud_assets(
    airbyte=airbyte, snapshot_path=os.environ.get("AIRBYTE_SNAPSHOT_PATH") or None
)


sync_all_airbyte = dg.define_asset_job(
    "sync_all_airbyte_connections",
    selection=dg.AssetSelection.kind("airbyte"),
    description="Sync every Airbyte connection, each as one step.",
)

# Airbyte's own schedules, mirrored (stopped until you turn them on in the UI; then set the
# connections to manual in Airbyte so each sync runs once), and a sensor that records the syncs
# Airbyte runs by itself, so downstream assets follow every sync, whoever started it.
airbyte_schedules = build_airbyte_schedules_from_airbyte(airbyte_tables, on_unsupported="warn")
airbyte_sync_sensor = build_airbyte_sync_sensor(
    airbyte_tables, default_status=dg.DefaultSensorStatus.RUNNING
)
analytics = dg.map_asset_specs(
    lambda spec: spec.replace_attributes(automation_condition=dg.AutomationCondition.eager()),
    [stripe_revenue_by_currency, stripe_revenue_by_month],
)
# Evaluates those conditions from the start (Dagster's default automation sensor starts stopped).
analytics_automation = dg.AutomationConditionSensorDefinition(
    "analytics_automation",
    target=dg.AssetSelection.assets(*analytics),
    default_status=dg.DefaultSensorStatus.RUNNING,
)

defs = dg.Definitions(
    assets=[*airbyte_tables, *analytics],
    asset_checks=[
        *build_rows_landed_check(airbyte_tables),
        *build_airbyte_sync_checks(airbyte_tables),
    ],
    jobs=[sync_all_airbyte],
    schedules=airbyte_schedules,
    sensors=[airbyte_sync_sensor, analytics_automation],
    resources={"airbyte": airbyte},
)
