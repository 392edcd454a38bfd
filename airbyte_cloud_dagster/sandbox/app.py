"""The public Airbyte API routes, served under both ``/v1`` and ``/api/public/v1``.

Auth, fault injection and the request log sit in front of these routes (gateway.py); the
``/_sandbox`` admin routes live in admin.py. Handlers raise :class:`Problem` for API errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from airbyte_cloud_dagster.sandbox import admin, config_api
from airbyte_cloud_dagster.sandbox.connection_patch import parse_connection_patch
from airbyte_cloud_dagster.sandbox.gateway import API_PREFIXES, Gateway
from airbyte_cloud_dagster.sandbox.jobs import Job
from airbyte_cloud_dagster.sandbox.pagination import page_body
from airbyte_cloud_dagster.sandbox.problems import Problem, bad_request, not_found, problem_response
from airbyte_cloud_dagster.sandbox.resources import (
    DELETED_STATUS,
    connection_json,
    destination_json,
    source_json,
    stream_properties_json,
    workspace_json,
)
from airbyte_cloud_dagster.sandbox.seed import ConnectionSeed
from airbyte_cloud_dagster.sandbox.state import SandboxState
from airbyte_cloud_dagster.sandbox.web_pages import WebPages

logger = logging.getLogger(__name__)

JOB_TYPES = ("sync", "reset", "refresh", "clear")
JOB_STATUSES = ("pending", "queued", "running", "incomplete", "failed", "succeeded", "cancelled")
ORDER_FIELDS = {"createdAt", "updatedAt"}
TICK_SECONDS = 0.1


# --------------------------------------------------------------------------- parameter parsing


def parse_uuid(value: str | None, name: str) -> str:
    """A UUID path or query value, normalised; 400 if malformed (as the real server)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise bad_request(f"'{name}' must be a UUID, got {value!r}") from None


def parse_job_id(value: str) -> int:
    try:
        job_id = int(value)
    except ValueError:
        raise bad_request(f"'jobId' must be an integer, got {value!r}") from None
    if not 0 <= job_id < 2**63:
        raise bad_request(f"'jobId' must be a positive int64, got {value!r}")
    return job_id


def parse_bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise bad_request(f"Query parameter '{name}' must be true or false, got {raw!r}")
    return raw.lower() == "true"


def parse_id_list(request: Request, name: str) -> list[str] | None:
    """A list of UUIDs given comma-separated, repeated, or both; None if absent."""
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    return [
        parse_uuid(part.strip(), name) for item in raw for part in item.split(",") if part.strip()
    ]


