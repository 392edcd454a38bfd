"""``make demo``: the Dagster UI over the local Airbyte sandbox.

Starts the sandbox in this process (its demo workspace with realistic data, a SQLite warehouse
under ``.demo/``, stable demo credentials), prints everything needed to use it, then serves the
UI with ``dagster dev`` on ``workspace.yaml``, the environment pointing at the sandbox. Ctrl-C
or SIGTERM stops the UI server and every process it started (launcher.py), then the sandbox.

Why ``dagster dev`` and not ``dg dev``: ``dg dev`` (package ``dagster-dg-cli``) serves a dg
*project* (a ``[tool.dg]`` section, a ``defs`` package) and has no option for a
``workspace.yaml``; this repository is a library whose example code location is one module
(``dg dev`` here: "This command must be run inside a Dagster workspace or project directory").
``dg dev`` runs the same code as ``dagster dev`` (``dev_command_impl``), which Dagster 1.x still
supports; its "superseded, use dg dev" warning is silenced here for that reason.

Not part of the Dagster layer: it only launches things. Options: ``--help``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType

import requests

from airbyte_cloud_dagster.demo.launcher import ProcessGroup
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.workspaces import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PORT

REPO_ROOT = Path(__file__).resolve().parents[2]
# Airbyte's own scheduler, played by the sandbox, syncs this connection now and then, so that
# Dagster has syncs it did not start to observe.
EXTERNAL_SYNC_CONNECTION = "App Postgres → Warehouse"
# dagster dev is what we mean to run (see the module docstring): drop only its supersession note.
SILENCE_SUPERSEDED = "ignore:Function `dev_command` is superseded"


def instance_settings(verbose: bool) -> str:
    """``dagster.yaml`` of the demo's instance.

    The pool limit caps concurrent syncs (every sync step is in the pool ``airbyte``). The
    Python log level decides what run workers print to this terminal: at INFO a sync shows its
    status changes; DEBUG adds every Dagster event and every Airbyte API request (the client
    logs those at DEBUG through ``dagster.get_dagster_logger``, and Dagster's console logger
    prints at the instance's ``python_log_level``, DEBUG when unset).
    """
    level = "DEBUG" if verbose else "INFO"
    return (
        f"concurrency:\n  pools:\n    default_limit: 2\npython_logs:\n  python_log_level: {level}\n"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airbyte_cloud_dagster.demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--ui-port", type=int, default=3000, help="Dagster UI port (3000)")
    parser.add_argument(
        "--sandbox-port", type=int, default=DEMO_PORT, help=f"sandbox port ({DEMO_PORT})"
    )
    parser.add_argument("--job-duration", type=float, default=8.0, help="seconds a sync runs (8)")
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID, help="the sandbox application's id")
    parser.add_argument(
        "--client-secret", default=DEMO_CLIENT_SECRET, help="the sandbox application's secret"
    )
    parser.add_argument(
        "--external-sync-every",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help=f"the sandbox's own scheduler syncs {EXTERNAL_SYNC_CONNECTION!r} this often "
        "(180; 0 = never)",
    )
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".demo", help="(.demo/)")
    parser.add_argument(
        "--verbose", action="store_true", help="print every Dagster event and Airbyte API request"
    )
    return parser.parse_args(argv)


def banner(sandbox: Sandbox, warehouse: Path, ui_url: str, external_every: float) -> str:
    """What a user needs: where the API is, the credentials, the warehouse and the UI."""
    pages = f"{sandbox.root_url}/workspaces/{sandbox.workspace_id}/connections"
    lines = [
        f"Airbyte sandbox: a local Airbyte API with the workspace {sandbox.seed.name!r}",
        f"  API URL:        {sandbox.base_url}   (self-managed style: {sandbox.self_managed_url})",
        f"  client id:      {sandbox.client_id}",
        f"  client secret:  {sandbox.client_secret}",
        f"  workspace id:   {sandbox.workspace_id}",
        f"  connections:    {pages}",
        f"  warehouse:      {warehouse}   (SQLite, fresh each start)",
    ]
    if external_every > 0:
        lines.append(
            f"  scheduler:      syncs {EXTERNAL_SYNC_CONNECTION!r} every {external_every:g} s"
        )
    lines.append(f"Dagster UI:       {ui_url}   (dagster dev; starting...)")
    return "\n".join(lines)


class StopRequested:
    """SIGINT/SIGTERM handler: record the request; the main loop does the stopping.

    Also a stop when the parent process is gone: ``make demo`` under a process manager gets
    the SIGTERM, and make dies without passing it on to its recipe (GNU make does not).
    """

    def __init__(self) -> None:
        self.signal: int | None = None
        self.reason = ""
        self._parent = os.getppid()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum
        self.reason = signal.Signals(signum).name

    def requested(self) -> bool:
        if self.signal is None and os.getppid() != self._parent:
            self.signal, self.reason = signal.SIGTERM, "parent process exited"
        return self.signal is not None


def wait_until_serving(url: str, ui: ProcessGroup, stop: StopRequested, timeout: float) -> bool:
    """Whether the UI answered before it exited, a stop was requested or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.requested():
        if ui.wait(timeout=0.25) is not None:
            return False
        try:
            if requests.get(f"{url}/server_info", timeout=1).ok:
                return True
        except requests.RequestException:
            pass
    return False


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.state_dir = args.state_dir.resolve()
    stop = StopRequested()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()

    dagster_home = args.state_dir / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(instance_settings(args.verbose))
    warehouse = (args.state_dir / "warehouse.sqlite").resolve()
    # The sandbox numbers jobs from 1 again: rows of an earlier run's job 1 must not linger.
    for stale in (warehouse, *(warehouse.with_name(warehouse.name + s) for s in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    if port_taken(args.ui_port):
        print(f"Port {args.ui_port} is in use; choose another with --ui-port.", file=sys.stderr)
        return 1
    sandbox = Sandbox(
        port=args.sandbox_port,
        job_duration=args.job_duration,
        warehouse_path=warehouse,
        client_id=args.client_id,
        client_secret=args.client_secret,
    )
    try:
        sandbox.start()
    except OSError as exc:
        print(
            f"Cannot serve the sandbox on port {args.sandbox_port} ({exc.strerror}); "
            "choose another with --sandbox-port.",
            file=sys.stderr,
        )
        return 1
    try:
        if args.external_sync_every > 0:
            connection_id = sandbox.connection_id(EXTERNAL_SYNC_CONNECTION)
            sandbox.schedule_external_syncs(connection_id, args.external_sync_every)
        return serve_ui(sandbox, args, stop, started)
    finally:
        sandbox.stop()


def serve_ui(
    sandbox: Sandbox, args: argparse.Namespace, stop: StopRequested, started: float
) -> int:
    """Print the banner, run the UI server until a stop is requested or it exits."""
    ui_url = f"http://127.0.0.1:{args.ui_port}"
    print(banner(sandbox, sandbox.warehouse_path, ui_url, args.external_sync_every), flush=True)
    ui = ProcessGroup(
        ui_command(args.ui_port, args.verbose), cwd=REPO_ROOT, env=ui_env(sandbox, args)
    ).start()
    try:
        if wait_until_serving(ui_url, ui, stop, timeout=180):
            seconds = time.monotonic() - started
            print(f"Dagster UI ready: {ui_url} ({seconds:.1f} s). Ctrl-C stops.", flush=True)
        while not stop.requested() and ui.wait(timeout=0.5) is None:
            pass
    finally:
        if stop.signal is not None:
            print(f"Stopping ({stop.reason})...", flush=True)
        code = ui.stop()
    if stop.signal is not None:
        print("Demo stopped.", flush=True)
        return 0
    print(f"The Dagster UI server exited (status {code}); the sandbox is stopped.", flush=True)
    return code or 0


def port_taken(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:``port``."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def ui_command(port: int, verbose: bool) -> list[str]:
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    # The webserver's and daemon's own INFO lines (a sensor check every 30 s, each queued run)
    # are noise next to the runs' lines; the banner above says where the UI is.
    return [*command, "--log-level", "debug" if verbose else "warning"]


def ui_env(sandbox: Sandbox, args: argparse.Namespace) -> dict[str, str]:
    """The environment that points the example code location at the sandbox."""
    warnings = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), SILENCE_SUPERSEDED]))
    return {
        **os.environ,
        "DAGSTER_HOME": str((args.state_dir / "dagster_home").resolve()),
        "AIRBYTE_API_URL": sandbox.base_url,
        "AIRBYTE_CLIENT_ID": sandbox.client_id,
        "AIRBYTE_CLIENT_SECRET": sandbox.client_secret,
        "AIRBYTE_SANDBOX_WAREHOUSE": str(sandbox.warehouse_path),
        "AIRBYTE_POLL_INTERVAL_MAX": "2",
        "PYTHONWARNINGS": warnings,
    }


if __name__ == "__main__":
    sys.exit(main())
