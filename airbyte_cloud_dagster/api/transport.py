"""Sending one logical request: authenticate it, replay it once after a 401 when the auth can
refresh (a request refused again is replayed again, with backoff, up to ``max_retries`` times), and
turn the answer (or its absence) into a result or the precise error.

The session and its retry policy are in ``session``; reading error answers is in
``responses``, explaining missing answers in ``network``. Arrows run one way:
``transport`` -> ``auth`` -> (``session``, ``responses``, ``network``) -> ``errors``.

>>> transport = Transport(url, auth=NoAuth(), session=build_session(settings), settings=settings,
...                       logger=logger)
>>> transport.request_json("GET", "/jobs/42")
{'jobId': 42, ...}
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from airbyte_cloud_dagster.api.auth import Auth
from airbyte_cloud_dagster.api.network import connection_error
from airbyte_cloud_dagster.api.responses import (
    decode_json,
    error_for_response,
    excerpt,
    is_gate_answer,
)
from airbyte_cloud_dagster.api.session import (
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
    TransportSettings,
    build_session,
)

# The names after Transport stay importable from here for code written before the split.
__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "Transport",
    "TransportSettings",
    "build_session",
    "connection_error",
    "decode_json",
    "error_for_response",
    "excerpt",
]


class Transport:
    """Sends one logical request: authenticates it, replays it after a 401 when the auth can
    refresh (once, then up to ``max_retries`` more times, with backoff), and maps an error
    answer to the matching :class:`AirbyteRequestError`."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth,
        session: requests.Session,
        settings: TransportSettings,
        logger: logging.Logger,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path
        self.auth = auth
        self.session = session
        self.settings = settings
        self.logger = logger

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.settings.connect_timeout, self.settings.request_timeout)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> Any:
        """Send ``method path`` (``path`` below the base URL) and return the decoded JSON body."""
        response = self.send(method, path, params=params, json_body=json_body)
        return decode_json(method, self.base_path + path, response, api_url=self.base_url)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> requests.Response:
        full_path = self.base_path + path
        authorization = self.auth.authorization()
        response = self._send_once(method, path, params, json_body, authorization)
        replays = 0
        while self._refused_token(response) and self._may_replay(replays):
            # A missing or expired token is rejected before the controller runs
            # (docs/airbyte/behaviour.md, "Authentication"), so replaying -- even POST /jobs --
            # cannot start a second job. A fresh token refused again (revoked at once, a
            # proxy's hiccup) is tried again with backoff, within the retry budget.
            response.close()
            if replays:
                delay = self.settings.backoff(replays)
                self.logger.warning(
                    "%s %s got 401 again with a fresh token; a refused request reaches no "
                    "controller, so trying again in %.1f s with another (retry %s of %s).",
                    method,
                    full_path,
                    delay,
                    replays,
                    self.settings.max_retries,
                )
                time.sleep(delay)
            # After the wait, so that the token is as fresh as it can be when it is sent (it
            # raises for credentials that cannot be renewed).
            self.auth.handle_unauthorized(authorization, method=method, path=full_path)
            if not replays:
                self.logger.info("%s %s got 401; replaying with a fresh token.", method, full_path)
            replays += 1
            authorization = self.auth.authorization()
            response = self._send_once(method, path, params, json_body, authorization)
        if response.status_code >= 400:
            error = error_for_response(
                method,
                full_path,
                response,
                retried=method in IDEMPOTENT_METHODS,
                api_url=self.base_url,
            )
            raise error
        return response

    def _refused_token(self, response: requests.Response) -> bool:
        """A 401 for the auth to handle: one asking for Basic auth is a proxy's unless the
        client sends Basic auth, and no token would get past it."""
        if response.status_code != 401:
            return False
        return self.auth.is_basic or not is_gate_answer(response)

    def _may_replay(self, replays: int) -> bool:
        return replays == 0 or replays <= self.settings.max_retries

    def _send_once(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json_body: dict[str, Any] | None,
        authorization: str | None,
    ) -> requests.Response:
        headers = {"Authorization": authorization} if authorization else {}
        full_path = self.base_path + path
        self.logger.debug("Airbyte API request: %s %s params=%s", method, full_path, params)
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=json_body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise connection_error(
                method,
                full_path,
                exc,
                url=self.base_url,
                settings=self.settings,
                retried=method in IDEMPOTENT_METHODS,
            ) from exc
        self.logger.debug(
            "Airbyte API response: %s %s -> %s", method, full_path, response.status_code
        )
        return response

    def close(self) -> None:
        self.session.close()
