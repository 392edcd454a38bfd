"""``make materialize``: the demo without a browser.

Starts a fresh sandbox (demo workspace, a new SQLite warehouse), materializes every asset of the
example code location once with ``dagster asset materialize --select '*'`` (asset checks
included; all steps in one process), then prints one line per asset (Airbyte job, status,
rows), the checks, and where the warehouse file is. Exits non-zero if the run failed. Not part
of the Dagster layer.

Options: ``python -m airbyte_cloud_dagster.demo.materialize --help``.
"""

import argparse
import os
import shutil
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.demo.launcher import ProcessGroup
from airbyte_cloud_dagster.demo.run import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    REPO_ROOT,
    StopRequested,
    instance_settings,
    ui_env,
)
from airbyte_cloud_dagster.sandbox import Sandbox

IN_PROCESS = '{"execution": {"config": {"in_process": {}}}}'
# Where a table's row count is, best first: the stream's own figures, then the connection's.
ROW_KEYS = (
    (md.STREAM_ROWS_SYNCED, ""),
    (md.ROW_COUNT, ""),
    (md.CONNECTION_ROWS_SYNCED, " (connection)"),
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airbyte_cloud_dagster.demo.materialize",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--job-duration", type=float, default=2.0, help="seconds a sync runs (2)")
    parser.add_argument(
        "--state-dir", type=Path, default=REPO_ROOT / ".demo" / "materialize", help="(.demo/...)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every Dagster event")
    args = parser.parse_args(argv)
    args.state_dir = args.state_dir.resolve()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stop = StopRequested()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    shutil.rmtree(args.state_dir, ignore_errors=True)  # fresh: a new instance and warehouse
    dagster_home = args.state_dir / "dagster_home"
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text(instance_settings(args.verbose))
    with Sandbox(
        job_duration=args.job_duration,
        warehouse_path=args.state_dir / "warehouse.sqlite",
        # The headless run keeps the demo's credentials.
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
    ) as sandbox:
        print(f"Airbyte sandbox: {sandbox.base_url} (fresh workspace and warehouse)", flush=True)
        dagster = Path(sys.executable).with_name("dagster")
        command = [
            str(dagster),
            "asset",
            "materialize",
            "-m",
            "airbyte_cloud_dagster.demo.definitions",
        ]
        # One process for the whole run: no process start-up per step, so it is quick.
        command += ["--select", "*", "--config-json", IN_PROCESS]
        run = ProcessGroup(command, cwd=REPO_ROOT, env=ui_env(sandbox, args)).start()
        code = None
        while not stop.requested() and (code := run.wait(timeout=0.5)) is None:
            pass
        if stop.signal is not None:  # Ctrl-C, SIGTERM or a parent gone: stop the run too
            run.stop()
            print(f"Stopped ({stop.reason}).", flush=True)
            return 130
        print(summary(dagster_home), flush=True)
        print(f"Warehouse (SQLite): {sandbox.warehouse_path}", flush=True)
        print("It is removed by the next `make materialize`.", flush=True)
    return code or 0


def rows_text(metadata: Mapping[str, Any]) -> str:
    for key, label in ROW_KEYS:
        if key in metadata:
            return f"{metadata[key].value}{label}"
    return "-"


def summary(dagster_home: Path) -> str:
    """The latest run's materializations and check results, as a table."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return "No run was recorded."
        run = runs[0]
        kinds = {
            dg.DagsterEventType.ASSET_MATERIALIZATION,
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        }
        entries = instance.all_logs(run.run_id, of_type=kinds)
    rows = [("asset", "Airbyte job", "status", "rows")]
    checks = []
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = entry.asset_materialization
            assert materialization is not None
            metadata = materialization.metadata
            job = metadata.get(md.JOB_ID)
            status = metadata.get(md.JOB_STATUS)
            rows.append(
                (
                    materialization.asset_key.to_user_string(),
                    str(job.value) if job else "-",
                    str(status.value) if status else "materialized",
                    rows_text(metadata),
                )
            )
        else:
            evaluation: Any = event.event_specific_data  # a check's evaluation here
            verdict = "passed" if evaluation.passed else "FAILED"
            checks.append(
                f"  {evaluation.asset_key.to_user_string()} {evaluation.check_name}: {verdict}"
                + (f" ({evaluation.description})" if evaluation.description else "")
            )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"Run {run.run_id}: {run.status.value}"]
    lines += [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    ]
    if checks:
        lines += ["Asset checks:", *checks]
    return "\n".join(line.rstrip() for line in lines)


if __name__ == "__main__":
    sys.exit(main())
