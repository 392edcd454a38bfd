"""Connecting a client: every setting checked once, then the pooled session, the auth and the
transport that every call goes through.

Exactly one kind of credentials (``check_credentials``); credentials and header values are never
sent over plain ``http://`` to a host that is not loopback unless asked; ``verify=False`` is said
once. Example::

    transport = connect("https://api.airbyte.com/v1", client_id="...", client_secret="...",
                        logger=logger)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from airbyte_cloud_dagster.api.arguments import (
    check_credentials,
    check_extra_headers,
    check_proxy_url,
    check_retries,
    check_seconds,
    check_verify,
    refuse_plain_http,
)
from airbyte_cloud_dagster.api.auth import build_auth
from airbyte_cloud_dagster.api.session import (
    TransportSettings,
    build_session,
    quiet_unverified_warnings,
)
from airbyte_cloud_dagster.api.transport import Transport

__all__ = ["connect"]


def connect(
    api_url: str,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    api_token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
    proxy_url: str | None = None,
    verify: bool | str = True,
    request_timeout: float = 30.0,
    connect_timeout: float = 10.0,
    max_retries: int = 5,
    backoff_factor: float = 0.5,
    backoff_max: float = 60.0,
    allow_insecure_http: bool = False,
    logger: logging.Logger,
) -> Transport:
    """The transport of a client of ``api_url`` (already checked): the arguments are
    ``AirbyteClient``'s."""
    check_seconds("request_timeout", request_timeout)
    check_seconds("connect_timeout", connect_timeout)
    check_seconds("backoff_factor", backoff_factor, allow_zero=True)
    check_seconds("backoff_max", backoff_max, allow_zero=True)
    check_retries("max_retries", max_retries)
    headers = check_extra_headers(extra_headers)
    credentials = check_credentials(
        client_id,
        client_secret,
        api_token,
        username=username,
        password=password,
        extra_headers=headers,
    )
    settings = TransportSettings(
        connect_timeout=connect_timeout,
        request_timeout=request_timeout,
        max_retries=max_retries,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        verify=check_verify(verify),
        proxy_url=check_proxy_url(proxy_url),
        header_names=tuple(headers),
    )
    # Header values are secrets as much as credentials are.
    if (credentials.kind is not None or headers) and not allow_insecure_http:
        refuse_plain_http(api_url)
    if settings.verify is False:
        quiet_unverified_warnings(urlsplit(api_url).hostname or "")
        logger.warning(
            "verify=False: the TLS certificate of %s is not checked, so anyone on the "
            "network path could read the credentials and answer in Airbyte's place; pass "
            "verify='<path of your CA's PEM file>' instead.",
            api_url,
        )
    session = build_session(settings, headers)
    auth = build_auth(
        credentials,
        base_url=api_url,
        session=session,
        settings=settings,
        logger=logger,
    )
    return Transport(
        api_url,
        auth=auth,
        session=session,
        settings=settings,
        logger=logger,
    )
