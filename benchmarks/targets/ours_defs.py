"""This package's assets for `dagster asset materialize` (execution style from BENCH_EXECUTION)."""

import os

import dagster as dg

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets

airbyte = AirbyteCloudResource(
    api_url=os.environ["AIRBYTE_API_URL"],
    client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
    client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
    workspace_id=os.environ["AIRBYTE_WORKSPACE_ID"],
)
defs = dg.Definitions(
    assets=load_airbyte_cloud_assets(airbyte=airbyte, execution=os.environ["BENCH_EXECUTION"]),
    resources={"airbyte": airbyte},
)
