"""``python -m airbyte_cloud_dagster.sandbox``: serve the sandbox until Ctrl-C.

Options: ``--host`` (default 127.0.0.1), ``--port`` (default 8765, as ``make demo``; 0 = a
free port), ``--client-id``/``--client-secret`` (default the demo's), ``--seed FILE``
(YAML/JSON, see seed.py; default the demo workspace), ``--warehouse PATH``,
``--job-duration S``, ``--token-lifetime S``, ``--discovery-seconds S`` (what a schema discovery
behind ``GET /streams`` costs, default 0), ``--no-auth`` (self-managed without auth),
``--basic-auth USER:PASSWORD`` (HTTP Basic auth instead of tokens), ``--require-header
NAME=VALUE`` (repeatable; an access proxy's 403 without it), ``--ssl-certfile PEM
--ssl-keyfile PEM`` (HTTPS).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from airbyte_cloud_dagster.sandbox.seed_files import load_workspace
from airbyte_cloud_dagster.sandbox.server import Sandbox
from airbyte_cloud_dagster.sandbox.workspaces import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PORT,
    demo_workspace,
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airbyte_cloud_dagster.sandbox",
        description="A local server of the public Airbyte API (/v1 and /api/public/v1).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEMO_PORT,
        help=f"port (default {DEMO_PORT}, as make demo; 0 = any free port)",
    )
    parser.add_argument(
        "--seed", type=Path, help="workspace YAML/JSON file (default: the demo workspace)"
    )
    parser.add_argument(
        "--warehouse", type=Path, help="SQLite warehouse file (default: a temp file)"
    )
    parser.add_argument(
        "--job-duration", type=float, default=5.0, help="seconds a job runs (default 5)"
    )
    parser.add_argument(
        "--token-lifetime", type=float, default=900.0, help="token lifetime in seconds"
    )
    parser.add_argument(
        "--discovery-seconds",
        type=float,
        default=0.0,
        help="seconds GET /streams spends discovering a source's schema, once per source "
        "(again with ignoreCache=true); default 0",
    )
    parser.add_argument(
        "--client-id", default=DEMO_CLIENT_ID, help=f"application client id ({DEMO_CLIENT_ID})"
    )
    parser.add_argument(
        "--client-secret",
        default=DEMO_CLIENT_SECRET,
        help=f"application client secret ({DEMO_CLIENT_SECRET})",
    )
    parser.add_argument("--no-auth", action="store_true", help="accept requests without a token")
    parser.add_argument(
        "--basic-auth",
        metavar="USER:PASSWORD",
        type=_basic_auth,
        help="ask for HTTP Basic auth on every API request, instead of bearer tokens",
    )
    parser.add_argument(
        "--require-header",
        metavar="NAME=VALUE",
        type=_header,
        action="append",
        default=[],
        help="answer 403, as an access proxy would, to API requests without this header "
        "(repeatable)",
    )
    parser.add_argument("--ssl-certfile", type=Path, help="serve HTTPS with this certificate")
    parser.add_argument("--ssl-keyfile", type=Path, help="the private key of --ssl-certfile")
    args = parser.parse_args(argv)
    if (args.ssl_certfile is None) != (args.ssl_keyfile is None):
        parser.error("--ssl-certfile and --ssl-keyfile go together")
    if not args.discovery_seconds >= 0:
        parser.error("--discovery-seconds must not be negative")
    return args


def _basic_auth(text: str) -> tuple[str, str]:
    user, colon, password = text.partition(":")
    if not (user and colon and password):
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return user, password


def _header(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not (name.strip() and equals and value.strip()):
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name.strip(), value.strip()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    seed = load_workspace(args.seed) if args.seed else demo_workspace()
    warehouse = (
        args.warehouse or Path(tempfile.mkdtemp(prefix="airbyte-sandbox-")) / "warehouse.sqlite"
    )
    sandbox = Sandbox(
        seed,
        host=args.host,
        port=args.port,
        auth=not args.no_auth,
        token_lifetime=args.token_lifetime,
        job_duration=args.job_duration,
        warehouse_path=warehouse,
        client_id=args.client_id,
        client_secret=args.client_secret,
        basic_auth=args.basic_auth,
        required_headers=dict(args.require_header),
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        discovery_seconds=args.discovery_seconds,
    )
    with sandbox:
        print(f"Airbyte sandbox serving workspace {seed.name!r} ({sandbox.workspace_id})")
        print(f"  Cloud API:        {sandbox.base_url}")
        print(f"  Self-managed API: {sandbox.self_managed_url}")
        if args.basic_auth:
            print(f"  Basic auth:       {args.basic_auth[0]} / {args.basic_auth[1]}")
        elif args.no_auth:
            print("  Auth:             disabled (no token needed)")
        else:
            print(f"  client_id:        {sandbox.client_id}")
            print(f"  client_secret:    {sandbox.client_secret}")
        for name, value in args.require_header:
            print(f"  Required header:  {name}: {value}")
        print(f"  Warehouse:        {sandbox.warehouse_path}")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            while sandbox.is_running:
                sandbox.wait(1.0)
        except KeyboardInterrupt:
            print("Stopping.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
