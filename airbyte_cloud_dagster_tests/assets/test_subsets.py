"""Selecting some tables of a connection (issue 16): a job upstream of a dbt-like model builds,
syncs the connection once, and records every table the sync refreshed, saying which were
selected; the sync sensor then records nothing twice."""

# No `from __future__ import annotations`: Dagster reads the decorated body's annotations.
import dagster as dg

from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    airbyte_assets,
    build_airbyte_sync_checks,
    build_airbyte_sync_sensor,
    load_airbyte_cloud_assets,
)

from ..helpers import (
    ACTIVE,
    APP_POSTGRES,
    S3_FILES,
    STRIPE,
    STRIPE_TABLES,
    checks,
    evaluate,
    sandbox_jobs,
)

CHARGES = "raw/stripe_charges"
CUSTOMERS = "raw/stripe_customers"
BALANCE = "raw/stripe_balance_transactions"
INVOICE_LINES = "app_billing/invoice_line_items"
APP_TABLES = {"app_public/customers", "app_billing/customers", "app_public/orders", INVOICE_LINES}


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey.from_user_string(name)


def _downstream(*tables: str) -> dg.AssetsDefinition:
    """A model built on ``tables``, as a dbt model on Airbyte tables is."""

    @dg.asset(name="revenue", deps=[_key(table) for table in tables])
    def _revenue() -> None:
        return None

    return _revenue


def _run_upstream_of(
    assets: list[dg.AssetsDefinition],
    downstream: dg.AssetsDefinition,
    airbyte: AirbyteCloudResource,
    instance: dg.DagsterInstance,
    *,
    asset_checks: list[dg.AssetChecksDefinition] | None = None,
) -> dg.ExecuteInProcessResult:
    """The job users write: the model and everything upstream of it."""
    job = dg.define_asset_job(
        "revenue_and_upstream", selection=dg.AssetSelection.assets(downstream).upstream()
    )
    defs = dg.Definitions(
        assets=[*assets, downstream],
        asset_checks=asset_checks,
        jobs=[job],
        resources={"airbyte": airbyte},
    )
    return defs.resolve_job_def(job.name).execute_in_process(instance=instance)


def _quick_syncs(sandbox) -> dict[str, str]:
    ids = {name: sandbox.connection_id(name) for name in ACTIVE}
    for connection_id in ids.values():
        sandbox.configure_connection(connection_id, duration=0.1)
    return ids


def _jobs_created(sandbox, ids: dict[str, str]) -> dict[str, int]:
    return {name: sandbox.jobs_created(connection_id) for name, connection_id in ids.items()}


