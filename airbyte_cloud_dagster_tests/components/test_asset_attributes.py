"""The component's ``translation`` takes Dagster's fourteen asset attributes, and ``key_scheme``
(in the YAML and from ``dg scaffold``).

The YAML is Dagster's own ``AssetAttributesModel``; templates see ``props`` (the stream) and
``spec`` (the default spec) beside Dagster's ``dg`` and ``datetime``.
"""

from __future__ import annotations

import textwrap
from datetime import timedelta

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteWorkspaceData
from airbyte_cloud_dagster.components.scaffolder import AirbyteScaffoldParams, scaffold_attributes
from airbyte_cloud_dagster.components.translation import resolve_translation
from airbyte_cloud_dagster.workspace.specs import AirbyteTranslator

from ..helpers import STRIPE
from .project import error_chain, sandbox_workspace

UPSTREAM = dg.AssetKey(["app_db", "replica_ready"])
ONE_DAY = "{{ dg.FreshnessPolicy.time_window(datetime.timedelta(days=1)) }}"
STRIPE_KEYS = {"stripe_charges", "stripe_customers", "stripe_balance_transactions"}


def airbyte_assets_of(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    return [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition) and a.specs]


@pytest.mark.slow
def test_dagster_attributes_in_yaml_reach_the_specs_and_the_tables_still_sync(
    airbyte_sandbox, make_project
):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "connection_selector": {"by_name": [STRIPE]},
            "key_scheme": "dagster_airbyte",
            "translation": {
                "deps": ["app_db/replica_ready"],
                "automation_condition": "{{ dg.AutomationCondition.eager() }}",
                "freshness_policy": (
                    "{{ dg.FreshnessPolicy.time_window(fail_window=datetime.timedelta(hours=26)) }}"
                ),
                "code_version": "{{ props.connection.schedule.schedule_type }}",
                "owners": ["team:finance"],
            },
        }
    )
    (project.defs_dir / "upstream.py").write_text(
        textwrap.dedent(
            """\
            import dagster as dg

            @dg.asset(key=["app_db", "replica_ready"])
            def replica_ready() -> None:
                return None
            """
        )
    )
    project.refresh_state()
    defs = project.load()
    (stripe,) = [a for a in airbyte_assets_of(defs) if UPSTREAM not in a.keys]

    assert {key.to_user_string() for key in stripe.keys} == STRIPE_KEYS
    for spec in stripe.specs:
        assert [dep.asset_key for dep in spec.deps] == [UPSTREAM]
        assert spec.automation_condition == dg.AutomationCondition.eager()
        assert spec.freshness_policy == dg.FreshnessPolicy.time_window(
            fail_window=timedelta(hours=26)
        )
        assert spec.code_version == "basic"  # Stripe runs every 24 hours in Airbyte
        assert spec.owners == ["team:finance"]
        assert spec.group_name == "default" and spec.skippable  # dagster-airbyte's group
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("stripe_charges")).parent_keys == {UPSTREAM}

    result = dg.materialize(
        list(defs.assets or []), resources=defs.resources, instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == {UPSTREAM, *stripe.keys}
    assert airbyte_sandbox.jobs_created(airbyte_sandbox.connection_id(STRIPE)) == 1


@pytest.fixture
def stripe_props(airbyte):
    data = AirbyteWorkspaceData.fetch(airbyte.get_client())
    (stripe,) = [c for c in data.connections if c.name == STRIPE]
    return list(data.stream_props(stripe))


def translate(attributes: dict, props) -> list[dg.AssetSpec]:
    """The specs ``translation: attributes`` gives the Stripe tables."""
    model = dg.AssetAttributesModel.model_validate(attributes)
    translation = resolve_translation(dg.ResolutionContext.default(), model)
    translator = AirbyteTranslator()
    return [translation(translator.get_asset_spec(p), p) for p in props]


def test_partitions_kinds_tags_and_keys_follow_dagsters_meaning(stripe_props):
    specs = translate(
        {
            "partitions_def": {"type": "static", "partition_keys": ["eu", "us"]},
            "key_prefix": ["lake", "{{ props.destination.destination_type }}"],
            "kinds": ["airbyte", "snowflake"],
            "tags": {"tier": 1},
            "metadata": {"owner_channel": "#data"},
            "description": "{{ spec.description }} Owned by finance.",
            "skippable": True,
        },
        stripe_props,
    )

    charges = next(s for s in specs if s.key.path[-1] == "stripe_charges")
    assert charges.key == dg.AssetKey(["lake", "postgres", "raw", "stripe_charges"])
    assert charges.partitions_def == dg.StaticPartitionsDefinition(["eu", "us"])
    assert charges.kinds == {"airbyte", "snowflake"}  # replaced
    assert charges.tags["tier"] == "1" and charges.tags["airbyte/team_finance"] == ""  # merged
    assert charges.metadata["owner_channel"] == "#data"
    assert "airbyte/connection_id" in charges.metadata  # merged, not replaced
    assert charges.description.endswith(
        "landing in analytics.raw.stripe_charges. Owned by finance."
    )


def test_a_template_that_names_no_stream_is_rendered_once():
    model = dg.AssetAttributesModel.model_validate(
        {"automation_condition": "{{ dg.AutomationCondition.on_cron('0 6 * * *') }}"}
    )
    translation = resolve_translation(dg.ResolutionContext.default(), model)

    assert not translation.templated  # resolved when the YAML loads, not per stream
    assert translation.constant["automation_condition"] == dg.AutomationCondition.on_cron(
        "0 6 * * *"
    )


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"skippable": False}, "translation.skippable must be true"),
        (
            {"automation_condition": "eager"},
            "translation.automation_condition must be a template giving a dg.AutomationCondition",
        ),
        (
            {"freshness_policy": "{{ props.stream.name }}"},
            "translation.freshness_policy must be a template giving a dg.FreshnessPolicy",
        ),
    ],
)
def test_a_value_dagster_cannot_use_is_named(stripe_props, attributes, message):
    with pytest.raises(Exception) as raised:
        translate(attributes, stripe_props)

    assert message in error_chain(raised.value)


def test_two_sources_of_freshness_are_refused(airbyte_sandbox, make_project):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "freshness": {"from_airbyte_schedule": True, "grace_minutes": 30},
            "translation": {"freshness_policy": ONE_DAY},
        }
    )

    with pytest.raises(Exception) as raised:
        project.load()

    assert "Both translation.freshness_policy and freshness.from_airbyte_schedule" in (
        error_chain(raised.value)
    )


def test_the_scaffolder_writes_the_key_scheme_asked_for():
    attributes = scaffold_attributes(AirbyteScaffoldParams(key_scheme="dagster_airbyte"))

    assert attributes["key_scheme"] == "dagster_airbyte"
    assert "key_scheme" not in scaffold_attributes(AirbyteScaffoldParams())
