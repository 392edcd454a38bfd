"""Load dagster-airbyte's asset specs once and print what it took, as JSON.

Runs in the benchmark's own virtual environment, where dagster-airbyte is installed.
"""

import json
import os
import time

started = time.perf_counter()
from dagster_airbyte import AirbyteWorkspace, load_airbyte_asset_specs  # noqa: E402

imported = time.perf_counter()
workspace = AirbyteWorkspace(
    rest_api_base_url=os.environ["AIRBYTE_API_URL"],
    configuration_api_base_url=os.environ["AIRBYTE_CONFIG_API_URL"],
    workspace_id=os.environ["AIRBYTE_WORKSPACE_ID"],
    client_id=os.environ["AIRBYTE_CLIENT_ID"],
    client_secret=os.environ["AIRBYTE_CLIENT_SECRET"],
)
specs = load_airbyte_asset_specs(workspace)
loaded = time.perf_counter()
print(
    json.dumps({"import_s": imported - started, "load_s": loaded - imported, "assets": len(specs)})
)
