"""Handing Airbyte's schedules over to Dagster and back (automation/handover.py), over real HTTP
against the sandbox's demo workspace: App Postgres (Quartz cron, UTC), Stripe (basic),
S3 Files (manual) and HubSpot (inactive, so not loaded)."""

from __future__ import annotations

import json
import pathlib
import re
import uuid
from typing import Any

import dagster as dg
import pytest
import requests

from airbyte_cloud_dagster import (
    AirbyteCloudResource,
    build_airbyte_schedules_from_airbyte,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.api import AirbyteNotFound, ConnectionSchedule
from airbyte_cloud_dagster.automation.handover import (
    AirbyteHandOverError,
    build_airbyte_schedules_from_handover,
    hand_over_schedules,
    restore_schedules,
)
from airbyte_cloud_dagster.sandbox import Sandbox, ScheduleSeed, demo_workspace

from ..helpers import APP_POSTGRES, HUBSPOT, S3_FILES, STRIPE, patch_requests, sandbox_resource

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "airbyte_cloud_dagster"


@pytest.fixture
def record(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "handover.json"


def served(sandbox: Sandbox, name: str) -> dict[str, Any]:
    """A connection exactly as the API serves it (raw HTTP)."""
    response = requests.get(
        f"{sandbox.base_url}/connections/{sandbox.connection_id(name)}",
        headers={"Authorization": f"Bearer {sandbox.issue_token()}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def everything(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {name: served(sandbox, name) for name in (APP_POSTGRES, STRIPE, S3_FILES, HUBSPOT)}


def outcomes(plan) -> dict[str, str]:
    return {change.connection_name: change.outcome for change in plan.changes}


# --------------------------------------------------------------------------- hand-over


def test_a_dry_run_lists_the_mirrored_connections_and_changes_nothing(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    before = everything(airbyte_sandbox)

    plan = hand_over_schedules(
        airbyte, load_airbyte_cloud_assets(airbyte=airbyte), record_path=record
    )

    assert outcomes(plan) == {
        APP_POSTGRES: "would hand over",
        STRIPE: "would hand over",
        S3_FILES: "not mirrored",
    }
    assert not plan.applied and plan.changed == [] and len(plan.pending) == 2
    assert patch_requests(airbyte_sandbox) == []
    assert everything(airbyte_sandbox) == before
    assert not record.exists()
    text = str(plan)
    assert "Dagster's airbyte_sync_app_postgres_warehouse_schedule runs it (0 12 * * * UTC)" in text
    assert "restore by hand only: the public Airbyte API cannot set a basic schedule" in text
    assert text.splitlines()[-1].endswith("Nothing was changed.")


def test_apply_sets_exactly_the_mirrored_connections_to_manual_and_records_them(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    before = everything(airbyte_sandbox)

    plan = hand_over_schedules(
        airbyte, load_airbyte_cloud_assets(airbyte=airbyte), apply=True, record_path=record
    )

    after = everything(airbyte_sandbox)
    assert {c.connection_name for c in plan.changed} == {APP_POSTGRES, STRIPE}
    assert sorted(r.path for r in patch_requests(airbyte_sandbox)) == sorted(
        f"/v1/connections/{airbyte_sandbox.connection_id(name)}" for name in (APP_POSTGRES, STRIPE)
    )
    for name in (APP_POSTGRES, STRIPE):
        assert after[name]["schedule"] == {"scheduleType": "manual"}
        assert {**after[name], "schedule": None} == {**before[name], "schedule": None}
    assert after[S3_FILES] == before[S3_FILES] and after[HUBSPOT] == before[HUBSPOT]
    document = json.loads(record.read_text())
    assert document["version"] == 1 and document["api_url"] == airbyte_sandbox.base_url
    entries = document["connections"]
    assert {entries[cid]["name"]: entries[cid]["previous_schedule"] for cid in entries} == {
        APP_POSTGRES: before[APP_POSTGRES]["schedule"],
        STRIPE: before[STRIPE]["schedule"],
    }
    app_postgres = entries[airbyte_sandbox.connection_id(APP_POSTGRES)]
    assert app_postgres["dagster_schedule"] == "airbyte_sync_app_postgres_warehouse_schedule"
    assert app_postgres["handed_over_at"].endswith("+00:00")


def test_a_second_hand_over_changes_nothing_and_keeps_the_record(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    hand_over_schedules(airbyte, apply=True, record_path=record)
    written = record.read_text()

    again = hand_over_schedules(airbyte, apply=True, record_path=record)

    assert outcomes(again) == {
        APP_POSTGRES: "already manual",
        STRIPE: "already manual",
        S3_FILES: "not mirrored",
    }
    assert len(patch_requests(airbyte_sandbox)) == 2  # the first hand-over's
    assert record.read_text() == written


def test_connection_ids_choose_the_connections(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    app_postgres = airbyte_sandbox.connection_id(APP_POSTGRES)

    plan = hand_over_schedules(airbyte, [app_postgres], apply=True, record_path=record)

    assert outcomes(plan) == {APP_POSTGRES: "handed over"}
    assert [r.path for r in patch_requests(airbyte_sandbox)] == [f"/v1/connections/{app_postgres}"]
    assert served(airbyte_sandbox, STRIPE)["schedule"]["scheduleType"] == "basic"


def test_an_unknown_connection_is_an_error_before_any_change(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    unknown = str(uuid.uuid4())

    with pytest.raises(AirbyteNotFound, match=f"connection {unknown} was not found"):
        hand_over_schedules(
            airbyte,
            [airbyte_sandbox.connection_id(STRIPE), unknown],
            apply=True,
            record_path=record,
        )

    assert patch_requests(airbyte_sandbox) == [] and not record.exists()


def test_a_connection_changed_since_the_assets_were_loaded_is_skipped(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    assets = load_airbyte_cloud_assets(airbyte=airbyte)
    app_postgres = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte.get_client().patch_connection(
        app_postgres, schedule=ConnectionSchedule("cron", "0 0 18 * * ? UTC")
    )

    plan = hand_over_schedules(airbyte, assets, apply=True, record_path=record)

    change = next(c for c in plan.changes if c.connection_name == APP_POSTGRES)
    assert change.outcome == "skipped"
    assert "now runs it on cron '0 0 18 * * ? UTC'" in change.detail
    assert served(airbyte_sandbox, APP_POSTGRES)["schedule"]["cronExpression"] == "0 0 18 * * ? UTC"


def test_a_failed_patch_is_reported_and_not_recorded(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    app_postgres = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte_sandbox.faults.fail(f"/connections/{app_postgres}", 503, method="PATCH")

    plan = hand_over_schedules(airbyte, apply=True, record_path=record)

    assert outcomes(plan)[APP_POSTGRES] == "failed"
    assert outcomes(plan)[STRIPE] == "handed over"
    assert "503" in plan.failed[0].detail
    assert served(airbyte_sandbox, APP_POSTGRES)["schedule"]["scheduleType"] == "cron"
    assert list(json.loads(record.read_text())["connections"]) == [
        airbyte_sandbox.connection_id(STRIPE)
    ]


def test_a_lost_answer_is_checked_by_reading_the_connection_again(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    airbyte_sandbox.faults.drop("/connections/*", method="PATCH", times=2)

    plan = hand_over_schedules(airbyte, apply=True, record_path=record)

    assert outcomes(plan) == {
        APP_POSTGRES: "handed over",
        STRIPE: "handed over",
        S3_FILES: "not mirrored",
    }
    assert len(json.loads(record.read_text())["connections"]) == 2


def test_an_answer_that_did_not_apply_the_schedule_fails(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    # Airbyte answers 200 with the connection unchanged when it drops the schedule asked for
    # (a manual one without a cron expression): both PATCHes meet that answer.
    airbyte_sandbox.faults.ignore("/connections/*", method="PATCH", times=2)

    plan = hand_over_schedules(airbyte, apply=True, record_path=record)

    assert outcomes(plan)[APP_POSTGRES] == "failed"
    assert "Airbyte answered with cron '0 0 12 * * ? UTC', not manual" in str(plan)
    assert json.loads(record.read_text())["connections"] == {}


# --------------------------------------------------------------------------- restore


def test_restore_puts_back_exactly_what_was_there(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    before = everything(airbyte_sandbox)
    hand_over_schedules(airbyte, apply=True, record_path=record)
    handed_over = len(patch_requests(airbyte_sandbox))

    dry = restore_schedules(airbyte, record)
    assert len(patch_requests(airbyte_sandbox)) == handed_over
    plan = restore_schedules(airbyte, record, apply=True)

    assert outcomes(dry) == {APP_POSTGRES: "would restore", STRIPE: "restore by hand"}
    assert outcomes(plan) == {APP_POSTGRES: "restored", STRIPE: "restore by hand"}
    assert len(patch_requests(airbyte_sandbox)) == handed_over + 1
    assert served(airbyte_sandbox, APP_POSTGRES) == before[APP_POSTGRES]
    assert "turn off Dagster's airbyte_sync_app_postgres_warehouse_schedule" in str(plan)
    # The public API cannot set a basic schedule: Stripe stays manual and keeps its entry.
    stripe = next(c for c in plan.changes if c.connection_name == STRIPE)
    assert f"/connections/{airbyte_sandbox.connection_id(STRIPE)}" in stripe.detail
    assert served(airbyte_sandbox, STRIPE)["schedule"] == {"scheduleType": "manual"}
    entries = json.loads(record.read_text())["connections"]
    assert list(entries) == [airbyte_sandbox.connection_id(STRIPE)]


def test_restore_skips_a_connection_changed_since(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    hand_over_schedules(airbyte, apply=True, record_path=record)
    app_postgres = airbyte_sandbox.connection_id(APP_POSTGRES)
    airbyte.get_client().patch_connection(
        app_postgres, schedule=ConnectionSchedule("cron", "0 0 6 * * ? UTC")
    )
    changed = served(airbyte_sandbox, APP_POSTGRES)
    count = len(patch_requests(airbyte_sandbox))

    plan = restore_schedules(airbyte, record, apply=True)

    change = next(c for c in plan.changes if c.connection_name == APP_POSTGRES)
    assert change.outcome == "skipped"
    assert "changed since the hand-over" in change.detail and "'0 0 6 * * ? UTC'" in change.detail
    assert len(patch_requests(airbyte_sandbox)) == count
    assert served(airbyte_sandbox, APP_POSTGRES) == changed
    assert app_postgres in json.loads(record.read_text())["connections"]


def test_a_schedule_put_back_by_hand_leaves_the_record(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    hand_over_schedules(
        airbyte, [airbyte_sandbox.connection_id(APP_POSTGRES)], apply=True, record_path=record
    )
    airbyte.get_client().patch_connection(
        airbyte_sandbox.connection_id(APP_POSTGRES),
        schedule=ConnectionSchedule("cron", "0 0 12 * * ? UTC"),
    )

    plan = restore_schedules(airbyte, record, apply=True)

    assert outcomes(plan) == {APP_POSTGRES: "already restored"}
    assert json.loads(record.read_text())["connections"] == {}


def test_a_cron_outside_utc_is_handed_over_but_restored_by_hand(record: pathlib.Path) -> None:
    seed = demo_workspace()
    seed.connection_by_name(APP_POSTGRES).schedule = ScheduleSeed(
        "cron", cron_expression="0 0 9 ? * MON-FRI America/New_York"
    )
    with Sandbox(seed) as sandbox:
        airbyte = sandbox_resource(sandbox)
        app_postgres = sandbox.connection_id(APP_POSTGRES)

        handed = hand_over_schedules(airbyte, [app_postgres], apply=True, record_path=record)
        restored = restore_schedules(airbyte, record, apply=True)

        assert outcomes(handed) == {APP_POSTGRES: "handed over"}
        assert "(0 9 * * 1-5 America/New_York)" in str(handed)
        assert "sets cron schedules in UTC only" in str(handed)
        assert outcomes(restored) == {APP_POSTGRES: "restore by hand"}
        assert len(patch_requests(sandbox)) == 1


def test_restore_errors_are_one_sentence_and_change_nothing(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource, record: pathlib.Path
) -> None:
    with pytest.raises(AirbyteHandOverError, match=re.escape(f"no hand-over record at {record}")):
        restore_schedules(airbyte, record, apply=True)

    record.write_text("{not json")
    with pytest.raises(AirbyteHandOverError, match="cannot be read"):
        restore_schedules(airbyte, record, apply=True)
    with pytest.raises(AirbyteHandOverError, match="cannot be read"):
        hand_over_schedules(airbyte, apply=True, record_path=record)

    record.write_text(
        json.dumps({"version": 1, "api_url": "https://api.airbyte.com/v1", "connections": {}})
    )
    with pytest.raises(
        AirbyteHandOverError, match=re.escape("written for https://api.airbyte.com/v1")
    ):
        restore_schedules(airbyte, record, apply=True)

    assert patch_requests(airbyte_sandbox) == []


# --------------------------------------------------------------------------- definitions


@pytest.mark.parametrize("execution", ["per_connection", "one_step"])
def test_the_mirrored_schedules_survive_a_reload_through_the_record(
    airbyte: AirbyteCloudResource, record: pathlib.Path, execution: str
) -> None:
    def described(schedules: list[dg.ScheduleDefinition]) -> set[tuple]:
        return {
            (s.name, s.cron_schedule, s.execution_timezone, s.job_name, s.description)
            for s in schedules
        }

    loaded = load_airbyte_cloud_assets(airbyte=airbyte, execution=execution)
    mirrored = described(build_airbyte_schedules_from_airbyte(loaded))
    assert build_airbyte_schedules_from_handover(loaded, record) == []  # no record yet

    hand_over_schedules(airbyte, loaded, apply=True, record_path=record)
    reloaded = load_airbyte_cloud_assets(airbyte=airbyte, execution=execution)

    assert build_airbyte_schedules_from_airbyte(reloaded) == []
    assert described(build_airbyte_schedules_from_handover(reloaded, record)) == mirrored
    assert len(mirrored) == 2
    # Assets loaded before the hand-over still mirror Airbyte: no second copy from the record.
    assert build_airbyte_schedules_from_handover(loaded, record) == []
    dg.Definitions(
        assets=reloaded,
        schedules=build_airbyte_schedules_from_handover(reloaded, record),
        resources={"airbyte": airbyte},
    ).resolve_all_job_defs()


# --------------------------------------------------------------------------- no other writer


@pytest.mark.slow  # a sync run to its end
def test_loading_and_running_assets_never_writes_to_airbyte(
    airbyte_sandbox: Sandbox, airbyte: AirbyteCloudResource
) -> None:
    assets = load_airbyte_cloud_assets(airbyte=airbyte)
    stripe = next(a for a in assets if "stripe" in a.op.name)

    result = dg.materialize([stripe], resources={"airbyte": airbyte})

    assert result.success
    assert {r.method for r in airbyte_sandbox.requests} <= {"GET", "POST"}
    # The Config API reads with POST: the stored catalogs and a job's per-stream figures.
    assert {r.path for r in airbyte_sandbox.requests if r.method == "POST"} <= {
        "/v1/applications/token",
        "/v1/jobs",
        "/api/v1/connections/get",
        "/api/v1/jobs/get_without_logs",
    }


def test_only_the_hand_over_calls_patch_connection() -> None:
    callers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if ".patch_connection(" in path.read_text(encoding="utf-8")
    )

    assert callers == ["api/client.py", "automation/handover/patch.py"]
