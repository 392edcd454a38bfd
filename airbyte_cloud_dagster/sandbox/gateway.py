"""What stands in front of the API routes: the gate, faults, the auth gateway and the request log.

A plain ASGI wrapper rather than Starlette middleware, because a dropped connection must
return without any response at all. Order for each ``/v1`` or ``/api/public/v1`` request:

0. the gate in front of Airbyte, when the sandbox has one (``auth.Gate``): a missing or wrong
   required header gets an HTML 403 like an access proxy's (Cloudflare Access, IAP), missing
   or wrong Basic credentials an HTML 401 with ``WWW-Authenticate: Basic``, like nginx's;
1. a ``fail`` fault answers straight away (like a proxy or load shedder would);
2. the auth gateway refuses a missing/unknown/expired bearer token with a plain-text 401,
   before any controller runs (docs/airbyte/behaviour.md, "Authentication"); with Basic auth
   at the gate, Airbyte's own auth is off and no token is asked for. The token endpoint and the
   public API's ``GET /health`` are anonymous (docs/airbyte/behaviour.md, "Health");
3. the routes handle the request; the response is buffered;
4. a ``delay`` fault holds it back, a ``drop`` fault closes the connection instead;
5. the request is logged (status 0 when dropped), refused ones too.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airbyte_cloud_dagster.sandbox.auth import bearer_token
from airbyte_cloud_dagster.sandbox.faults import Decision, RequestRecord
from airbyte_cloud_dagster.sandbox.problems import not_found, problem_for_status, problem_response

if TYPE_CHECKING:
    from airbyte_cloud_dagster.sandbox.state import SandboxState

# Longest first: "/api/public/v1" is self-managed, "/v1" is Cloud.
API_PREFIXES = ("/api/public/v1", "/v1")
# The internal Config API (config_api.py), behind the same faults, auth and request log.
CONFIG_API_PREFIX = "/api/v1"
_ALL_API_PREFIXES = (*API_PREFIXES, CONFIG_API_PREFIX)  # built once, read on every request
TOKEN_PATH = "/applications/token"
HEALTH_PATH = "/health"  # getHealthCheck: anonymous in the public API only (security: [])

_PROXY_PAGE = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""
# An access proxy's refusal (Cloudflare Access answers a request without its service token
# with an HTML page like this one) and a Basic-auth proxy's challenge (nginx's page).
_ACCESS_DENIED_PAGE = """<!DOCTYPE html>
<html>
<head><title>Access denied</title></head>
<body>
<h1>Forbidden</h1>
<p>You don't have permission to view this. Please contact your system administrator.</p>
</body>
</html>
"""
_BASIC_AUTH_REALM = 'Basic realm="Airbyte"'
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def split_api_path(path: str) -> tuple[str, str] | None:
    """(prefix, path below it) for an API path, else None."""
    for prefix in _ALL_API_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix, path[len(prefix) :] or "/"
    return None


def fault_response(status: int, api_path: str) -> Response:
    """The body the real culprit of ``status`` sends (docs/airbyte/behaviour.md, "Errors")."""
    if status == 429:  # Airbyte's load shedder: JSON, and no Retry-After header
        return JSONResponse({"message": "You are being rate limited."}, status_code=429)
    if status >= 500:
        page = _PROXY_PAGE.format(status=status, reason=_REASONS.get(status, "Error"))
        return Response(page, status_code=status, media_type="text/html")
    if status == 401:
        return unauthorized()
    if status == 404:  # resource-not-found names the resource in ``data``
        collection, _, resource_id = api_path.strip("/").partition("/")
        return problem_response(not_found(collection.rstrip("s") or "resource", resource_id or "-"))
    return problem_response(problem_for_status(status, f"Injected fault: HTTP {status}."))


def _anonymous(prefix: str, api_path: str) -> bool:
    """Paths served without a token."""
    return api_path == TOKEN_PATH or (api_path == HEALTH_PATH and prefix in API_PREFIXES)


def unauthorized() -> Response:
    """The gateway's 401: plain text, not a problem object."""
    return PlainTextResponse("Unauthorized", status_code=401)


def gate_refusal(status: int) -> Response:
    """The gate's answer: 403 from an access proxy, or 401 asking for Basic auth."""
    if status == 403:
        return Response(_ACCESS_DENIED_PAGE, status_code=403, media_type="text/html")
    page = _PROXY_PAGE.format(status=401, reason="Authorization Required")
    return Response(
        page,
        status_code=401,
        media_type="text/html",
        headers={"WWW-Authenticate": _BASIC_AUTH_REALM},
    )


class Gateway:
    """ASGI wrapper adding faults, auth and the request log to the sandbox routes."""

    def __init__(self, app: ASGIApp, state: SandboxState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        split = split_api_path(scope.get("path", "")) if scope["type"] == "http" else None
        if split is None:
            await self.app(scope, receive, send)
            return
        prefix, api_path = split
        method = scope["method"]
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers") or []
        }
        gate = self.state.gate
        refused = gate.refuses(headers)
        decision = Decision() if refused else self.state.faults.decide(method, api_path)
        messages: list[Message] = []

        async def buffer(message: Message) -> None:
            messages.append(message)

        if refused is not None:
            await gate_refusal(refused)(scope, receive, buffer)
        elif decision.fail is not None:
            await fault_response(decision.fail, api_path)(scope, receive, buffer)
        elif (
            self.state.auth
            and gate.basic_auth is None
            and not _anonymous(prefix, api_path)
            and not self._authorized(headers)
        ):
            await unauthorized()(scope, receive, buffer)
        else:
            try:
                await self.app(scope, receive, buffer)
            except Exception:
                # Starlette has already rendered the 500 problem, then re-raised for logging.
                if not messages:
                    raise

        status = next((m["status"] for m in messages if m["type"] == "http.response.start"), 500)
        if decision.delay:
            await asyncio.sleep(decision.delay)
        dropped = decision.drop and await self._drop(scope)
        self._log(scope, api_path, 0 if dropped else status)
        if not dropped:
            for message in messages:
                await send(message)

    def _authorized(self, headers: dict[str, str]) -> bool:
        token = bearer_token(headers.get("authorization"))
        return token is not None and self.state.tokens.is_valid(token)

    async def _drop(self, scope: Scope) -> bool:
        dropper = self.state.dropper
        return dropper is not None and await dropper(scope)

    def _log(self, scope: Scope, api_path: Any, status: int) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        self.state.faults.record(RequestRecord(scope["method"], scope["path"], status, query))
