"""AirbyteWorkspaceComponent from a defs.yaml: the Python API's assets, from state, no request."""

from __future__ import annotations

import fnmatch
import logging

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteTranslator, load_airbyte_cloud_assets
from airbyte_cloud_dagster.workspace.specs import AirbyteConnectionTableProps

from ..helpers import APP_POSTGRES, HUBSPOT, S3_FILES, STRIPE, job_summary, sandbox_resource
from .project import error_chain, sandbox_workspace

# Dagster adds these to every component's assets: where the YAML is, which component made them.
FRAMEWORK_METADATA = {"dagster/code_references", "dagster/component_origin"}


def asset_view(assets) -> dict:
    """What a user sees of the assets, comparable with ==: steps and their tables' specs."""
    return {
        assets_def.op.name: [
            (
                spec.key,
                {k: v for k, v in spec.metadata.items() if k not in FRAMEWORK_METADATA},
                spec.kinds,
                spec.group_name,
                spec.tags,
                spec.owners,
                spec.description,
            )
            for spec in assets_def.specs
        ]
        for assets_def in assets
    }


def airbyte_assets_of(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    return [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]


class _PrefixedTranslator(AirbyteTranslator):
    """The Python equivalent of the YAML ``translation`` in the test below."""

    def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
        spec = super().get_asset_spec(props)
        return spec.replace_attributes(
            key=spec.key.with_prefix("airbyte"),
            group_name=f"ingest_{props.destination.name.lower()}",
            kinds={"airbyte", "sqlite"},
            owners=["team:data"],
        ).merge_attributes(tags={"source": props.connection.source_id[:8]})


@pytest.mark.slow
def test_defs_yaml_gives_the_same_assets_as_the_python_api(airbyte_sandbox, make_project):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "connection_selector": {"by_name_pattern": ["S* → Warehouse"]},
            "translation": {
                "key_prefix": "airbyte",
                "group_name": "ingest_{{ props.destination.name | lower }}",
                "kinds": ["airbyte", "sqlite"],
                "owners": ["team:data"],
                "tags": {"source": "{{ props.connection.source_id[:8] }}"},
            },
        }
    )
    project.refresh_state()

    from_yaml = airbyte_assets_of(project.load())

    python_api = load_airbyte_cloud_assets(
        airbyte=sandbox_resource(airbyte_sandbox),
        connection_filter=lambda c: fnmatch.fnmatchcase(c.name, "S* → Warehouse"),
        translator=_PrefixedTranslator(),
    )
    assert asset_view(from_yaml) == asset_view(python_api)
    assert {a.op.name for a in from_yaml} == {
        "airbyte_sync_stripe_warehouse",
        "airbyte_sync_s3_files_warehouse",
    }
    assert dg.AssetKey(["airbyte", "raw", "stripe_charges"]) in {
        key for a in from_yaml for key in a.keys
    }


@pytest.mark.slow
def test_refresh_then_load_makes_no_request_on_any_load(airbyte_sandbox, make_project):
    project = make_project({"workspace": sandbox_workspace(airbyte_sandbox)})
    before_refresh = len(airbyte_sandbox.requests)
    project.refresh_state()
    refresh_requests = len(airbyte_sandbox.requests) - before_refresh

    before_load = len(airbyte_sandbox.requests)
    defs = project.load()
    project.load()  # a reload: each load reads the state again

    assert len(airbyte_sandbox.requests) == before_load  # zero requests
    assert refresh_requests > 0
    names = {
        spec.metadata["airbyte/connection_name"]
        for a in airbyte_assets_of(defs)
        for spec in a.specs
    }
    assert names == {STRIPE, APP_POSTGRES, S3_FILES}  # every active connection; HubSpot is not


@pytest.mark.slow
def test_materializing_one_connection_syncs_it_once(airbyte_sandbox, make_project):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "connection_selector": {"by_name": [STRIPE, APP_POSTGRES]},
        }
    )
    project.refresh_state()
    defs = project.load()
    stripe = next(
        a for a in airbyte_assets_of(defs) if a.op.name == "airbyte_sync_stripe_warehouse"
    )

    result = dg.materialize(
        [stripe], resources=defs.resources, instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == set(stripe.keys)
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(APP_POSTGRES)) == 0


@pytest.mark.slow
def test_a_resync_from_the_run_config_clears_then_syncs(airbyte_sandbox, make_project):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "connection_selector": {"by_name": [STRIPE]},
        }
    )
    project.refresh_state()
    defs = project.load()
    (stripe,) = airbyte_assets_of(defs)

    result = dg.materialize(
        [stripe],
        resources=defs.resources,
        instance=dg.DagsterInstance.ephemeral(),
        run_config={"ops": {stripe.op.name: {"config": {"resync": True}}}},
    )

    assert result.success
    assert job_summary(airbyte_sandbox, STRIPE) == [("reset", "succeeded"), ("sync", "succeeded")]


