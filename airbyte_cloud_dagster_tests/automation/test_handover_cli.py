"""``python -m airbyte_cloud_dagster schedules hand-over|restore`` on the demo workspace:
in process through ``cli.main``, and once as a real subprocess."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import uuid

import pytest

from airbyte_cloud_dagster import cli
from airbyte_cloud_dagster.sandbox import Sandbox

from ..helpers import (
    APP_POSTGRES,
    HUBSPOT,
    S3_FILES,
    STRIPE,
    patch_requests,
    sandbox_environment,
)


@pytest.fixture
def environment(airbyte_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The variables the command reads, pointed at the sandbox (as for ``snapshot``)."""
    variables = {
        **sandbox_environment(airbyte_sandbox),
        "AIRBYTE_WORKSPACE_ID": airbyte_sandbox.workspace_id,
    }
    monkeypatch.delenv("AIRBYTE_API_TOKEN", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    status = cli.main(["schedules", *argv])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def schedule_types(sandbox: Sandbox) -> dict[str, str]:
    return {c.name: c.schedule.schedule_type for c in sandbox.state.catalog.connections.values()}


def test_the_dry_run_prints_the_plan_and_changes_nothing(
    airbyte_sandbox: Sandbox, environment: dict, capsys, tmp_path: pathlib.Path
) -> None:
    record = tmp_path / "handover.json"
    ids = {
        name: airbyte_sandbox.connection_id(name)
        for name in (APP_POSTGRES, STRIPE, S3_FILES, HUBSPOT)
    }

    status, lines, err = run(capsys, "hand-over", "--record", str(record))

    assert (status, err) == (0, "")
    assert lines == [
        f"No assets for 1 Airbyte connection(s), status 'inactive': {HUBSPOT!r} ({ids[HUBSPOT]}).",
        f"would hand over: '{APP_POSTGRES}' ({ids[APP_POSTGRES]}): cron '0 0 12 * * ? UTC' -> "
        "manual; Dagster's airbyte_sync_app_postgres_warehouse_schedule runs it "
        "(0 12 * * * UTC).",
        f"would hand over: '{STRIPE}' ({ids[STRIPE]}): basic 'Every 24 HOURS' -> manual; "
        "Dagster's airbyte_sync_stripe_warehouse_schedule runs it (0 0 * * * UTC); restore by "
        "hand only: the public Airbyte API cannot set a basic schedule ('Every 24 HOURS'); only "
        "Airbyte's web app can.",
        f"not mirrored: '{S3_FILES}' ({ids[S3_FILES]}): manual in Airbyte: no Dagster schedule "
        "mirrors it.",
        f"Dry run at {airbyte_sandbox.base_url}: 2 would hand over, 1 not mirrored. Nothing was "
        "changed.",
        f"To apply: python -m airbyte_cloud_dagster schedules hand-over --apply --record {record}",
    ]
    assert not record.exists()
    assert not patch_requests(airbyte_sandbox)


def test_apply_then_restore(
    airbyte_sandbox: Sandbox, environment: dict, capsys, tmp_path: pathlib.Path
) -> None:
    record = tmp_path / "handover.json"

    status, lines, _ = run(capsys, "hand-over", "--apply", "--record", str(record))

    assert status == 0
    assert [line.split(":")[0] for line in lines[1:4]] == [
        "handed over",
        "handed over",
        "not mirrored",
    ]
    assert lines[-2] == (
        f"Hand over at {airbyte_sandbox.base_url}: 2 handed over, 1 not mirrored; record: {record}."
    )
    assert lines[-1] == (
        f"To undo: python -m airbyte_cloud_dagster schedules restore --apply --record {record}"
    )
    assert schedule_types(airbyte_sandbox) == {
        APP_POSTGRES: "manual",
        STRIPE: "manual",
        S3_FILES: "manual",
        HUBSPOT: "manual",
    }
    assert len(json.loads(record.read_text())["connections"]) == 2

    status, lines, _ = run(capsys, "restore", "--record", str(record))
    assert status == 0 and lines[-1] == (
        f"To apply: python -m airbyte_cloud_dagster schedules restore --apply --record {record}"
    )
    status, lines, _ = run(capsys, "restore", "--apply", "--record", str(record))

    assert status == 0
    assert [line.split(":")[0] for line in lines[:-1]] == ["restored", "restore by hand"]
    assert schedule_types(airbyte_sandbox)[APP_POSTGRES] == "cron"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["restore", "--apply"], "error: There is no hand-over record at {record}"),
        (
            ["hand-over", "--connection-id", "{unknown}"],
            "error: GET /v1/connections/{unknown} returned 404",
        ),
        (["hand-over", "--connection-id", "nope"], "error: connection_id='nope' is not a UUID"),
    ],
    ids=["missing-record", "unknown-connection", "not-a-uuid"],
)
def test_errors_are_one_sentence_and_exit_1(
    airbyte_sandbox: Sandbox, environment: dict, capsys, tmp_path: pathlib.Path, argv, message
) -> None:
    record = tmp_path / "handover.json"
    unknown = str(uuid.uuid4())
    argv = [arg.format(unknown=unknown) for arg in argv]

    status, _, err = run(capsys, *argv, "--record", str(record))

    assert status == 1
    assert err.startswith(message.format(record=record, unknown=unknown))
    assert err.count("\n") == 1
    assert not patch_requests(airbyte_sandbox)


def test_a_failed_connection_exits_1(
    airbyte_sandbox: Sandbox, environment: dict, capsys, tmp_path: pathlib.Path
) -> None:
    airbyte_sandbox.faults.fail("/connections/*", 500, method="PATCH", times=1)

    status, lines, _ = run(capsys, "hand-over", "--apply", "--record", str(tmp_path / "r.json"))

    assert status == 1
    assert sum(line.startswith("failed: ") for line in lines) == 1
    assert sum(line.startswith("handed over: ") for line in lines) == 1


@pytest.mark.slow  # python -m airbyte_cloud_dagster in a subprocess
def test_the_command_as_users_run_it(
    airbyte_sandbox: Sandbox, environment: dict, tmp_path: pathlib.Path
) -> None:
    def command(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "airbyte_cloud_dagster", "schedules", *argv],
            cwd=tmp_path,
            env={**os.environ, **environment},
            capture_output=True,
            text=True,
            timeout=120,
        )

    dry = command("hand-over")
    applied = command("hand-over", "--apply")
    restored = command("restore", "--apply")

    assert dry.returncode == applied.returncode == restored.returncode == 0, applied.stderr
    assert "2 would hand over" in dry.stdout and "2 handed over" in applied.stdout
    assert (tmp_path / "airbyte_schedule_handover.json").exists()  # the default record
    assert "1 restored, 1 restore by hand" in restored.stdout
