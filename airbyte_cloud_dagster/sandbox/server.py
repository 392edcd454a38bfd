"""Run the sandbox: in-process (:class:`Sandbox`) or as a blocking server (``serve``).

>>> with Sandbox(job_duration=0.5) as sb:
...     token = sb.issue_token()
...     # requests.get(f"{sb.base_url}/connections", headers={"Authorization": f"Bearer {token}"})
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import uvicorn

from airbyte_cloud_dagster.sandbox.app import build_app
from airbyte_cloud_dagster.sandbox.auth import Credentials, Gate
from airbyte_cloud_dagster.sandbox.discovery import Discovery
from airbyte_cloud_dagster.sandbox.faults import Faults, RequestRecord
from airbyte_cloud_dagster.sandbox.jobs import JobPlan
from airbyte_cloud_dagster.sandbox.problems import Problem
from airbyte_cloud_dagster.sandbox.scheduler import ExternalSyncs, start_external_sync
from airbyte_cloud_dagster.sandbox.seed import WorkspaceSeed
from airbyte_cloud_dagster.sandbox.state import SandboxState
from airbyte_cloud_dagster.sandbox.workspaces import demo_workspace

logger = logging.getLogger(__name__)

DROP_WAIT_SECONDS = 1.0


def make_dropper(server: uvicorn.Server):
    """Close the TCP connection of an ASGI scope, sending nothing.

    uvicorn keeps every open connection's protocol in ``server.server_state.connections``;
    each knows its peer address (the scope's ``client``) and its transport. Aborting the
    transport closes the socket at once; we then wait until uvicorn has noticed the disconnect,
    so it does not try to send a 500 for "returned without starting response".
    """

    async def drop(scope: dict[str, Any]) -> bool:
        client = tuple(scope.get("client") or ())
        for protocol in list(server.server_state.connections):
            if tuple(getattr(protocol, "client", None) or ()) == client:
                protocol.transport.abort()
                deadline = time.monotonic() + DROP_WAIT_SECONDS
                cycle = getattr(protocol, "cycle", None)
                while cycle is not None and not cycle.disconnected and time.monotonic() < deadline:
                    await asyncio.sleep(0.001)
                return True
        logger.warning("sandbox: no open connection for %s; cannot drop it", client)
        return False

    return drop


class _Server(uvicorn.Server):
    """uvicorn's server, noticing ``should_exit`` within 10 ms instead of 100 ms.

    A test suite starts and stops a sandbox per test; the default 0.1 s tick adds up.
    """

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            await asyncio.sleep(0.01)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown without its fixed 0.1 s pause: stop listening, ask open
        connections to close, wait (in 10 ms steps, at most 5 s) until they have, then end the
        app's lifespan. Once per sandbox, so the pause alone cost a test suite ~40 s."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 5.0
        while self.server_state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for task in list(self.server_state.tasks):
            task.cancel()
        if not self.force_exit:
            await self.lifespan.shutdown()


def build_server(
    state: SandboxState,
    host: str,
    port: int | socket.socket,
    *,
    ssl_certfile: str | os.PathLike[str] | None = None,
    ssl_keyfile: str | os.PathLike[str] | None = None,
) -> uvicorn.Server:
    """A uvicorn server for the sandbox app, access log off, fault drops wired in; HTTPS with
    ``ssl_certfile`` (PEM, the chain) and ``ssl_keyfile``."""
    config = uvicorn.Config(
        build_app(state),
        host=host,
        port=port if isinstance(port, int) else 0,
        access_log=False,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    server = _Server(config)
    state.dropper = make_dropper(server)
    return server


def _credentials(client_id: str | None, client_secret: str | None) -> Credentials:
    random = Credentials.random()
    return Credentials(client_id or random.client_id, client_secret or random.client_secret)


class Sandbox:
    """A local Airbyte API server in a background thread; see docs/CONTRACTS.md.

    >>> with Sandbox(job_duration=0.5) as sb:
    ...     sb.base_url  # doctest: +SKIP
    'http://127.0.0.1:54321/v1'
    """

    def __init__(
        self,
        workspace: WorkspaceSeed | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        auth: bool = True,
        token_lifetime: float = 900.0,
        job_duration: float = 5.0,
        warehouse_path: str | os.PathLike[str] | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        required_headers: Mapping[str, str] | None = None,
        ssl_certfile: str | os.PathLike[str] | None = None,
        ssl_keyfile: str | os.PathLike[str] | None = None,
        discovery_seconds: float = 0.0,
    ):
        """``discovery_seconds``: what ``GET /streams`` spends on a schema discovery, once per
        source until ``ignoreCache=true`` asks again (:attr:`discovery`).

        ``basic_auth=(user, password)``: every API request needs those HTTP Basic
        credentials (else an HTML 401 asking for them), and no bearer token is asked for: a
        Basic-auth proxy in front of an Airbyte whose own auth is off. ``required_headers``:
        every API request needs these headers with these values (else an HTML 403), as an
        access proxy such as Cloudflare Access asks. ``ssl_certfile`` (with ``ssl_keyfile``):
        serve HTTPS with that certificate. The ``/_sandbox`` controls and the web pages stay
        open."""
        if (ssl_certfile is None) != (ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        discovery = Discovery(discovery_seconds)  # refuses a negative cost before anything starts
        self.ssl_certfile, self.ssl_keyfile = ssl_certfile, ssl_keyfile
        self._temp_dir: str | None = None
        if warehouse_path is None:
            self._temp_dir = tempfile.mkdtemp(prefix="airbyte-sandbox-")
            warehouse_path = Path(self._temp_dir) / "warehouse.sqlite"
        self.seed = workspace if workspace is not None else demo_workspace()
        self.host = host
        self._requested_port = port
        self.port = port
        self.state = SandboxState.create(
            self.seed,
            warehouse_path=warehouse_path,
            auth=auth,
            token_lifetime=token_lifetime,
            job_duration=job_duration,
            credentials=_credentials(client_id, client_secret),
            gate=Gate(basic_auth=basic_auth, required_headers=dict(required_headers or {})),
            discovery=discovery,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._external_syncs = ExternalSyncs(self.state)

    # ----------------------------------------------------------------- life cycle
    def start(self, timeout: float = 10.0) -> Sandbox:
        """Start serving; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("sandbox already started")
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self.port = sock.getsockname()[1]
        self._server = build_server(
            self.state,
            self.host,
            self.port,
            ssl_certfile=self.ssl_certfile,
            ssl_keyfile=self.ssl_keyfile,
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="airbyte-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving, finish warehouse writes, remove the temporary warehouse."""
        self._external_syncs.stop()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self.state.close()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the server thread ends (or ``timeout`` seconds pass)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- addresses and credentials
    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.ssl_certfile else "http"
        return f"{scheme}://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Cloud-style API root, ``.../v1``."""
        return f"{self.root_url}/v1"

    @property
    def self_managed_url(self) -> str:
        """Self-managed-style API root, ``.../api/public/v1``."""
        return f"{self.root_url}/api/public/v1"

    @property
    def client_id(self) -> str:
        return self.state.tokens.credentials.client_id

    @property
    def client_secret(self) -> str:
        return self.state.tokens.credentials.client_secret

    def issue_token(self) -> str:
        """A fresh valid bearer token, for raw-HTTP tests."""
        return self.state.tokens.issue()

    def issued_tokens(self) -> list[str]:
        """Every bearer token issued so far (by the token endpoint or ``issue_token``)."""
        return self.state.tokens.issued()

    @property
    def discovery(self) -> Discovery:
        """``GET /streams``' schema discovery: ``.seconds`` (settable), ``.discoveries`` run so
        far, ``.forget()`` the cached catalogs."""
        return self.state.discovery

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """The (user, password) the gate asks for, if any."""
        return self.state.gate.basic_auth

    @property
    def required_headers(self) -> dict[str, str]:
        """The headers the gate asks for (names lower-cased), if any."""
        return dict(self.state.gate.required_headers)

    # ----------------------------------------------------------------- workspace and jobs
    @property
    def workspace_id(self) -> str:
        return self.seed.workspace_id

    def connection_id(self, name: str) -> str:
        """The id of the connection with exactly this name (KeyError if unknown)."""
        return self.seed.connection_by_name(name).connection_id

    def configure_connection(
        self,
        connection_id: str,
        *,
        duration: float | None = None,
        outcome: str = "succeeded",
        queued_for: float = 0.0,
        incomplete_attempts: int = 0,
        rows: int | None = None,
        bytes: int | None = None,  # the contract's name, like bytesSynced
        failure_type: str | None = None,
        failure_message: str | None = None,
        failure_origin: str | None = None,
    ) -> JobPlan:
        """How the next jobs of this connection run (``duration`` None = the sandbox default).

        ``failure_type`` (e.g. ``"config_error"``), ``failure_message`` and ``failure_origin``
        (e.g. ``"source"``) are what the Config API reports for a failed job's last attempt.
        """
        if connection_id not in self.state.catalog.connections:
            raise KeyError(f"unknown connection {connection_id!r}")
        return self.state.jobs.configure(
            connection_id,
            duration=duration,
            outcome=outcome,
            queued_for=queued_for,
            incomplete_attempts=incomplete_attempts,
            rows=rows,
            bytes=bytes,
            failure_type=failure_type,
            failure_message=failure_message,
            failure_origin=failure_origin,
        )

    def start_external_sync(self, connection_id: str) -> dict[str, Any]:
        """Start a sync as Airbyte's own scheduler would; returns the job (scheduler.py).

        Raises ``RuntimeError`` where ``POST /jobs`` would answer 409 (a sync already runs,
        the connection is inactive) and ``KeyError`` for an unknown connection.
        """
        if connection_id not in self.state.catalog.connections:
            raise KeyError(f"unknown connection {connection_id!r}")
        try:
            return start_external_sync(self.state, connection_id)
        except Problem as problem:
            raise RuntimeError(str(problem)) from None

    def schedule_external_syncs(self, connection_id: str, every_seconds: float) -> None:
        """Start a sync of the connection every N seconds in the background, skipping a turn
        while one runs, until ``stop_external_syncs()`` or ``stop()``."""
        self._external_syncs.every(connection_id, every_seconds)

    def stop_external_syncs(self) -> None:
        self._external_syncs.stop()

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def requests(self) -> list[RequestRecord]:
        """Every API request served so far, in order."""
        return self.state.faults.requests

    def jobs_created(self, connection_id: str) -> int:
        """How many POST /jobs created a job for this connection."""
        return self.state.jobs.jobs_created(connection_id)

    def job(self, job_id: int) -> dict[str, Any]:
        """The job as GET /jobs/{id} would serve it (KeyError if unknown)."""
        try:
            job = self.state.jobs.get(job_id)
        except Exception as exc:  # a 404 Problem
            raise KeyError(f"unknown job {job_id}") from exc
        return self.state.jobs.to_json(job)

    @property
    def warehouse_path(self) -> Path:
        return self.state.warehouse.path

    def flush_warehouse(self, timeout: float = 10.0) -> None:
        """Wait until every queued warehouse write is done."""
        self.state.warehouse.flush(timeout)

    def lose_rows(self, connection_id: str, rows: int) -> None:
        """Each later sync of this connection lands ``rows`` fewer rows than its ``rowsSynced``
        says (a destination silently dropping records); ``rows=0`` heals it."""
        if connection_id not in self.state.catalog.connections:
            raise KeyError(f"unknown connection {connection_id!r}")
        self.state.warehouse.lose_rows(connection_id, rows)
