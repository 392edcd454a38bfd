"""Application credentials and the bearer tokens they are exchanged for; and the gate some
teams put in front of Airbyte.

docs/airbyte/behaviour.md, "Authentication": ``POST /applications/token`` with
``client_id``/``client_secret`` (JSON or form) returns ``{"access_token", "token_type": "Bearer",
"expires_in"}``. Tokens are opaque random strings; a missing, unknown or expired token is refused
with 401 before the controller runs.

:class:`Gate` is not Airbyte: it is what stands in front of a self-managed one. Required headers
are an access proxy such as Cloudflare Access or IAP (a missing or wrong header: 403); Basic auth
is a Basic-auth proxy, or an older Airbyte, with Airbyte's own auth off (so HTTP Basic replaces
bearer tokens; Basic auth is off in current community editions, docs/airbyte/behaviour.md).
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field


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


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic <base64>`` header, else None."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def _same(given: str | None, expected: str) -> bool:
    return secrets.compare_digest((given or "").encode(), expected.encode())


@dataclass(frozen=True)
class Gate:
    """What stands in front of the API: required headers (403), then Basic auth (401)."""

    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    required_headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.basic_auth is not None:
            user, password = self.basic_auth
            if not user or ":" in user or not password:
                raise ValueError(
                    "basic_auth is (user, password): a user without ':' and a password"
                )
        # Header names are case-insensitive.
        object.__setattr__(
            self,
            "required_headers",
            {name.lower(): value for name, value in self.required_headers.items()},
        )

    def refuses(self, headers: Mapping[str, str]) -> int | None:
        """The status the gate answers a request with these (lower-cased) headers, or None
        when it lets the request through: 403 for a missing or wrong required header, 401 for
        missing or wrong Basic credentials."""
        for name, expected in self.required_headers.items():
            if not _same(headers.get(name), expected):
                return 403
        if self.basic_auth is not None:
            given = basic_credentials(headers.get("authorization"))
            user, password = self.basic_auth
            if given is None or not (_same(given[0], user) & _same(given[1], password)):
                return 401
        return None
