"""How the client proves who it is: application credentials, a static token, Basic auth, or
nothing.

Exactly one of:

- ``client_id`` + ``client_secret`` (Airbyte Cloud today): exchanged for a short-lived token at
  ``POST <base>/applications/token``, cached, refreshed shortly *before* ``expires_in`` runs out
  (an answer without it, like the spec's example body, gets ``ASSUMED_TOKEN_LIFETIME``) and
  after a 401 (docs/airbyte/behaviour.md, "Authentication").
- ``api_token``: a static bearer token (self-managed setups, token brokers). It cannot be
  refreshed, so a 401 is final.
- ``username`` + ``password``: HTTP Basic auth on every request, instead of any token (older
  self-managed installs, or Airbyte with its own auth off behind a Basic-auth proxy; Basic auth
  is off in current community editions, docs/airbyte/behaviour.md, "Authentication"). A 401 is
  final.
- nothing: self-managed Airbyte with ``API_AUTHORIZATION_ENABLED=false``.

Headers a gate in front of Airbyte asks for (``extra_headers``) are the session's business
(``session.build_session``): they go on every request, the token request too.

>>> auth = build_auth(check_credentials("abc", "s3cret"), base_url=url, ...)
>>> auth
ClientCredentialsAuth(client_id='abc')

No object here ever shows a secret or a token in its repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from airbyte_cloud_dagster.api.arguments import Credentials
from airbyte_cloud_dagster.api.errors import AirbyteAuthError, AirbyteResponseError
from airbyte_cloud_dagster.api.network import connection_error
from airbyte_cloud_dagster.api.responses import (
    error_for_response,
    is_gate_answer,
    wrong_api_url_hint,
)
from airbyte_cloud_dagster.api.session import TransportSettings

__all__ = [
    "Auth",
    "BasicAuth",
    "ClientCredentialsAuth",
    "NoAuth",
    "StaticTokenAuth",
    "build_auth",
]

TOKEN_PATH = "/applications/token"
# The lifetime of a token whose answer does not say (createAccessToken's example body has only
# access_token): below the 3 minutes tokens lived until 2025, the shortest Airbyte has had
# (docs/airbyte/behaviour.md, "Authentication"), so a renewal comes before any real expiry at
# the cost of one token request every ~2 minutes; a 401 still renews it in any case.
ASSUMED_TOKEN_LIFETIME = 120.0


class Auth:
    """What the transport needs from an auth scheme."""

    #: Whether this is HTTP Basic auth (a 401 asking for Basic auth is then about its password).
    is_basic: bool = False

    def authorization(self) -> str | None:
        """The ``Authorization`` header value for the next request, or None."""
        raise NotImplementedError

    def handle_unauthorized(self, used: str | None, *, method: str, path: str) -> None:
        """A request sent with ``used`` got 401: make the next :meth:`authorization` worth a
        replay, or raise :class:`AirbyteAuthError` if nothing can be done."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NoAuth(Auth):
    """Self-managed Airbyte with API authorization disabled (its default)."""

    def authorization(self) -> str | None:
        return None

    def handle_unauthorized(self, used: str | None, *, method: str, path: str) -> None:
        raise AirbyteAuthError(
            f"{method} {path} returned 401 to a client configured without credentials; "
            f"this Airbyte requires authentication, so pass client_id and client_secret "
            f"(or api_token, or username and password for HTTP Basic auth).",
            status_code=401,
            method=method,
            path=path,
        )


class StaticTokenAuth(Auth):
    """A bearer token supplied by the caller; a 401 means it is invalid or expired."""

    def __init__(self, api_token: str) -> None:
        self._header = f"Bearer {api_token}"

    def authorization(self) -> str | None:
        return self._header

    def handle_unauthorized(self, used: str | None, *, method: str, path: str) -> None:
        raise AirbyteAuthError(
            f"{method} {path} returned 401: Airbyte refused the api_token (it is invalid or "
            f"has expired); supply a new token, or use client_id and client_secret so the "
            f"client can refresh tokens itself.",
            status_code=401,
            method=method,
            path=path,
        )


class BasicAuth(Auth):
    """HTTP Basic auth on every request (RFC 7617), in place of a bearer token."""

    is_basic = True

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        # UTF-8, as RFC 7617 lets a server ask for; plain ASCII credentials encode the same.
        pair = f"{username}:{password}".encode()
        self._header = "Basic " + base64.b64encode(pair).decode("ascii")

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r})"

    def authorization(self) -> str | None:
        return self._header

    def handle_unauthorized(self, used: str | None, *, method: str, path: str) -> None:
        raise AirbyteAuthError(
            f"{method} {path} returned 401: the server refused the username "
            f"{self.username!r} and its password; check username and password (Basic auth).",
            status_code=401,
            method=method,
            path=path,
        )