def parse_datetime(request: Request, name: str) -> float | None:
    """An ISO date-time with an offset (naive times are refused, like Java's OffsetDateTime)."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad_request(f"'{name}' must be an ISO-8601 date-time, got {raw!r}") from None
    if moment.tzinfo is None:
        raise bad_request(f"'{name}' must include a time zone offset, got {raw!r}")
    return moment.timestamp()


async def read_json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


# --------------------------------------------------------------------------- handlers


class Api:
    """Route handlers bound to one sandbox's state."""

    def __init__(self, state: SandboxState):
        self.state = state
        self.catalog = state.catalog

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/applications/token", self.token, methods=["POST"]),
            Route("/health", self.health, methods=["GET"]),
            Route("/workspaces", self.list_workspaces, methods=["GET"]),
            Route("/workspaces/{workspace_id}", self.get_workspace, methods=["GET"]),
            Route("/sources", self.list_sources, methods=["GET"]),
            Route("/sources/{source_id}", self.get_source, methods=["GET"]),
            Route("/destinations", self.list_destinations, methods=["GET"]),
            Route("/destinations/{destination_id}", self.get_destination, methods=["GET"]),
            Route("/connections", self.list_connections, methods=["GET"]),
            Route("/connections/{connection_id}", self.get_connection, methods=["GET"]),
            Route("/connections/{connection_id}", self.patch_connection, methods=["PATCH"]),
            Route("/streams", self.list_streams, methods=["GET"]),
            Route("/jobs", self.create_job, methods=["POST"]),
            Route("/jobs", self.list_jobs, methods=["GET"]),
            Route("/jobs/{job_id}", self.get_job, methods=["GET"]),
            Route("/jobs/{job_id}", self.cancel_job, methods=["DELETE"]),
        ]

    # ------------------------------------------------------------------ auth
    async def token(self, request: Request) -> Response:
        """Client credentials -> bearer token (docs/airbyte/behaviour.md, "Authentication")."""
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        if "json" in content_type or raw.lstrip().startswith(b"{"):
            body = await read_json_object(request)
        else:
            body = dict(parse_qsl(raw.decode("utf-8", "replace")))
        client_id = body.get("client_id", body.get("clientId"))
        client_secret = body.get("client_secret", body.get("clientSecret"))
        grant_type = body.get("grant-type", body.get("grant_type", "client_credentials"))
        if not client_id or not client_secret:
            raise bad_request("client_id and client_secret are required.")
        if grant_type != "client_credentials":
            raise bad_request(f"Unsupported grant-type {grant_type!r}; use client_credentials.")
        if not self.state.tokens.check_credentials(client_id, client_secret):
            # Cloud answers wrong credentials with a bare error id, not a problem object.
            return JSONResponse({"errorId": str(uuid.uuid4())}, status_code=401)
        return JSONResponse(
            {
                "access_token": self.state.tokens.issue(),
                "token_type": "Bearer",
                "expires_in": self.state.tokens.expires_in,
            }
        )

    async def health(self, request: Request) -> Response:
        """getHealthCheck: 200 without a token (the gateway lets it through); no body in the spec,
        a short text from the real server (docs/airbyte/behaviour.md, "Health")."""
        return PlainTextResponse("Successful operation")

    # ------------------------------------------------------------------ workspaces, sources, ...
    def _in_workspaces(self, request: Request) -> bool:
        ids = parse_id_list(request, "workspaceIds")
        return ids is None or self.catalog.workspace_id in ids

    async def list_workspaces(self, request: Request) -> Response:
        parse_bool(request, "includeDeleted")
        seeds = [self.catalog.seed] if self._in_workspaces(request) else []
        return JSONResponse(page_body(request, seeds, workspace_json))

    async def get_workspace(self, request: Request) -> Response:
        workspace_id = parse_uuid(request.path_params["workspace_id"], "workspaceId")
        if workspace_id != self.catalog.workspace_id:
            raise not_found("workspace", workspace_id)
        return JSONResponse(workspace_json(self.catalog.seed))

    async def list_sources(self, request: Request) -> Response:
        parse_bool(request, "includeDeleted")
        sources = list(self.catalog.sources.values()) if self._in_workspaces(request) else []
        ws = self.catalog.workspace_id
        return JSONResponse(page_body(request, sources, lambda s: source_json(s, ws)))

    async def get_source(self, request: Request) -> Response:
        source_id = parse_uuid(request.path_params["source_id"], "sourceId")
        source = self.catalog.sources.get(source_id)
        if source is None:
            raise not_found("source", source_id)
        return JSONResponse(source_json(source, self.catalog.workspace_id))

    async def list_destinations(self, request: Request) -> Response:
        parse_bool(request, "includeDeleted")
        destinations = (
            list(self.catalog.destinations.values()) if self._in_workspaces(request) else []
        )
        ws = self.catalog.workspace_id
        return JSONResponse(page_body(request, destinations, lambda d: destination_json(d, ws)))

    async def get_destination(self, request: Request) -> Response:
        destination_id = parse_uuid(request.path_params["destination_id"], "destinationId")
        destination = self.catalog.destinations.get(destination_id)
        if destination is None:
            raise not_found("destination", destination_id)
        return JSONResponse(destination_json(destination, self.catalog.workspace_id))

    # ------------------------------------------------------------------ connections, streams
    async def list_connections(self, request: Request) -> Response:
        include_deleted = parse_bool(request, "includeDeleted")
        tag_ids = parse_id_list(request, "tagIds")
        connections: list[ConnectionSeed] = []
        if self._in_workspaces(request) and not tag_ids:  # seeded connections carry no tags
            connections = [
                c
                for c in self.catalog.connections.values()
                if include_deleted or c.status != DELETED_STATUS
            ]
        return JSONResponse(
            page_body(request, connections, lambda c: connection_json(self.catalog, c))
        )

    async def get_connection(self, request: Request) -> Response:
        connection = self._connection(request.path_params["connection_id"])
        return JSONResponse(connection_json(self.catalog, connection))

    async def patch_connection(self, request: Request) -> Response:
        """patchConnection: name, status and schedule, checked as the real server checks them
        (connection_patch.py; docs/airbyte/behaviour.md, "Changing a connection")."""
        connection_id = parse_uuid(request.path_params["connection_id"], "connectionId")
        patch = parse_connection_patch(await read_json_object(request))
        connection = self._connection(connection_id)
        if self.state.faults.ignores("PATCH", f"/connections/{connection.connection_id}"):
            return JSONResponse(connection_json(self.catalog, connection))  # an ``ignore`` fault
        updated = self.catalog.update_connection(connection.connection_id, **patch.changes())
        return JSONResponse(connection_json(self.catalog, updated))

    def _connection(self, raw_id: str | None) -> ConnectionSeed:
        connection_id = parse_uuid(raw_id, "connectionId")
        connection = self.catalog.connections.get(connection_id)
        if connection is None:
            raise not_found("connection", connection_id)
        return connection

    async def list_streams(self, request: Request) -> Response:
        """A bare array of StreamProperties (not a paginated object)."""
        raw_source = request.query_params.get("sourceId")
        if raw_source is None:
            raise bad_request("Query parameter 'sourceId' is required.")
        source_id = parse_uuid(raw_source, "sourceId")
        source = self.catalog.sources.get(source_id)
        if source is None:
            raise not_found("source", source_id)
        raw_destination = request.query_params.get("destinationId")
        if raw_destination is not None:
            destination_id = parse_uuid(raw_destination, "destinationId")
            if destination_id not in self.catalog.destinations:
                raise not_found("destination", destination_id)
        # A cache miss (or ignoreCache) costs a schema discovery (docs/airbyte/behaviour.md,
        # "Streams"; discovery.py).
        ignore_cache = parse_bool(request, "ignoreCache")
        await self.state.discovery.discover(source_id, ignore_cache=ignore_cache)
        return JSONResponse([stream_properties_json(s) for s in source.streams])

    # ------------------------------------------------------------------ jobs
    def job_response(self, job: Job) -> Response:
        return JSONResponse(self.state.jobs.to_json(job))

    async def create_job(self, request: Request) -> Response:
        body = await read_json_object(request)
        job_type = body.get("jobType")
        if job_type not in JOB_TYPES:
            raise bad_request(f"'jobType' must be one of {', '.join(JOB_TYPES)}; got {job_type!r}.")
        if "connectionId" not in body:
            raise bad_request("'connectionId' is required.")
        connection = self._connection(body["connectionId"])
        if job_type == "refresh":
            raise Problem("unprocessable-entity", "Refreshes are not supported in the public API.")
        if connection.status != "active":
            raise Problem(
                "state-conflict",
                f"Connection {connection.connection_id} is {connection.status}; "
                "enable it before starting a job.",
            )
        # docs/airbyte/behaviour.md, "Jobs": clear runs a reset and comes back as jobType "reset".
        kind = "reset" if job_type in ("reset", "clear") else "sync"
        job = self.state.jobs.start(connection.connection_id, kind, len(connection.streams))
        return self.job_response(job)

    async def get_job(self, request: Request) -> Response:
        return self.job_response(self.state.jobs.get(parse_job_id(request.path_params["job_id"])))

    async def cancel_job(self, request: Request) -> Response:
        return self.job_response(
            self.state.jobs.cancel(parse_job_id(request.path_params["job_id"]))
        )

    async def list_jobs(self, request: Request) -> Response:
        jobs_book = self.state.jobs
        query = request.query_params
        connection_id = None
        if "connectionId" in query:
            connection_id = self._connection(query["connectionId"]).connection_id
        job_type = query.get("jobType")
        if job_type is not None and job_type not in JOB_TYPES:
            raise bad_request(f"'jobType' must be one of {', '.join(JOB_TYPES)}; got {job_type!r}.")
        job_type = "reset" if job_type == "clear" else job_type
        status = query.get("status")
        if status is not None and status not in JOB_STATUSES:
            raise bad_request(f"'status' must be one of {', '.join(JOB_STATUSES)}; got {status!r}.")
        order_field, descending = self._order_by(query.get("orderBy"))
        windows = {
            name: parse_datetime(request, name)
            for name in ("createdAtStart", "createdAtEnd", "updatedAtStart", "updatedAtEnd")
        }
        in_workspace = self._in_workspaces(request)

        def keep(job: Job) -> bool:
            created = int(job.created)  # the API's resolution: whole seconds
            updated = int(jobs_book.updated_at(job))
            return (
                in_workspace
                and (connection_id is None or job.connection_id == connection_id)
                and (job_type is None or job.job_type == job_type)
                and (status is None or jobs_book.status(job) == status)
                and _within(created, windows["createdAtStart"], windows["createdAtEnd"])
                and _within(updated, windows["updatedAtStart"], windows["updatedAtEnd"])
            )

        sort_key: Callable[[Job], Any] = (
            (lambda j: (j.created, j.job_id))
            if order_field == "createdAt"
            else (lambda j: (jobs_book.updated_at(j), j.job_id))
        )
        jobs = sorted((j for j in jobs_book.all() if keep(j)), key=sort_key, reverse=descending)
        return JSONResponse(page_body(request, jobs, jobs_book.to_json))

    @staticmethod
    def _order_by(raw: str | None) -> tuple[str, bool]:
        """``createdAt|ASC`` etc.; the default is createdAt ascending
        (docs/airbyte/behaviour.md, "Jobs")."""
        if raw is None:
            return "createdAt", False
        field_name, _, direction = raw.partition("|")
        if field_name not in ORDER_FIELDS or direction not in ("ASC", "DESC"):
            raise bad_request(
                "'orderBy' must be createdAt|ASC, createdAt|DESC, updatedAt|ASC or "
                f"updatedAt|DESC; got {raw!r}."
            )
        return field_name, direction == "DESC"


