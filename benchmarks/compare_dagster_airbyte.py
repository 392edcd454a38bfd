"""This package against dagster-airbyte, on the same sandbox, in one run: loads and syncs.

    .venv/bin/python benchmarks/compare_dagster_airbyte.py            # the full benchmark
    .venv/bin/python benchmarks/compare_dagster_airbyte.py --small    # a two-minute version
    .venv/bin/python benchmarks/compare_dagster_airbyte.py --discovery-seconds 3 --skip-materialize

dagster-airbyte (its latest release) is installed into a virtual environment of its own,
``benchmarks/.venv-dagster-airbyte``, never into this package's dependencies. Both sides talk
to one local sandbox over real HTTP; every figure comes from the same run, so the ratios are
what to read (absolute times depend on the machine).

1. Cold definitions load: N connections x M streams, with added latency on every request.
   ``--discovery-seconds S`` makes it cost what a real workspace costs: every ``GET /streams``
   of a source whose catalog Airbyte has not cached runs a schema discovery of S seconds
   (real ones take seconds to minutes); the cache is emptied before each side loads, and each
   side's discoveries are counted. ``--fallback`` adds our load with the Config API refused
   (404), which reads ``GET /streams`` instead (slow at full size: sources x S / 8).
2. Warm load from the workspace snapshot (ours only: dagster-airbyte has no such file).
3. ``dagster asset materialize --select '*'`` over K connections whose syncs each take S seconds
   (default executor settings): wall time, peak RSS of the whole process tree, requests, jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from process_tree import PeakRss

from airbyte_cloud_dagster.sandbox import Sandbox, WorkspaceSeed, generate_workspace
from airbyte_cloud_dagster.workspace.options import DEFAULT_MAX_CONCURRENT_REQUESTS

HERE = Path(__file__).resolve().parent
TARGETS = HERE / "targets"
OURS_PYTHON = Path(sys.executable)
THEIRS_VENV = HERE / ".venv-dagster-airbyte"


@dataclass
class Figures:
    """What one side did in one scenario."""

    wall_s: float
    requests: int
    extra: dict[str, object] = field(default_factory=dict)


def theirs_python(venv: Path = THEIRS_VENV) -> Path:
    """dagster-airbyte's interpreter, installing its latest release on first use."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if not stamp.exists():
        print(f"Installing dagster-airbyte into {venv} (first run only) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "dagster-airbyte"], check=True, stderr=subprocess.DEVNULL)
        stamp.touch()
    return python


def bench_workspace(connections: int, streams: int) -> WorkspaceSeed:
    """A generated workspace whose tables are unique across connections.

    dagster-airbyte keys an asset by table name alone, so two connections writing a stream of
    the same name would stop its definitions from loading; a prefix per connection keeps both
    sides loadable (ours would add a short suffix instead).
    """
    seed = generate_workspace(connections, streams)
    for number, connection in enumerate(seed.connections):
        connection.prefix = f"c{number:04d}_"
    return seed


def package_version(python: Path, name: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({name!r}))"
    return subprocess.run(
        [str(python), "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


def sandbox_env(sandbox: Sandbox) -> dict[str, str]:
    return {
        **os.environ,
        "AIRBYTE_API_URL": sandbox.base_url,
        "AIRBYTE_CONFIG_API_URL": f"{sandbox.root_url}/api/v1",
        "AIRBYTE_CLIENT_ID": sandbox.client_id,
        "AIRBYTE_CLIENT_SECRET": sandbox.client_secret,
        "AIRBYTE_WORKSPACE_ID": sandbox.workspace_id,
    }


def run_load(sandbox: Sandbox, python: Path, script: str, **env: str) -> Figures:
    """One definitions load in a fresh interpreter; wall time excludes importing. Every
    source's catalog is uncached first (a cold Airbyte), and the discoveries are counted."""
    sandbox.discovery.forget()
    discoveries = sandbox.discovery.discoveries
    before = len(sandbox.requests)
    result = subprocess.run(
        [str(python), str(TARGETS / script)],
        env={**sandbox_env(sandbox), **env},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"{script} failed:\n{result.stderr[-4000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    extra = {"assets": report["assets"], "discoveries": sandbox.discovery.discoveries - discoveries}
    return Figures(report["load_s"], len(sandbox.requests) - before, extra)


def run_materialize(sandbox: Sandbox, python: Path, defs: str, **env: str) -> Figures:
    """``dagster asset materialize --select '*'`` as a user runs it, on a fresh instance."""
    dagster = python.with_name("dagster")
    before = len(sandbox.requests)
    jobs_before = total_jobs(sandbox)
    with tempfile.TemporaryDirectory() as dagster_home:
        command = [str(dagster), "asset", "materialize", "-f", str(TARGETS / defs)]
        command += ["--select", "*"]
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            env={**sandbox_env(sandbox), **env, "DAGSTER_HOME": dagster_home},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        with PeakRss(process.pid) as peak:
            output, _ = process.communicate()
        wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"materializing {defs} failed:\n{output[-4000:]}")
    return Figures(
        wall,
        len(sandbox.requests) - before,
        {"peak_rss_mib": peak.mib, "jobs": total_jobs(sandbox) - jobs_before},
    )


def total_jobs(sandbox: Sandbox) -> int:
    return sum(sandbox.jobs_created(c.connection_id) for c in sandbox.seed.connections)


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.3f}" if theirs else "n/a"


def print_table(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    print(f"\n{title}")
    header = ("figure", "airbyte-cloud-dagster", "dagster-airbyte", "ours / theirs")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def bench_loads(args: argparse.Namespace, theirs: Path) -> dict[str, Figures]:
    seed = bench_workspace(args.connections, args.streams)
    concurrency = str(args.concurrency)
    with Sandbox(seed, discovery_seconds=args.discovery_seconds) as sandbox:
        sandbox.faults.delay("/*", args.latency_ms / 1000)
        figures = {
            "ours_cold": run_load(
                sandbox, OURS_PYTHON, "ours_load.py", BENCH_MAX_CONCURRENT=concurrency
            ),
            "theirs_cold": run_load(sandbox, theirs, "theirs_load.py"),
        }
        if args.fallback:
            sandbox.faults.refuse_config_api(404)
            figures["ours_cold_without_config_api"] = run_load(
                sandbox, OURS_PYTHON, "ours_load.py", BENCH_MAX_CONCURRENT=concurrency
            )
            sandbox.faults.refuse_config_api(None)
        with tempfile.TemporaryDirectory() as folder:
            snapshot = Path(folder) / "airbyte_workspace.json"
            subprocess.run(
                [str(OURS_PYTHON), "-m", "airbyte_cloud_dagster", "snapshot", "--out", snapshot],
                env=sandbox_env(sandbox),
                check=True,
                capture_output=True,
            )
            figures["ours_warm"] = run_load(
                sandbox, OURS_PYTHON, "ours_load.py", BENCH_SNAPSHOT=str(snapshot)
            )
    return figures


def bench_materialize(args: argparse.Namespace, theirs: Path) -> dict[str, Figures]:
    seed = bench_workspace(args.sync_connections, 3)
    figures = {}
    sides = {
        "ours_one_step": (OURS_PYTHON, "ours_defs.py", {"BENCH_EXECUTION": "one_step"}),
        "ours_per_connection": (
            OURS_PYTHON,
            "ours_defs.py",
            {"BENCH_EXECUTION": "per_connection"},
        ),
        "theirs": (theirs, "theirs_defs.py", {}),
    }
    for name, (python, defs, env) in sides.items():
        # A fresh sandbox per side: no job of one side can be attached to by another.
        with Sandbox(seed, job_duration=args.sync_seconds) as sandbox:
            print(f"  materializing: {name} ...", flush=True)
            figures[name] = run_materialize(sandbox, python, defs, **env)
    return figures


def report(args: argparse.Namespace, loads: dict, syncs: dict | None) -> None:
    cold_o, cold_t, warm = loads["ours_cold"], loads["theirs_cold"], loads["ours_warm"]
    discovery = (
        f", a {args.discovery_seconds:g} s schema discovery per uncached GET /streams"
        if args.discovery_seconds
        else ""
    )
    fallback = loads.get("ours_cold_without_config_api")
    fallback_rows = (
        [
            ("ours, Config API refused: wall time (s)", f"{fallback.wall_s:.2f}", "", ""),
            ("ours, Config API refused: requests", str(fallback.requests), "", ""),
            (
                "ours, Config API refused: discoveries",
                str(fallback.extra["discoveries"]),
                "",
                "",
            ),
        ]
        if fallback
        else []
    )
    print_table(
        f"1. Cold load, {args.connections} connections x {args.streams} streams, "
        f"{args.latency_ms} ms added latency{discovery} (target: ours <= 1/10 of theirs)",
        [
            (
                "wall time (s)",
                f"{cold_o.wall_s:.2f}",
                f"{cold_t.wall_s:.2f}",
                ratio(cold_o.wall_s, cold_t.wall_s),
            ),
            (
                "requests",
                str(cold_o.requests),
                str(cold_t.requests),
                ratio(cold_o.requests, cold_t.requests),
            ),
            (
                "schema discoveries",
                str(cold_o.extra["discoveries"]),
                str(cold_t.extra["discoveries"]),
                "",
            ),
            ("asset keys", str(cold_o.extra["assets"]), str(cold_t.extra["assets"]), ""),
            *fallback_rows,
        ],
    )
    print_table(
        "2. Warm load from the snapshot (target: 0 requests, under 3 s)",
        [
            ("wall time (s)", f"{warm.wall_s:.2f}", "no snapshot", ""),
            ("requests", str(warm.requests), "-", ""),
        ],
    )
    if syncs is None:
        return
    one, per, theirs = syncs["ours_one_step"], syncs["ours_per_connection"], syncs["theirs"]
    rows = []
    for label, ours in (("one step", one), ("per connection", per)):
        rows += [
            (
                f"{label}: wall time (s)",
                f"{ours.wall_s:.1f}",
                f"{theirs.wall_s:.1f}",
                ratio(ours.wall_s, theirs.wall_s),
            ),
            (
                f"{label}: peak RSS (MiB)",
                f"{ours.extra['peak_rss_mib']:.0f}",
                f"{theirs.extra['peak_rss_mib']:.0f}",
                ratio(ours.extra["peak_rss_mib"], theirs.extra["peak_rss_mib"]),
            ),
            (
                f"{label}: requests",
                str(ours.requests),
                str(theirs.requests),
                ratio(ours.requests, theirs.requests),
            ),
            (f"{label}: jobs created", str(ours.extra["jobs"]), str(theirs.extra["jobs"]), ""),
        ]
    print_table(
        f"3. dagster asset materialize --select '*', {args.sync_connections} connections, "
        f"{args.sync_seconds:g} s syncs (targets: one step <= 1.5 x a sync + start-up, "
        f"RSS <= 1/3 of per connection, <= 1/5 of theirs' wall time)",
        rows,
    )
    print(
        f"\none step vs per connection: wall {ratio(one.wall_s, per.wall_s)}, "
        f"peak RSS {ratio(one.extra['peak_rss_mib'], per.extra['peak_rss_mib'])}; "
        f"one step / sync duration: {one.wall_s / args.sync_seconds:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument(
        "--discovery-seconds",
        type=float,
        default=0.0,
        help="what a schema discovery behind an uncached GET /streams costs (real: 2-5 s+)",
    )
    parser.add_argument(
        "--fallback",
        action="store_true",
        help="also load ours with the Config API refused (GET /streams per source instead)",
    )
    parser.add_argument("--sync-connections", type=int, default=50)
    parser.add_argument("--sync-seconds", type=float, default=20.0)
    parser.add_argument("--skip-materialize", action="store_true")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_MAX_CONCURRENT_REQUESTS,
        help=(
            "our max_concurrent_requests for the cold load "
            f"(the package's default: {DEFAULT_MAX_CONCURRENT_REQUESTS})"
        ),
    )
    parser.add_argument(
        "--small", action="store_true", help="20 connections, 3 s syncs: proves the harness works"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.small:
        args.connections, args.sync_connections, args.sync_seconds = 20, 4, 3.0
    theirs = theirs_python()
    print(
        f"airbyte-cloud-dagster {package_version(OURS_PYTHON, 'airbyte-cloud-dagster')} vs "
        f"dagster-airbyte {package_version(theirs, 'dagster-airbyte')}; "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    loads = bench_loads(args, theirs)
    syncs = None if args.skip_materialize else bench_materialize(args, theirs)
    report(args, loads, syncs)
    if args.json:
        everything = {**loads, **(syncs or {})}
        args.json.write_text(json.dumps({k: vars(v) for k, v in everything.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