class ClientCredentialsAuth(Auth):
    """Application credentials exchanged for access tokens, refreshed before they expire.

    Thread-safe: one lock guards the cached token, so concurrent callers that find it stale
    (or that all got a 401 with the same token) share one refresh.
    """

    #: Refresh when less than min(60 s, 10 % of the lifetime) remains. Tokens live 15 minutes
    #: today and lived 3 minutes until 2025 (docs/airbyte/behaviour.md, "Authentication").
    max_margin: float = 60.0
    margin_fraction: float = 0.1

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        base_url: str,
        session: requests.Session,
        settings: TransportSettings,
        logger: logging.Logger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        # Built by concatenation, never urljoin: a relative join on a base ending in "/" yields
        # /v1/v1/applications/token (docs/airbyte/behaviour.md, "Authentication").
        self.token_url = base_url.rstrip("/") + TOKEN_PATH
        self.token_path = requests.utils.urlparse(self.token_url).path
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._settings = settings
        self._logger = logger
        self._clock = clock
        self._lock = threading.Lock()
        self._header: str | None = None
        self._refresh_at = 0.0
        self.refresh_count = 0
        # Exchanging credentials has no side effect but a fresh token, so unlike POST /jobs this
        # POST is safe to retry on lost connections, 429 and 5xx: mount a policy just for it.
        token_retry = settings.retry(frozenset({"POST"}))
        session.mount(self.token_url, HTTPAdapter(max_retries=token_retry))

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self.client_id!r})"

    def authorization(self) -> str | None:
        header = self._header
        if header is not None and self._clock() < self._refresh_at:
            return header
        with self._lock:
            if self._header is None or self._clock() >= self._refresh_at:
                self._refresh_locked(reason="expiring" if self._header else "first use")
            return self._header

    def handle_unauthorized(self, used: str | None, *, method: str, path: str) -> None:
        with self._lock:
            # Another thread may have refreshed already; then its token is the one to replay with.
            if self._header == used:
                self._refresh_locked(reason=f"401 on {method} {path}")

    def _refresh_locked(self, *, reason: str) -> None:
        token, said = self._fetch_token()
        lifetime = ASSUMED_TOKEN_LIFETIME if said is None else said
        margin = min(self.max_margin, self.margin_fraction * lifetime)
        self._header = f"Bearer {token}"
        self._refresh_at = self._clock() + lifetime - margin
        self.refresh_count += 1
        self._logger.info(
            "Obtained an Airbyte access token for client id %s (%s); valid for %g s%s.",
            self.client_id,
            reason,
            lifetime,
            " (assumed: the answer had no expires_in)" if said is None else "",
        )

    def _fetch_token(self) -> tuple[str, float | None]:
        body = {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "grant-type": "client_credentials",
        }
        method, path = "POST", self.token_path
        try:
            response = self._session.post(
                self.token_url,
                json=body,
                timeout=(self._settings.connect_timeout, self._settings.request_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise connection_error(
                method, path, exc, url=self.token_url, settings=self._settings, retried=True
            ) from exc
        with response:
            # Wrong credentials: 401 on Cloud, 400 on self-managed "simple" auth
            # (docs/airbyte/behaviour.md, "Authentication"). A gate in front of Airbyte
            # (Cloudflare Access, a Basic-auth proxy) refusing the request is not that.
            if response.status_code in (400, 401, 403) and not is_gate_answer(response):
                raise AirbyteAuthError(
                    f"{method} {path} returned {response.status_code}: Airbyte refused the "
                    f"client id {self.client_id!r} and its client secret; check client_id and "
                    f"client_secret (Airbyte UI: Settings > Applications).",
                    status_code=response.status_code,
                    method=method,
                    path=path,
                ) from None
            if response.status_code >= 300:
                raise error_for_response(
                    method, path, response, retried=True, api_url=self.base_url
                ) from None
            return self._parse_token(response)

    def _parse_token(self, response: requests.Response) -> tuple[str, float | None]:
        """The token and its lifetime in seconds (None when the answer does not say)."""
        # The body holds the token: no error message below may quote it.
        problem = None
        try:
            payload: Any = response.json()
        except ValueError:
            payload, problem = None, "is not JSON"
        if problem is None and not isinstance(payload, dict):
            problem = "is not a JSON object"
        elif problem is None:
            token, lifetime = payload.get("access_token"), payload.get("expires_in")
            if not isinstance(token, str) or not token:
                problem = "has no 'access_token'"
            elif lifetime is None:
                return token, None
            elif isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)):
                problem = "has no numeric 'expires_in'"
            elif lifetime <= 0:
                problem = "has a non-positive 'expires_in'"
            else:
                return token, float(lifetime)
        raise AirbyteResponseError(
            f"POST {self.token_path} returned {response.status_code} but the body {problem}, "
            f"so this is not the Airbyte API answering; {wrong_api_url_hint(self.base_url)}."
        )


def build_auth(
    credentials: Credentials,
    *,
    base_url: str,
    session: requests.Session,
    settings: TransportSettings,
    logger: logging.Logger,
) -> Auth:
    """The auth scheme of the one kind of credentials ``arguments.check_credentials`` found."""
    if credentials.client_id is not None and credentials.client_secret is not None:
        return ClientCredentialsAuth(
            credentials.client_id,
            credentials.client_secret,
            base_url=base_url,
            session=session,
            settings=settings,
            logger=logger,
        )
    if credentials.api_token is not None:
        return StaticTokenAuth(credentials.api_token)
    if credentials.username is not None and credentials.password is not None:
        return BasicAuth(credentials.username, credentials.password)
    return NoAuth()
