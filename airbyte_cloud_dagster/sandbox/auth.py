"""Application credentials and the bearer tokens they are exchanged for.

docs/airbyte/behaviour.md, "Authentication": ``POST /applications/token`` with
``client_id``/``client_secret`` (JSON or form) returns ``{"access_token", "token_type": "Bearer",
"expires_in"}``. Tokens are opaque random strings; a missing, unknown or expired token is refused
with 401 before the controller runs.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    """An application's client id and secret."""

    client_id: str
    client_secret: str

    @classmethod
    def random(cls) -> Credentials:
        return cls(
            client_id=f"sandbox-{secrets.token_hex(8)}", client_secret=secrets.token_urlsafe(24)
        )


class TokenStore:
    """Issues and checks bearer tokens; thread-safe (the Python API and the server share it)."""

    def __init__(self, credentials: Credentials, lifetime: float = 900.0):
        if lifetime <= 0:
            raise ValueError(f"token lifetime must be positive, got {lifetime}")
        self.credentials = credentials
        self.lifetime = lifetime
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def expires_in(self) -> int:
        """The lifetime as the token endpoint reports it: whole seconds, at least 1."""
        return max(1, math.ceil(self.lifetime))

    def check_credentials(self, client_id: str | None, client_secret: str | None) -> bool:
        expected = self.credentials
        return secrets.compare_digest(
            str(client_id or ""), expected.client_id
        ) and secrets.compare_digest(str(client_secret or ""), expected.client_secret)

    def issue(self) -> str:
        """A fresh token valid for ``lifetime`` seconds."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expiry[token] = time.monotonic() + self.lifetime
        return token

    def is_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and time.monotonic() < expiry

    def issued(self) -> list[str]:
        """Every token issued so far, oldest first (tests check none leaks into logs)."""
        with self._lock:
            return list(self._expiry)

    def expire_all(self) -> None:
        """Every token issued so far is expired from now on (fault injection)."""
        now = time.monotonic()
        with self._lock:
            for token in self._expiry:
                self._expiry[token] = now


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
