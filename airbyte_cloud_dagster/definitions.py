"""The example code location that ``workspace.yaml`` loads.

Every active Airbyte connection of the workspace becomes assets, one per destination table, and
a downstream Python asset reads one of those tables. ``make demo`` points it at the local
sandbox; point it at Airbyte Cloud by setting the same environment variables:

    AIRBYTE_API_URL        https://api.airbyte.com/v1 (default)
    AIRBYTE_CLIENT_ID      your application's client id
    AIRBYTE_CLIENT_SECRET  its secret
    AIRBYTE_WORKSPACE_ID   optional: only this workspace's connections
"""

import os
import sqlite3

import dagster as dg

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets

airbyte = AirbyteCloudResource(
    api_url=os.environ.get("AIRBYTE_API_URL", "https://api.airbyte.com/v1"),
    client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
    client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
    workspace_id=os.environ.get("AIRBYTE_WORKSPACE_ID") or None,
    # The sandbox's jobs take seconds; poll quickly so the demo feels live.
    poll_interval_max=float(os.environ.get("AIRBYTE_POLL_INTERVAL_MAX", "30")),
)

airbyte_tables = load_airbyte_cloud_assets(airbyte=airbyte)


@dg.asset(
    deps=[dg.AssetKey(["raw", "stripe_charges"])],
    kinds={"python", "sqlite"},
    group_name="analytics",
)
def stripe_revenue_by_currency(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Revenue per currency, read from the Stripe charges that Airbyte landed in the warehouse.

    Reads the sandbox's SQLite warehouse (``AIRBYTE_SANDBOX_WAREHOUSE``); against a real
    warehouse this would be a dbt model or a query through your warehouse's resource.
    """
    path = os.environ.get("AIRBYTE_SANDBOX_WAREHOUSE")
    if not path:
        raise dg.Failure("AIRBYTE_SANDBOX_WAREHOUSE is not set; run the demo with `make demo`.")
    with sqlite3.connect(path) as warehouse:
        rows = warehouse.execute(
            'SELECT currency, COUNT(*), SUM(amount) FROM "raw.stripe_charges" GROUP BY currency'
        ).fetchall()
    revenue = {currency: total for currency, _, total in rows}
    context.log.info(f"Revenue by currency: {revenue}")
    return dg.MaterializeResult(
        metadata={
            "charges": sum(count for _, count, _ in rows),
            "currencies": len(rows),
            "revenue": dg.MetadataValue.json(revenue),
        }
    )


sync_all_airbyte = dg.define_asset_job(
    "sync_all_airbyte_connections",
    selection=dg.AssetSelection.kind("airbyte"),
    description="Sync every Airbyte connection, each as one step.",
)

defs = dg.Definitions(
    assets=[*airbyte_tables, stripe_revenue_by_currency],
    jobs=[sync_all_airbyte],
    resources={"airbyte": airbyte},
)
