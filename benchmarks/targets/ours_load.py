"""Load this package's assets once; print what it took as JSON (see compare_dagster_airbyte.py)."""

import json
import os
import time

started = time.perf_counter()
from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets  # noqa: E402

imported = time.perf_counter()
airbyte = AirbyteCloudResource(
    api_url=os.environ["AIRBYTE_API_URL"],
    client_id=os.environ["AIRBYTE_CLIENT_ID"],
    client_secret=os.environ["AIRBYTE_CLIENT_SECRET"],
    workspace_id=os.environ["AIRBYTE_WORKSPACE_ID"],
)
assets = load_airbyte_cloud_assets(
    airbyte=airbyte,
    snapshot_path=os.environ.get("BENCH_SNAPSHOT") or None,
    max_concurrent_requests=int(os.environ.get("BENCH_MAX_CONCURRENT", "16")),  # our default
)
loaded = time.perf_counter()
keys = sum(len(a.keys) for a in assets)
print(json.dumps({"import_s": imported - started, "load_s": loaded - imported, "assets": keys}))