def _within(value: float, start: float | None, end: float | None) -> bool:
    return (start is None or value >= start) and (end is None or value <= end)


# --------------------------------------------------------------------------- the ASGI app


async def _problem_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc)


async def _unexpected_handler(request: Request, exc: Exception) -> Response:
    logger.exception("sandbox handler failed", exc_info=exc)
    return problem_response(Problem("unexpected-problem", f"{type(exc).__name__}: {exc}"))


def build_app(state: SandboxState) -> Gateway:
    """The full ASGI app: gateway (auth, faults, log) over the API and admin routes."""
    api = Api(state)
    api_routes = api.routes()

    @asynccontextmanager
    async def lifespan(app: Starlette):
        async def tick() -> None:
            # Not an Airbyte behaviour: lets successful jobs land even if nobody polls.
            while True:
                await asyncio.sleep(TICK_SECONDS)
                state.jobs.tick()

        ticker = asyncio.create_task(tick())
        try:
            yield
        finally:
            ticker.cancel()

    routes: list[BaseRoute] = [Mount(prefix, routes=api_routes) for prefix in API_PREFIXES]
    config_routes = config_api.routes(state, token=api.token)
    routes.append(Mount(config_api.CONFIG_API_PREFIX, routes=config_routes))
    routes.append(Mount(admin.ADMIN_PREFIX, routes=admin.routes(state)))
    routes += WebPages(state).routes()  # the web app's connection pages (web_pages.py)
    app = Starlette(
        routes=routes,
        exception_handlers={Problem: _problem_handler, Exception: _unexpected_handler},
        lifespan=lifespan,
    )
    return Gateway(app, state)
