"""The sandbox playing Airbyte's own scheduler: syncs that no API client asked for.

Real Airbyte starts a connection's syncs by itself on its ``schedule`` (and people start them
from its UI); a Dagster sensor has to find those jobs through ``GET /jobs``. Here they are
started on demand, with the same rules as ``POST /jobs`` (docs/airbyte/behaviour.md, "Jobs": one
sync at a time per connection, 409 ``try-again-later`` otherwise; an inactive connection, 409
``state-conflict``), and they then look exactly like any other job.

- Python: ``Sandbox.start_external_sync(connection_id) -> dict`` (the job as ``GET /jobs/{id}``
  serves it); ``Sandbox.schedule_external_syncs(connection_id, every_seconds)`` starts one every
  N seconds in the background, skipping a turn while a sync runs, as Airbyte's scheduler does,
  until ``stop_external_syncs()`` or the sandbox stops.
- HTTP: ``POST /_sandbox/connections/{id}/external-sync`` -> 201 and the job.
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from airbyte_cloud_dagster.sandbox.problems import Problem, not_found
from airbyte_cloud_dagster.sandbox.state import SandboxState


def start_external_sync(state: SandboxState, connection_id: str) -> dict[str, Any]:
    """Start a sync as Airbyte's scheduler would; raises ``Problem`` (404/409) as the API does."""
    connection = state.catalog.connections.get(connection_id)
    if connection is None:
        raise not_found("connection", connection_id)
    if connection.status != "active":
        raise Problem(
            "state-conflict", f"Connection {connection_id} is {connection.status}; not scheduled."
        )
    job = state.jobs.start(connection_id, "sync", len(connection.streams))
    return state.jobs.to_json(job)


class ExternalSyncs:
    """Background "Airbyte scheduler" threads, one per connection, stopped together."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def every(self, connection_id: str, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError(f"every_seconds must be positive, got {seconds}")
        if connection_id not in self._state.catalog.connections:
            raise KeyError(f"unknown connection {connection_id!r}")
        thread = threading.Thread(
            target=self._loop,
            args=(connection_id, seconds),
            name=f"airbyte-scheduler-{connection_id[:8]}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._stop = threading.Event()

    def _loop(self, connection_id: str, seconds: float) -> None:
        stop = self._stop
        while not stop.wait(seconds):
            try:
                start_external_sync(self._state, connection_id)
            except Problem:
                continue  # a sync still runs (or the connection was disabled): skip this turn


def routes(state: SandboxState) -> list[BaseRoute]:
    """``POST /connections/{id}/external-sync`` below the admin prefix."""

    async def external_sync(request: Request) -> Response:
        job = start_external_sync(state, request.path_params["connection_id"])
        return JSONResponse(job, status_code=201)

    return [Route("/connections/{connection_id}/external-sync", external_sync, methods=["POST"])]
