"""dagster-airbyte's assets for `dagster asset materialize`, as its documentation builds them."""

import os

import dagster as dg
from dagster_airbyte import AirbyteWorkspace, build_airbyte_assets_definitions

workspace = AirbyteWorkspace(
    rest_api_base_url=os.environ["AIRBYTE_API_URL"],
    configuration_api_base_url=os.environ["AIRBYTE_CONFIG_API_URL"],
    workspace_id=os.environ["AIRBYTE_WORKSPACE_ID"],
    client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
    client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
)
defs = dg.Definitions(
    assets=build_airbyte_assets_definitions(workspace=workspace),
    resources={"airbyte": workspace},
)
