"""The package's command line: ``python -m airbyte_cloud_dagster snapshot --out PATH``, and
``schedules hand-over|restore [--apply] [--record PATH]`` (automation/handover/).

Configured by the same environment variables as the example code location
(``definitions.py``)::

    AIRBYTE_API_URL        https://api.airbyte.com/v1 (default)
    AIRBYTE_CLIENT_ID      an application's client id  } or AIRBYTE_API_TOKEN,
    AIRBYTE_CLIENT_SECRET  and its secret              } or neither (self-managed, auth off)
    AIRBYTE_WORKSPACE_ID   optional: only this workspace's connections
    AIRBYTE_USERNAME       optional, with AIRBYTE_PASSWORD: Basic auth (self-managed)
    AIRBYTE_PROXY_URL      optional: the proxy to reach Airbyte through
    AIRBYTE_CA_BUNDLE      optional: a CA bundle file to trust (a private CA)

Example::

    $ python -m airbyte_cloud_dagster snapshot --out airbyte_workspace.json
    No assets for 1 Airbyte connection(s), status 'inactive': 'HubSpot' (5e1a...).
    Wrote airbyte_workspace.json: 3 connections, 10 streams of workspace 7c1f... at https://...

    $ python -m airbyte_cloud_dagster schedules hand-over            # a dry run: the plan
    $ python -m airbyte_cloud_dagster schedules hand-over --apply    # set them to manual
    $ python -m airbyte_cloud_dagster schedules restore --apply      # put them back

On an error it prints one sentence and exits with status 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from airbyte_cloud_dagster.api import AirbyteClient, AirbyteError
from airbyte_cloud_dagster.automation.handover import (
    DEFAULT_RECORD_PATH,
    HandOverPlan,
    hand_over_schedules,
    restore_schedules,
)
from airbyte_cloud_dagster.resource import DEFAULT_API_URL
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.degraded import degraded_summary
from airbyte_cloud_dagster.workspace.options import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    AirbyteLoadOptions,
)
from airbyte_cloud_dagster.workspace.snapshot import write_snapshot


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        status: int = arguments.run(arguments)
        return status
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
    snapshot.set_defaults(run=_snapshot)
    _add_schedules(commands)
    return parser


def _add_schedules(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``schedules hand-over`` and ``schedules restore`` (automation/handover/)."""
    schedules = commands.add_parser(
        "schedules",
        help="Hand Airbyte's schedules over to Dagster's mirrored schedules, or restore them.",
    )
    actions = schedules.add_subparsers(dest="action", required=True)
    hand_over = actions.add_parser(
        "hand-over",
        help="Set to manual in Airbyte the connections whose schedule Dagster mirrors "
        "(build_airbyte_schedules_from_airbyte). A dry run unless --apply.",
    )
    hand_over.add_argument(
        "--connection-id",
        action="append",
        dest="connection_ids",
        metavar="ID",
        help="Only this connection (repeat for more; default: every active connection).",
    )
    restore = actions.add_parser(
        "restore",
        help="Put back the schedules a hand-over recorded, on connections still manual. "
        "A dry run unless --apply.",
    )
    for action in (hand_over, restore):
        action.add_argument(
            "--apply", action="store_true", help="Change Airbyte (default: print the plan)."
        )
        action.add_argument(
            "--record",
            default=DEFAULT_RECORD_PATH,
            metavar="PATH",
            help="The hand-over record: what was changed, to restore it (default: %(default)s).",
        )
    hand_over.set_defaults(run=_hand_over)
    restore.set_defaults(run=_restore)


def _hand_over(arguments: argparse.Namespace) -> int:
    workspace_id = os.environ.get("AIRBYTE_WORKSPACE_ID") or None
    with _client_from_environment() as client:
        plan = hand_over_schedules(
            client,
            arguments.connection_ids,
            apply=arguments.apply,
            record_path=arguments.record,
            workspace_id=workspace_id,
            logger=_stdout_logger(),
        )
    return _print_plan(plan)


def _restore(arguments: argparse.Namespace) -> int:
    with _client_from_environment() as client:
        plan = restore_schedules(client, arguments.record, apply=arguments.apply)
    return _print_plan(plan)


def _print_plan(plan: HandOverPlan) -> int:
    """One line per connection, the summary, and what to run next; 1 if any failed."""
    print(plan)

    def command(action: str) -> str:
        record = plan.record_path
        return f"python -m airbyte_cloud_dagster schedules {action} --apply --record {record}"

    if not plan.applied and plan.pending:
        print(f"To apply: {command('hand-over' if plan.action == 'hand over' else 'restore')}")
    elif plan.applied and plan.action == "hand over" and plan.changed:
        print(f"To undo: {command('restore')}")
    return 1 if plan.failed else 0


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
    summary = degraded_summary(data.degraded)
    if summary:  # each failed read was a warning already; say how to heal the snapshot
        print(f"warning: {summary}; run this again once Airbyte answers to heal it.")
    return 0


def _stdout_logger() -> logging.Logger:
    """The connections left out of the snapshot, and why, printed before the summary."""
    logger = logging.getLogger("airbyte_cloud_dagster.cli")
    for earlier in list(logger.handlers):  # main() may run again in-process, on another stdout
        logger.removeHandler(earlier)
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
        username=os.environ.get("AIRBYTE_USERNAME") or None,
        password=os.environ.get("AIRBYTE_PASSWORD") or None,
        proxy_url=os.environ.get("AIRBYTE_PROXY_URL") or None,
        verify=os.environ.get("AIRBYTE_CA_BUNDLE") or True,
    )
