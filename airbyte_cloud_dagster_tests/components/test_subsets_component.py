"""The component's assets in a job upstream of one table (issue 16), per connection and in one
step: the job builds, syncs the connection once, records every table it refreshed, and the sync
sensor adds nothing after it."""

import dagster as dg
import pytest

from airbyte_cloud_dagster import build_airbyte_sync_sensor

from ..helpers import APP_POSTGRES, S3_FILES, STRIPE, STRIPE_TABLES, checks, evaluate, sandbox_jobs
from .project import sandbox_workspace

CHARGES = dg.AssetKey(["raw", "stripe_charges"])


@dg.asset(deps=[CHARGES])
def revenue() -> None:
    """A model built on one Airbyte table, as a dbt model is."""


@pytest.mark.slow  # dg refreshes the component's state in-process (about a second)
@pytest.mark.parametrize("execution", ["per_connection", "one_step"])
def test_a_job_upstream_of_one_component_table_syncs_once_and_records_every_table(
    airbyte_sandbox, make_project, instance, execution
):
    ids = {name: airbyte_sandbox.connection_id(name) for name in (STRIPE, APP_POSTGRES, S3_FILES)}
    for connection_id in ids.values():
        airbyte_sandbox.configure_connection(connection_id, duration=0.1)
    project = make_project(
        {"workspace": sandbox_workspace(airbyte_sandbox), "execution": execution}
    )
    project.refresh_state()
    component_defs = project.load()
    job = dg.define_asset_job("revenue_and_upstream", dg.AssetSelection.assets(revenue).upstream())
    defs = dg.Definitions.merge(component_defs, dg.Definitions(assets=[revenue], jobs=[job]))

    result = defs.resolve_job_def(job.name).execute_in_process(instance=instance)

    assert result.success  # no DagsterInvalidSubsetError
    assert {name: airbyte_sandbox.jobs_created(cid) for name, cid in ids.items()} == {
        STRIPE: 1,
        APP_POSTGRES: 0,
        S3_FILES: 0,
    }
    (job_seen,) = sandbox_jobs(airbyte_sandbox, ids[STRIPE])
    recorded = {
        event.asset_key.to_user_string(): event.materialization
        for event in result.get_asset_materialization_events()
    }
    assert set(recorded) == STRIPE_TABLES | {"revenue"}
    for table in STRIPE_TABLES:
        metadata = recorded[table].metadata
        assert metadata["airbyte/job_id"].value == str(job_seen["jobId"])
        assert metadata["airbyte/selected"].value is (table == "raw/stripe_charges")
    assert "without being selected" in (recorded["raw/stripe_customers"].description or "")

    assets = [
        a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition) and a is not revenue
    ]
    sensor = build_airbyte_sync_sensor(assets)
    airbyte = defs.resources["airbyte"]
    first = evaluate(sensor, airbyte, instance)
    assert [e for e in first.asset_events if not isinstance(e, dg.AssetCheckEvaluation)] == []
    assert checks(first) == dict.fromkeys(STRIPE_TABLES, True)
    assert evaluate(sensor, airbyte, instance, cursor=first.cursor).asset_events == []
