"""The code location that ``benchmarks/no_worker.py`` runs ``dagster-daemon`` on.

Every connection of the sandbox the benchmark started (``AIRBYTE_*`` variables), and the sync
sensor, running from the start, ticking every ``BENCH_SENSOR_INTERVAL`` seconds.
"""

import os

import dagster as dg

from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    build_airbyte_sync_sensor,
    load_airbyte_cloud_assets,
)

airbyte = AirbyteCloudResource(
    api_url=os.environ["AIRBYTE_API_URL"],
    client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
    client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
)
assets = load_airbyte_cloud_assets(airbyte=airbyte, fetch_column_schema=False)
defs = dg.Definitions(
    assets=assets,
    sensors=[
        build_airbyte_sync_sensor(
            assets,
            minimum_interval_seconds=int(os.environ.get("BENCH_SENSOR_INTERVAL", "30")),
            default_status=dg.DefaultSensorStatus.RUNNING,
        )
    ],
    resources={"airbyte": airbyte},
)
