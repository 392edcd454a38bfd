"""The few internal Config API calls the sandbox serves under ``/api/v1``.

As described in ``docs/airbyte/config-api.md``. RPC style: every call is a POST with a JSON body.
Same gateway as the public API (auth with the same bearer tokens, faults, request log; fault globs
are the path below ``/api/v1``, e.g. ``"/jobs/get*"``). Served from the sandbox's own jobs and
workspace:

- ``POST /applications/token``: self-managed Airbyte hands out tokens here too
  (docs/airbyte/config-api.md, "Authentication"), with the public endpoint's handler;
- ``POST /jobs/get`` ``{id}``: ``JobInfoRead`` with logs, no job-level stats;
- ``POST /jobs/get_without_logs`` ``{id}``: ``JobInfoRead`` without logs, with
  ``aggregatedStats`` and ``streamAggregatedStats``;
- ``POST /jobs/get_light`` ``{id}``: ``JobInfoLightRead``, the job alone;
- ``POST /connections/get`` ``{connectionId}``: ``ConnectionRead``.

``sb.faults.refuse_config_api(404)`` makes every call but the token one answer that status, as an
Airbyte without this internal API would.

Errors have the bodies Airbyte sends since v2.0.0 (docs/airbyte/config-api.md, "Errors"): only
``{"errorId": <uuid>}``. An unknown connection is a 404; an unknown job is a **500**, because
the server's "Could not find job with id" is an unmapped ``RuntimeException``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from airbyte_cloud_dagster.sandbox.config_connections import connection_read
from airbyte_cloud_dagster.sandbox.config_jobs import job_info, job_info_light
from airbyte_cloud_dagster.sandbox.gateway import CONFIG_API_PREFIX
from airbyte_cloud_dagster.sandbox.jobs import Job
from airbyte_cloud_dagster.sandbox.problems import Problem
from airbyte_cloud_dagster.sandbox.state import SandboxState

MAX_JOB_ID = 2**63

__all__ = ["CONFIG_API_PREFIX", "routes"]

Handler = Callable[[Request], Awaitable[Response]]


class ConfigApiError(Exception):
    """An error answer: the status and the bare ``{"errorId"}`` body."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status

    def response(self) -> Response:
        return JSONResponse({"errorId": str(uuid.uuid4())}, status_code=self.status)


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object of the request; 400 otherwise (bean validation answers like this)."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise ConfigApiError(400) from None
    if not isinstance(body, dict):
        raise ConfigApiError(400)
    return body


def _errors_as_bodies(handler: Handler, state: SandboxState) -> Handler:
    async def handle(request: Request) -> Response:
        try:
            refusal = state.faults.config_api_refusal
            if refusal is not None:
                raise ConfigApiError(refusal)
            return await handler(request)
        except ConfigApiError as error:
            return error.response()

    return handle


def routes(state: SandboxState, *, token: Handler) -> list[BaseRoute]:
    """The Config API routes bound to one sandbox; ``token`` is the public token handler."""

    def find_job(body: dict[str, Any]) -> Job:
        job_id = body.get("id")
        if isinstance(job_id, bool) or not isinstance(job_id, int):
            raise ConfigApiError(400)
        if not 0 <= job_id < MAX_JOB_ID:
            raise ConfigApiError(400)
        try:
            return state.jobs.get(job_id)
        except Problem:
            # "Could not find job with id: N" is not mapped: a 500
            # (docs/airbyte/config-api.md, "Unknown ids").
            raise ConfigApiError(500) from None

    def job_handler(*, logs: bool, aggregated: bool, light: bool = False) -> Handler:
        async def handle(request: Request) -> Response:
            job = find_job(await _body(request))
            connection = state.catalog.connections[job.connection_id]
            if light:
                return JSONResponse(job_info_light(state.jobs, job, connection))
            info = job_info(state.jobs, job, connection, logs=logs, aggregated=aggregated)
            return JSONResponse(info)

        return _errors_as_bodies(handle, state)

    async def get_connection(request: Request) -> Response:
        raw_id = (await _body(request)).get("connectionId")
        try:
            connection_id = str(uuid.UUID(str(raw_id)))
        except ValueError:
            raise ConfigApiError(400) from None
        connection = state.catalog.connections.get(connection_id)
        if connection is None:
            raise ConfigApiError(404)
        return JSONResponse(connection_read(state.catalog, connection))

    return [
        Route("/applications/token", token, methods=["POST"]),
        Route("/jobs/get", job_handler(logs=True, aggregated=False), methods=["POST"]),
        Route(
            "/jobs/get_without_logs",
            job_handler(logs=False, aggregated=True),
            methods=["POST"],
        ),
        Route(
            "/jobs/get_light",
            job_handler(logs=False, aggregated=False, light=True),
            methods=["POST"],
        ),
        Route("/connections/get", _errors_as_bodies(get_connection, state), methods=["POST"]),
    ]
