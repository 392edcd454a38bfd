"""The package's public face: the names it exports, and the specs-only entry point with a body
of the user's own, which calls the one sync body like every asset the package builds."""

import ast
import importlib
import inspect
from pathlib import Path

import dagster as dg

import airbyte_cloud_dagster
from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    AirbyteSyncFailed,
    AirbyteSyncLostTrack,
    AirbyteSyncTimedOut,
    load_airbyte_asset_specs,
)
from airbyte_cloud_dagster.api import AirbyteJobFailed, AirbyteTimeout

from .helpers import STRIPE, STRIPE_TABLES, sandbox_jobs

PACKAGE_INIT = Path(airbyte_cloud_dagster.__file__)


def test_type_checkers_see_every_exported_name_where_it_is_defined():
    """The lazy table and the explicit imports under TYPE_CHECKING name the same modules."""
    tree = ast.parse(PACKAGE_INIT.read_text())
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                typed.update({alias.name: str(statement.module) for alias in statement.names})

    assert typed == airbyte_cloud_dagster._EXPORTS
    assert sorted(airbyte_cloud_dagster.__all__) == sorted(["__version__", *typed])
    for name, module_name in typed.items():
        exported = getattr(airbyte_cloud_dagster, name)
        assert exported is getattr(importlib.import_module(module_name), name), name
        if inspect.isclass(exported) or inspect.isfunction(exported):
            # Defined in that module, or in a module of that package (``api``, ``handover``).
            defined_in = exported.__module__
            assert defined_in == module_name or defined_in.startswith(f"{module_name}."), name


def test_the_failure_types_users_catch_are_dagster_failures_and_client_errors():
    assert issubclass(AirbyteSyncFailed, AirbyteJobFailed)
    assert issubclass(AirbyteSyncTimedOut, AirbyteTimeout)
    for failure in (AirbyteSyncFailed, AirbyteSyncTimedOut, AirbyteSyncLostTrack):
        assert issubclass(failure, dg.Failure)
        assert issubclass(failure, airbyte_cloud_dagster.AirbyteError)


def test_specs_alone_with_a_body_of_my_own_sync_each_connection_once(airbyte, airbyte_sandbox):
    """dagster-airbyte users' habit: the specs, their own @multi_asset, the resource's body."""
    specs = load_airbyte_asset_specs(airbyte=airbyte)
    stripe = [spec for spec in specs if spec.metadata["airbyte/connection_name"] == STRIPE]
    before = []

    @dg.multi_asset(specs=stripe, can_subset=True, name="my_stripe_sync")
    def my_stripe_sync(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
        before.append(context.selected_asset_keys)
        yield from airbyte.sync_and_poll(context)

    result = dg.materialize([my_stripe_sync], resources={"airbyte": airbyte})

    assert result.success
    assert len(before) == 1
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert materialized == STRIPE_TABLES
    connection_id = str(stripe[0].metadata["airbyte/connection_id"])
    assert [job["status"] for job in sandbox_jobs(airbyte_sandbox, connection_id)] == ["succeeded"]
    assert all(spec.skippable for spec in specs)
    assert {spec.key.to_user_string() for spec in specs} >= STRIPE_TABLES
