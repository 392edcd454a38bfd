"""``make demo``: the Dagster UI over the local Airbyte sandbox.

Starts the sandbox in this process (its demo workspace, a SQLite warehouse under ``.demo/``),
then runs ``dagster dev`` on ``workspace.yaml`` with the environment pointing at it, and stops
the sandbox when ``dagster dev`` exits. Not part of the Dagster layer: it only launches things.

Options: ``python -m airbyte_cloud_dagster.demo --help``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from airbyte_cloud_dagster.sandbox import Sandbox

REPO_ROOT = Path(__file__).resolve().parent.parent

# Every sync step is in the Dagster pool "airbyte"; this caps how many run at once.
DAGSTER_YAML = """\
concurrency:
  pools:
    default_limit: 2
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ui-port", type=int, default=3000, help="port of the Dagster UI")
    parser.add_argument("--sandbox-port", type=int, default=8765, help="port of the sandbox")
    parser.add_argument(
        "--job-duration", type=float, default=8.0, help="seconds each sandbox sync runs"
    )
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".demo")
    args = parser.parse_args(argv)

    dagster_home = args.state_dir / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    instance_settings = dagster_home / "dagster.yaml"
    if not instance_settings.exists():
        instance_settings.write_text(DAGSTER_YAML)
    warehouse = args.state_dir / "warehouse.sqlite"
    with Sandbox(
        port=args.sandbox_port, job_duration=args.job_duration, warehouse_path=warehouse
    ) as sandbox:
        print(f"Airbyte sandbox: {sandbox.base_url} (warehouse: {warehouse})", flush=True)
        print(f"Dagster UI:      http://127.0.0.1:{args.ui_port}", flush=True)
        env = {
            **os.environ,
            "DAGSTER_HOME": str(dagster_home),
            "AIRBYTE_API_URL": sandbox.base_url,
            "AIRBYTE_CLIENT_ID": sandbox.client_id,
            "AIRBYTE_CLIENT_SECRET": sandbox.client_secret,
            "AIRBYTE_SANDBOX_WAREHOUSE": str(warehouse),
            "AIRBYTE_POLL_INTERVAL_MAX": "2",
        }
        dagster = Path(sys.executable).with_name("dagster")
        command = [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1"]
        command += ["-p", str(args.ui_port)]
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
        try:
            return process.wait()
        except KeyboardInterrupt:
            # Ctrl-C reaches dagster dev too; give it time to shut its processes down.
            return process.wait()


if __name__ == "__main__":
    sys.exit(main())