def _recorded(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """Each table the run materialized: its metadata values, and its description."""
    recorded: dict[str, dict] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        assert event.asset_key.to_user_string() not in recorded  # once per table
        recorded[event.asset_key.to_user_string()] = {
            **{
                key: getattr(value, "value", value)
                for key, value in materialization.metadata.items()
            },
            "description": materialization.description,
        }
    return recorded


def _started(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Table -> the job its job-started observation names."""
    return {
        event.asset_key.to_user_string(): event.asset_observation_data.asset_observation.metadata[
            "airbyte/job_id"
        ].value
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    }


def _assert_not_selected(table: dict, job_id: int, *selected: str) -> None:
    assert table["airbyte/selected"] is False
    assert table["airbyte/job_id"] == str(job_id)
    assert table["airbyte/job_status"] == "succeeded"
    assert f"job {job_id} without being selected" in table["description"]
    assert all(name in table["description"] for name in selected)


def _assert_sensor_adds_nothing(
    assets: list[dg.AssetsDefinition],
    airbyte: AirbyteCloudResource,
    instance: dg.DagsterInstance,
    tables: set[str],
) -> None:
    """The sync sensor, ticking after the run: no materialization again, the sync check once
    per table of the synced connections, and nothing on the next tick."""
    sensor = build_airbyte_sync_sensor(assets)
    first = evaluate(sensor, airbyte, instance)
    again = evaluate(sensor, airbyte, instance, cursor=first.cursor)

    assert [e for e in first.asset_events if not isinstance(e, dg.AssetCheckEvaluation)] == []
    assert checks(first) == dict.fromkeys(tables, True)
    assert again.asset_events == []


# --------------------------------------------------------------------- per connection


def test_a_job_upstream_of_one_table_syncs_the_connection_once_and_records_every_table(
    airbyte, airbyte_sandbox, instance
):
    ids = _quick_syncs(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte)

    result = _run_upstream_of(assets, _downstream(CHARGES), airbyte, instance)

    assert result.success  # no DagsterInvalidSubsetError
    assert _jobs_created(airbyte_sandbox, ids) == {STRIPE: 1, APP_POSTGRES: 0, S3_FILES: 0}
    (job,) = sandbox_jobs(airbyte_sandbox, ids[STRIPE])
    recorded = _recorded(result)
    assert set(recorded) == STRIPE_TABLES | {"revenue"}
    assert recorded[CHARGES]["airbyte/selected"] is True
    assert recorded[CHARGES]["airbyte/job_id"] == str(job["jobId"])
    assert recorded[CHARGES]["description"] is None
    for table in (CUSTOMERS, BALANCE):
        _assert_not_selected(recorded[table], job["jobId"], CHARGES)
        # The job's figures, and the table's own where the Config API gives them.
        assert recorded[table]["airbyte/connection_rows_synced"] == job["rowsSynced"] > 0
        assert "airbyte/stream_rows_synced" in recorded[table]
    # Every table's latest materialization is this run's: none looks older than it is.
    for table in STRIPE_TABLES:
        latest = instance.get_latest_materialization_event(_key(table))
        assert latest is not None and latest.run_id == result.run_id
    assert _started(result) == dict.fromkeys(STRIPE_TABLES, str(job["jobId"]))
    assert result.get_asset_check_evaluations() == []
    _assert_sensor_adds_nothing(assets, airbyte, instance, STRIPE_TABLES)


def test_two_of_three_tables_selected_name_each_other_on_the_third(
    airbyte, airbyte_sandbox, instance
):
    ids = _quick_syncs(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte)

    result = _run_upstream_of(assets, _downstream(CHARGES, BALANCE), airbyte, instance)

    assert result.success
    assert _jobs_created(airbyte_sandbox, ids) == {STRIPE: 1, APP_POSTGRES: 0, S3_FILES: 0}
    (job,) = sandbox_jobs(airbyte_sandbox, ids[STRIPE])
    recorded = _recorded(result)
    assert {recorded[t]["airbyte/selected"] for t in (CHARGES, BALANCE)} == {True}
    _assert_not_selected(recorded[CUSTOMERS], job["jobId"], CHARGES, BALANCE)


def test_tables_of_two_connections_sync_each_connection_once(airbyte, airbyte_sandbox, instance):
    ids = _quick_syncs(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte)

    result = _run_upstream_of(assets, _downstream(CHARGES, INVOICE_LINES), airbyte, instance)

    assert result.success
    assert _jobs_created(airbyte_sandbox, ids) == {STRIPE: 1, APP_POSTGRES: 1, S3_FILES: 0}
    recorded = _recorded(result)
    assert set(recorded) == STRIPE_TABLES | APP_TABLES | {"revenue"}
    (app_job,) = sandbox_jobs(airbyte_sandbox, ids[APP_POSTGRES])
    _assert_not_selected(recorded["app_public/orders"], app_job["jobId"], INVOICE_LINES)
    assert recorded[INVOICE_LINES]["airbyte/selected"] is True
    _assert_sensor_adds_nothing(assets, airbyte, instance, STRIPE_TABLES | APP_TABLES)


# --------------------------------------------------------------------- one step


def test_one_step_records_the_whole_connection_and_the_sensor_adds_nothing(
    airbyte, airbyte_sandbox, instance
):
    ids = _quick_syncs(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step")

    # Not the connection's first table, which the sensor reads what runs recorded on.
    result = _run_upstream_of(assets, _downstream(CUSTOMERS), airbyte, instance)

    assert result.success
    assert _jobs_created(airbyte_sandbox, ids) == {STRIPE: 1, APP_POSTGRES: 0, S3_FILES: 0}
    (job,) = sandbox_jobs(airbyte_sandbox, ids[STRIPE])
    recorded = _recorded(result)
    assert set(recorded) == STRIPE_TABLES | {"revenue"}  # no other connection's table
    assert recorded[CUSTOMERS]["airbyte/selected"] is True
    _assert_not_selected(recorded[CHARGES], job["jobId"], CUSTOMERS)
    assert _started(result) == dict.fromkeys(STRIPE_TABLES, str(job["jobId"]))
    _assert_sensor_adds_nothing(assets, airbyte, instance, STRIPE_TABLES)


def test_one_step_with_tables_of_two_connections_syncs_each_once(
    airbyte, airbyte_sandbox, instance
):
    ids = _quick_syncs(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step")

    result = _run_upstream_of(
        assets, _downstream(CHARGES, BALANCE, INVOICE_LINES), airbyte, instance
    )

    assert result.success
    assert _jobs_created(airbyte_sandbox, ids) == {STRIPE: 1, APP_POSTGRES: 1, S3_FILES: 0}
    recorded = _recorded(result)
    assert set(recorded) == STRIPE_TABLES | APP_TABLES | {"revenue"}
    selected = {table for table, seen in recorded.items() if seen.get("airbyte/selected")}
    assert selected == {CHARGES, BALANCE, INVOICE_LINES}
    _assert_sensor_adds_nothing(assets, airbyte, instance, STRIPE_TABLES | APP_TABLES)


def test_a_decorated_body_calling_sync_and_poll_records_every_table(
    airbyte, airbyte_sandbox, instance
):
    _quick_syncs(airbyte_sandbox)

    @airbyte_assets(connection_id=airbyte_sandbox.connection_id(STRIPE), airbyte=airbyte)
    def stripe(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
        yield from airbyte.sync_and_poll(context)

    result = _run_upstream_of([stripe], _downstream(CHARGES), airbyte, instance)

    assert result.success
    assert set(_recorded(result)) == STRIPE_TABLES | {"revenue"}


def test_with_the_sync_checks_the_selected_table_is_checked_in_the_run(
    airbyte, airbyte_sandbox, instance
):
    _quick_syncs(airbyte_sandbox)
    assets = load_airbyte_cloud_assets(airbyte=airbyte)

    result = _run_upstream_of(
        assets,
        _downstream(CHARGES),
        airbyte,
        instance,
        asset_checks=build_airbyte_sync_checks(assets),
    )

    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.asset_key == _key(CHARGES) and evaluation.passed
