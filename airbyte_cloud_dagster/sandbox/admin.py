"""``/_sandbox`` admin endpoints: the fault-injection API over HTTP (not part of Airbyte's API).

- ``POST /_sandbox/faults`` ``{"kind": "fail"|"delay"|"drop"|"ignore", "path", "status",
  "seconds", "times", "method"}``; ``DELETE /_sandbox/faults`` clears every rule;
- ``POST /_sandbox/expire-tokens``;
- ``GET /_sandbox/requests`` -> ``[{"method", "path", "status", "query"}, ...]``;
- ``GET /_sandbox/jobs-created`` -> ``{connectionId: count}``;
- ``POST /_sandbox/connections/{id}/lose-rows`` ``{"rows": N}``: each later sync of the connection
  lands N rows fewer than it reports (``Sandbox.lose_rows``; 0 heals it);
- ``POST /_sandbox/connections/{id}/plan`` ``{"duration", "outcome", "queued_for",
  "incomplete_attempts", "rows", "bytes", "failure_type", "failure_message",
  "failure_origin"}`` (as ``Sandbox.configure_connection``);
- ``POST /_sandbox/connections/{id}/external-sync``: a sync started as if by Airbyte's own
  scheduler (scheduler.py);
- ``GET /_sandbox/discovery`` -> ``{"seconds", "discoveries", "cachedSources"}``;
  ``POST /_sandbox/discovery`` ``{"seconds": S, "forget": true}`` (both optional): what a schema
  discovery behind ``GET /streams`` costs, and emptying its cache (discovery.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from airbyte_cloud_dagster.sandbox import scheduler
from airbyte_cloud_dagster.sandbox.faults import FaultRule
from airbyte_cloud_dagster.sandbox.jobs import JobPlan
from airbyte_cloud_dagster.sandbox.problems import bad_request, not_found
from airbyte_cloud_dagster.sandbox.state import SandboxState

ADMIN_PREFIX = "/_sandbox"
# What a plan body may set: JobPlan's fields, so a new field needs no second edit here.
PLAN_FIELDS = tuple(field.name for field in fields(JobPlan))


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def routes(state: SandboxState) -> list[BaseRoute]:
    """The admin routes bound to one sandbox."""

    async def add_fault(request: Request) -> Response:
        body = await _json_object(request)
        kind = str(body.get("kind"))
        times = body.get("times", None if kind == "delay" else 1)
        try:
            rule = FaultRule(
                kind=kind,
                path=str(body["path"]),
                status=int(body.get("status") or 0),
                seconds=float(body.get("seconds") or 0.0),
                times=None if times is None else int(times),
                method=body.get("method"),
            )
            state.faults.add_rule(rule)
        except (KeyError, TypeError, ValueError) as exc:
            raise bad_request(f"Invalid fault: {exc}") from None
        return JSONResponse(asdict(rule), status_code=201)

    async def clear_faults(request: Request) -> Response:
        state.faults.clear()
        return Response(status_code=204)

    async def expire_tokens(request: Request) -> Response:
        state.faults.expire_tokens()
        return Response(status_code=204)

    async def request_log(request: Request) -> Response:
        return JSONResponse([asdict(r) for r in state.faults.requests])

    async def jobs_created(request: Request) -> Response:
        return JSONResponse(state.jobs.created_counts())

    async def plan(request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        if connection_id not in state.catalog.connections:
            raise not_found("connection", connection_id)
        body = await _json_object(request)
        unknown = set(body) - set(PLAN_FIELDS)
        if unknown:
            raise bad_request(f"Unknown plan fields {sorted(unknown)}; known: {list(PLAN_FIELDS)}")
        try:
            new_plan = state.jobs.configure(connection_id, **body)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"Invalid plan: {exc}") from None
        return JSONResponse(asdict(new_plan))

    async def lose_rows(request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        if connection_id not in state.catalog.connections:
            raise not_found("connection", connection_id)
        rows = (await _json_object(request)).get("rows")
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise bad_request(f"'rows' must be a non-negative integer, got {rows!r}")
        state.warehouse.lose_rows(connection_id, rows)
        return JSONResponse({"connectionId": connection_id, "rows": rows})

    async def discovery(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_object(request)
            unknown = set(body) - {"seconds", "forget"}
            if unknown:
                raise bad_request(
                    f"Unknown discovery fields {sorted(unknown)}; known: seconds, forget"
                )
            if "seconds" in body:
                seconds = body["seconds"]
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                    raise bad_request(f"'seconds' must be a number, got {seconds!r}")
                try:
                    state.discovery.seconds = seconds
                except ValueError as exc:
                    raise bad_request(str(exc)) from None
            if body.get("forget"):
                state.discovery.forget()
        return JSONResponse(state.discovery.to_json())

    return [
        Route("/discovery", discovery, methods=["GET", "POST"]),
        Route("/faults", add_fault, methods=["POST"]),
        Route("/connections/{connection_id}/lose-rows", lose_rows, methods=["POST"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
        Route("/expire-tokens", expire_tokens, methods=["POST"]),
        Route("/requests", request_log, methods=["GET"]),
        Route("/jobs-created", jobs_created, methods=["GET"]),
        Route("/connections/{connection_id}/plan", plan, methods=["POST"]),
        *scheduler.routes(state),
    ]
