"""The op names a connection's tables at run time, as the loaders named them when the code
location loaded: a destination that fails to answer for a moment is read again, and tables it
cannot name are not recorded under other keys (found by the soak: the sync sensor then recorded
the op's sync a second time, under the code location's keys)."""

from __future__ import annotations

import dagster as dg
import pytest

from airbyte_cloud_dagster import airbyte_sync_op, ops

from ..helpers import STRIPE, sandbox_jobs, sandbox_resource

STRIPE_KEYS = {"raw/stripe_charges", "raw/stripe_customers", "raw/stripe_balance_transactions"}


def _run_op(airbyte_sandbox, instance=None) -> tuple[dg.ExecuteInProcessResult, str]:
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.2)
    airbyte = sandbox_resource(airbyte_sandbox, max_retries=0)

    @dg.job(resource_defs={"airbyte": airbyte})
    def sync_stripe():
        airbyte_sync_op()

    result = sync_stripe.execute_in_process(
        run_config={"ops": {"airbyte_sync_op": {"config": {"connection_id": stripe_id}}}},
        instance=instance,
    )
    return result, stripe_id


def _recorded(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_a_destination_that_fails_for_a_moment_is_read_again_and_the_keys_are_the_loaders(
    airbyte_sandbox,
):
    airbyte_sandbox.faults.fail("/destinations/*", 503, times=2, method="GET")

    result, _ = _run_op(airbyte_sandbox)

    assert result.success
    assert _recorded(result) == STRIPE_KEYS  # the destination's schema, "raw", is in them


def test_a_destination_that_never_answers_syncs_and_records_nothing_under_other_keys(
    airbyte_sandbox, instance, monkeypatch
):
    monkeypatch.setattr(ops, "NAMING_WINDOW_SECONDS", 1.0)
    airbyte_sandbox.faults.fail("/destinations/*", 503, times=None, method="GET")

    result, stripe_id = _run_op(airbyte_sandbox, instance)

    assert result.success
    assert result.output_for_node("airbyte_sync_op").succeeded
    assert [job["status"] for job in sandbox_jobs(airbyte_sandbox, stripe_id)] == ["succeeded"]
    assert _recorded(result) == set()
    said = " ".join(entry.user_message for entry in instance.all_logs(result.run_id))
    assert "cannot name its tables as the code location does" in said


@pytest.mark.parametrize("status", [404, 403])
def test_a_destination_refused_for_good_names_the_tables_as_the_loaders_do_without_it(
    airbyte_sandbox, status
):
    # The code location's load meets the same refusal, so its keys lack the schema too.
    airbyte_sandbox.faults.fail("/destinations/*", status, times=None, method="GET")

    result, _ = _run_op(airbyte_sandbox)

    assert result.success
    assert _recorded(result) == {key.removeprefix("raw/") for key in STRIPE_KEYS}