@pytest.mark.slow
@pytest.mark.parametrize("execution", ["per_connection", "one_step"])
def test_a_subclass_overrides_the_sync_body_and_the_spec(airbyte_sandbox, make_project, execution):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "connection_selector": {"by_id": [airbyte_sandbox.connection_id(STRIPE)]},
            "execution": execution,
        },
        component_type="airbyte_cloud_dagster_tests.components.custom.AuditedAirbyteComponent",
    )
    project.refresh_state()
    defs = project.load()
    (stripe,) = airbyte_assets_of(defs)

    result = dg.materialize(
        [stripe], resources=defs.resources, instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    assert all(spec.owners == ["team:ingest"] for spec in stripe.specs)
    events = result.get_asset_materialization_events()
    assert {event.asset_key for event in events} == set(stripe.keys)
    assert all(event.materialization.metadata["audited"].value is True for event in events)


@pytest.mark.slow
def test_one_step_sensor_wait_and_mirrored_schedules(airbyte_sandbox, make_project):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox, wait_mode="sensor"),
            "execution": "one_step",
            "pool": "airbyte_syncs",
            "schedules": {"mirror_airbyte": True, "on_unsupported": "warn"},
        }
    )
    project.refresh_state()
    defs = project.load()

    (one_step,) = airbyte_assets_of(defs)
    assert one_step.op.name == "airbyte_sync_all" and one_step.can_subset
    assert one_step.op.pool == "airbyte_syncs"
    assert [s.name for s in defs.sensors or []] == ["airbyte_sync_sensor"]
    schedules = {s.name: s.cron_schedule for s in defs.schedules or []}
    # App Postgres runs on a cron and Stripe every 24 hours in Airbyte; S3 Files is manual.
    assert len(schedules) == 2
    assert defs.resources["airbyte"].wait_mode == "sensor"


def test_without_state_it_fetches_with_a_warning_or_fails(airbyte_sandbox, make_project, caplog):
    workspace = sandbox_workspace(airbyte_sandbox)
    fetching = make_project({"workspace": workspace})
    with caplog.at_level(logging.WARNING):
        defs = fetching.load()
    assert airbyte_assets_of(defs)
    assert "dg utils refresh-defs-state" in caplog.text

    failing = make_project({"workspace": workspace, "on_missing_snapshot": "fail"})
    with pytest.raises(Exception) as raised:
        failing.load()
    assert "No state has been written" in error_chain(raised.value)
    assert "dg utils refresh-defs-state" in error_chain(raised.value)


@pytest.mark.slow
def test_secrets_from_the_environment_stay_env_vars(airbyte_sandbox, make_project, monkeypatch):
    monkeypatch.setenv("TEST_AIRBYTE_CLIENT_SECRET", airbyte_sandbox.client_secret)
    workspace = sandbox_workspace(
        airbyte_sandbox, client_secret="{{ env.TEST_AIRBYTE_CLIENT_SECRET }}"
    )
    project = make_project({"workspace": workspace, "connection_selector": {"by_name": [HUBSPOT]}})

    with pytest.raises(AssertionError) as raised:
        project.refresh_state()  # HubSpot is inactive: by_name selects active connections
    assert "connection_selector.by_name names 'HubSpot → Warehouse'" in error_chain(raised.value)

    project.write({"workspace": workspace})
    project.refresh_state()
    resource = project.load().resources["airbyte"]
    assert resource.client_secret == dg.EnvVar("TEST_AIRBYTE_CLIENT_SECRET")


@pytest.mark.slow
def test_connections_selected_by_airbyte_tag_and_their_tags_on_the_tables(
    airbyte_sandbox, make_project
):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "connection_selector": {"by_tag": ["team:finance", "team:data-platform"]},
        }
    )
    project.refresh_state()

    specs = [spec for a in airbyte_assets_of(project.load()) for spec in a.specs]

    # Stripe carries team:finance, S3 Files team:data-platform; App Postgres neither.
    names = {spec.metadata["airbyte/connection_name"] for spec in specs}
    assert names == {STRIPE, S3_FILES}
    stripe = [spec for spec in specs if spec.metadata["airbyte/connection_name"] == STRIPE]
    assert all({"airbyte/team_finance", "airbyte/tier_1"} <= set(s.tags) for s in stripe)
