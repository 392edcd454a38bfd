"""Application credentials and the bearer tokens they are exchanged for; and the gate some
teams put in front of Airbyte.

docs/airbyte/behaviour.md, "Authentication": ``POST /applications/token`` with
``client_id``/``client_secret`` (JSON or form) returns ``{"access_token", "token_type": "Bearer",
"expires_in"}``. A missing, unknown or expired token is refused with 401 before the controller
runs. Tokens are JWTs (as Airbyte's are) signed with a key derived from the application's
credentials, so a sandbox restarted with the same credentials still accepts the tokens it issued
before, until they expire: the official SDK keeps its token for the life of the process. A token
carries its own expiry, and nothing of the secret.

:class:`Gate` is not Airbyte: it is what stands in front of a self-managed one. Required headers
are an access proxy such as Cloudflare Access or IAP (a missing or wrong header: 403); Basic auth
is a Basic-auth proxy, or an older Airbyte, with Airbyte's own auth off (so HTTP Basic replaces
bearer tokens; Basic auth is off in current community editions, docs/airbyte/behaviour.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
        #: False: the token answer carries no lifetime (``expires_in`` null), as in the spec's
        #: own example body for createAccessToken; tokens still expire after ``lifetime``.
        self.report_lifetime = True
        self._key = signing_key(credentials)
        self._issued: list[str] = []
        self._last_issued_at = 0.0  # epoch seconds, strictly increasing (see expire_all)
        self._revoked_before = 0.0  # tokens issued at or before this moment are expired
        self._lock = threading.Lock()

    @property
    def expires_in(self) -> int | None:
        """The lifetime as the token endpoint reports it: whole seconds, at least 1."""
        return max(1, math.ceil(self.lifetime)) if self.report_lifetime else None

    def check_credentials(self, client_id: str | None, client_secret: str | None) -> bool:
        expected = self.credentials
        return secrets.compare_digest(
            str(client_id or ""), expected.client_id
        ) and secrets.compare_digest(str(client_secret or ""), expected.client_secret)

    def issue(self) -> str:
        """A fresh token valid for ``lifetime`` seconds."""
        with self._lock:
            issued_at = max(time.time(), self._last_issued_at + 1e-6)
            self._last_issued_at = issued_at
            claims = {
                "iss": TOKEN_ISSUER,
                "iat": issued_at,
                "exp": issued_at + self.lifetime,
                "jti": secrets.token_hex(8),  # no two tokens alike
            }
            token = _sign(claims, self._key)
            self._issued.append(token)
        return token

    def is_valid(self, token: str) -> bool:
        """Signed with these credentials' key (by this sandbox or an earlier one), not
        expired, and issued after the last :meth:`expire_all`."""
        claims = _verified_claims(token, self._key)
        if claims is None:
            return False
        with self._lock:
            revoked_before = self._revoked_before
        return claims["iat"] > revoked_before and time.time() < claims["exp"]

    def issued(self) -> list[str]:
        """Every token issued so far, oldest first (tests check none leaks into logs)."""
        with self._lock:
            return list(self._issued)

    def expire_all(self) -> None:
        """Every token issued so far, by this sandbox or an earlier one with the same
        credentials, is expired from now on (fault injection)."""
        with self._lock:
            self._revoked_before = max(time.time(), self._last_issued_at)
            self._last_issued_at = self._revoked_before  # the next token comes after it


TOKEN_ISSUER = "airbyte-sandbox"
_KEY_CONTEXT = b"airbyte-cloud-dagster sandbox: bearer token signing key, v1"
_JWT_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}


def signing_key(credentials: Credentials) -> bytes:
    """The HMAC key tokens are signed with: a one-way function of the credentials, so the same
    credentials give the same key in every sandbox and a token reveals nothing of the secret."""
    material = f"{credentials.client_id}\0{credentials.client_secret}".encode()
    return hmac.new(_KEY_CONTEXT, material, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(signed_part: str, key: bytes) -> str:
    return _b64(hmac.new(key, signed_part.encode("ascii"), hashlib.sha256).digest())


def _sign(claims: dict[str, Any], key: bytes) -> str:
    """An HS256 JWT of ``claims``."""
    signed_part = f"{_JWT_HEADER}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    return f"{signed_part}.{_signature(signed_part, key)}"


def _verified_claims(token: str, key: bytes) -> dict[str, Any] | None:
    """The claims of a token signed with ``key``, with numeric ``iat`` and ``exp``; else None."""
    header, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    if header != _JWT_HEADER or not payload or not signature:
        return None
    if not hmac.compare_digest(signature, _signature(f"{header}.{payload}", key)):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(claims, dict):
        return None
    times = [claims.get("iat"), claims.get("exp")]
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in times):
        return None
    return claims


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
