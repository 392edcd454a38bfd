"""When no answer came at all: say which host and port, and why, and what to do about it.

The causes are told apart because each has a different fix: a refused connection (nothing
listens on that port), a host name that does not resolve, a TLS certificate that is not
trusted (a company CA: point ``REQUESTS_CA_BUNDLE`` at it), a TLS handshake that failed (often
https:// to a plain-http port), a timeout (only then is raising a timeout the advice), and a
connection dropped mid-answer.

>>> raise connection_error("GET", "/v1/jobs/42", exc, url=url, settings=settings, retried=True)
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from airbyte_cloud_dagster.api.errors import AirbyteConnectionError
from airbyte_cloud_dagster.api.session import TransportSettings

__all__ = ["connection_error", "host_and_port"]

CA_BUNDLE_HINT = (
    "if it is signed by your own certificate authority, point the REQUESTS_CA_BUNDLE (or "
    "CURL_CA_BUNDLE) environment variable at a PEM file of that authority's certificate"
)


def host_and_port(url: str) -> str:
    """``host:port`` of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or "?"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything behind it: causes, contexts, urllib3's ``reason``, wrapped args."""
    seen: set[int] = set()
    queue: list[BaseException | None] = [exc]
    while queue:
        current = queue.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # urllib3's MaxRetryError keeps the cause in `reason` (ssl.SSLError's is a string).
        behind = [getattr(current, "reason", None), *current.args]
        queue.extend(item for item in behind if isinstance(item, BaseException))
        queue.extend((current.__cause__, current.__context__))


def _innermost_text(exc: BaseException, kind: type[BaseException]) -> str:
    for item in reversed(list(_chain(exc))):
        if isinstance(item, kind):
            return str(item)
    return str(exc)


def _diagnose(exc: requests.RequestException, where: str, settings: TransportSettings) -> tuple:
    """(reason, what happened, what to do)."""
    chain = list(_chain(exc))
    text = " ".join(str(item) for item in chain)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or (
        "CERTIFICATE_VERIFY_FAILED" in text
    ):
        detail = _innermost_text(exc, ssl.SSLError)
        return (
            "tls",
            f"the TLS certificate of {where} is not trusted ({detail})",
            f"check that api_url names the right host; {CA_BUNDLE_HINT}",
        )
    if isinstance(exc, requests.exceptions.SSLError) or any(
        isinstance(e, ssl.SSLError) for e in chain
    ):
        detail = _innermost_text(exc, ssl.SSLError)
        return (
            "tls",
            f"the TLS handshake with {where} failed ({detail})",
            "check that this port serves HTTPS (for a plain-HTTP server, api_url starts with "
            "http://)",
        )
    if any(isinstance(e, (NameResolutionError, socket.gaierror)) for e in chain):
        host = where.rsplit(":", 1)[0]
        return (
            "unresolved",
            f"the host name {host!r} could not be resolved",
            "check the host in api_url (a typo, or a name only known inside a VPN)",
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text.lower():
        return (
            "refused",
            f"{where} refused the connection (nothing listens on that port)",
            "check the host and port in api_url and that Airbyte is running there",
        )
    if isinstance(exc, requests.ConnectTimeout) or any(
        isinstance(e, ConnectTimeoutError) and not isinstance(e, NewConnectionError) for e in chain
    ):
        return (
            "connect-timeout",
            f"no connection to {where} could be opened within connect_timeout="
            f"{settings.connect_timeout:g} s",
            "check that the host is reachable from here (firewall, VPN, proxy), or raise "
            "connect_timeout",
        )
    if isinstance(exc, requests.Timeout) or any(
        isinstance(e, (ReadTimeoutError, TimeoutError)) for e in chain
    ):
        return (
            "read-timeout",
            f"{where} did not answer within request_timeout={settings.request_timeout:g} s",
            "raise request_timeout if Airbyte is slow to answer (starting a job can take "
            "tens of seconds)",
        )
    if any(isinstance(e, (ProtocolError, ConnectionResetError)) for e in chain):
        return (
            "dropped",
            f"the connection to {where} was dropped before an answer came",
            "check that Airbyte (or a proxy in front of it) is healthy, and try again",
        )
    return (
        "other",
        f"the request to {where} failed ({type(exc).__name__}: {exc})",
        "check that Airbyte is reachable at api_url",
    )


def connection_error(
    method: str,
    full_path: str,
    exc: requests.RequestException,
    *,
    url: str,
    settings: TransportSettings,
    retried: bool,
) -> AirbyteConnectionError:
    """No answer at all; raise it ``from`` the requests exception (no credential travels in
    URLs, so the chain is safe to show)."""
    reason, what, next_step = _diagnose(exc, host_and_port(url), settings)
    if reason in ("refused", "unresolved", "connect-timeout"):
        tries = settings.connect_retries + 1
    elif reason in ("read-timeout", "dropped") and retried:
        tries = settings.max_retries + 1
    else:
        tries = 1
    attempts = f" ({tries} attempts)" if tries > 1 else ""
    return AirbyteConnectionError(
        f"{method} {full_path} got no answer{attempts}: {what}; {next_step}.", reason=reason
    )
