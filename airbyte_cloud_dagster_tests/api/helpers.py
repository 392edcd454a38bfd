"""Small helpers for reading what the sandbox served."""

from __future__ import annotations

TOKEN_PATH = "/v1/applications/token"  # Cloud's; self-managed serves it under /api/public/v1


def served(sandbox, method: str, path: str) -> list:
    """Requests the sandbox served for ``method path`` (``path`` may end in ``*``)."""
    if path.endswith("*"):
        return [r for r in sandbox.requests if r.method == method and r.path.startswith(path[:-1])]
    return [r for r in sandbox.requests if r.method == method and r.path == path]


def token_requests(sandbox) -> list:
    """The token requests the sandbox served, under any API prefix."""
    return [
        r for r in sandbox.requests if r.method == "POST" and r.path.endswith("/applications/token")
    ]
