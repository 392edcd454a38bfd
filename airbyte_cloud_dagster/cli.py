"""The package's command line: ``python -m airbyte_cloud_dagster snapshot --out PATH``.

Configured by the same environment variables as the example code location
(``definitions.py``)::

    AIRBYTE_API_URL        https://api.airbyte.com/v1 (default)
    AIRBYTE_CLIENT_ID      an application's client id  } or AIRBYTE_API_TOKEN,
    AIRBYTE_CLIENT_SECRET  and its secret              } or neither (self-managed, auth off)
    AIRBYTE_WORKSPACE_ID   optional: only this workspace's connections

Example::

    $ python -m airbyte_cloud_dagster snapshot --out airbyte_workspace.json
    No assets for 1 Airbyte connection(s), status 'inactive': 'HubSpot' (5e1a...).
    Wrote airbyte_workspace.json: 3 connections, 10 streams of workspace 7c1f... at https://...

On an error it prints one sentence and exits with status 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from airbyte_cloud_dagster.api import AirbyteClient, AirbyteError
from airbyte_cloud_dagster.resource import DEFAULT_API_URL
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.options import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    AirbyteLoadOptions,
)
from airbyte_cloud_dagster.workspace.snapshot import write_snapshot


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        return _snapshot(arguments)
    except (AirbyteError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m airbyte_cloud_dagster")
    commands = parser.add_subparsers(dest="command", required=True)
    snapshot = commands.add_parser(
        "snapshot",
        help="Write the workspace snapshot that load_airbyte_cloud_assets(snapshot_path=) reads.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    snapshot.add_argument("--out", required=True, help="Where to write the snapshot (JSON).")
    snapshot.add_argument(
        "--max-concurrent-requests",
        type=int,
        default=DEFAULT_MAX_CONCURRENT_REQUESTS,
        help="Requests in flight at once while fetching (default: %(default)s).",
    )
    return parser


def _snapshot(arguments: argparse.Namespace) -> int:
    workspace_id = os.environ.get("AIRBYTE_WORKSPACE_ID") or None
    with _client_from_environment() as client:
        options = AirbyteLoadOptions(max_concurrent_requests=arguments.max_concurrent_requests)
        data = AirbyteWorkspaceData.fetch(
            client, options, workspace_id=workspace_id, logger=_stdout_logger()
        )
    path = write_snapshot(data, arguments.out)
    streams = sum(len(connection.streams) for connection in data.connections)
    scope = f"workspace {workspace_id}" if workspace_id else "every workspace"
    print(
        f"Wrote {path}: {len(data.connections)} connections, {streams} streams of {scope} "
        f"at {data.api_url}."
    )
    return 0


def _stdout_logger() -> logging.Logger:
    """The connections left out of the snapshot, and why, printed before the summary."""
    logger = logging.getLogger("airbyte_cloud_dagster.cli")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def _client_from_environment() -> AirbyteClient:
    return AirbyteClient(
        os.environ.get("AIRBYTE_API_URL") or DEFAULT_API_URL,
        client_id=os.environ.get("AIRBYTE_CLIENT_ID") or None,
        client_secret=os.environ.get("AIRBYTE_CLIENT_SECRET") or None,
        api_token=os.environ.get("AIRBYTE_API_TOKEN") or None,
    )
