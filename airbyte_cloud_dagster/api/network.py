"""When no answer came at all: say which host and port, and why, and what to do about it.

The causes are told apart because each has a different fix: a refused connection (nothing
listens on that port), a host name that does not resolve, a TLS certificate that is not
trusted (a company CA: pass ``verify=<its PEM file>`` or point ``REQUESTS_CA_BUNDLE`` at it), a
TLS handshake that failed (often https:// to a plain-http port), a timeout (only then is raising
a timeout the advice), a connection dropped mid-answer, and a proxy that could not be reached or
would not connect (``proxy_url``, or ``HTTPS_PROXY``). A proxy's credentials are never shown.

>>> raise connection_error("GET", "/v1/jobs/42", exc, url=url, settings=settings, retried=True)
"""

from __future__ import annotations

import re
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

from airbyte_cloud_dagster.api.arguments import mask_url
from airbyte_cloud_dagster.api.errors import AirbyteConnectionError
from airbyte_cloud_dagster.api.session import TransportSettings

__all__ = ["connection_error", "host_and_port"]

CA_BUNDLE_HINT = (
    "if it is signed by your own certificate authority, pass verify='<path of a PEM file of "
    "that authority's certificate>', or point the REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) "
    "environment variable at that file"
)
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})(?: ([^'\")]*))?")


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


def _diagnose_proxy(
    exc: requests.RequestException, text: str, url: str, settings: TransportSettings
) -> tuple[str, str, str]:
    """(reason, what happened, what to do) when the proxy itself failed."""
    where = host_and_port(url)
    if settings.proxy_url:
        proxy_url, setting = settings.proxy_url, "proxy_url"
    else:
        environment = requests.utils.get_environ_proxies(url)
        proxy_url = requests.utils.select_proxy(url, environment) or ""
        setting = "the HTTPS_PROXY / HTTP_PROXY environment variables"
    proxy = host_and_port(proxy_url) if proxy_url else "the proxy's host"
    named = f"the proxy {proxy}" if proxy_url else "the proxy"
    tunnel = _TUNNEL_REFUSED.search(text)
    if tunnel and tunnel.group(1) == "407":
        return (
            "proxy",
            f"{named} refused its credentials (407 Proxy Authentication Required)",
            f"check the user and password in {setting} (http://user:password@host:port)",
        )
    if tunnel:
        answer = " ".join(part for part in tunnel.groups() if part)
        return (
            "proxy",
            f"{named} would not open a connection to {where} (it answered {answer})",
            f"check that the proxy may reach Airbyte's host and port, or that {setting} names "
            f"the right proxy",
        )
    _, what, _ = _diagnose(exc, proxy, settings, through_proxy=False)
    return ("proxy", f"the proxy could not be reached: {what}", f"check {setting}")


def _diagnose(
    exc: requests.RequestException,
    where: str,
    settings: TransportSettings,
    *,
    through_proxy: bool = True,
    url: str = "",
) -> tuple[str, str, str]:
    """(reason, what happened, what to do)."""
    chain = list(_chain(exc))
    text = " ".join(str(item) for item in chain)
    if through_proxy and isinstance(exc, requests.exceptions.ProxyError):
        return _diagnose_proxy(exc, text, url, settings)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or (
        "CERTIFICATE_VERIFY_FAILED" in text
    ):
        detail = _innermost_text(exc, ssl.SSLError)
        if isinstance(settings.verify, str):
            return (
                "tls",
                f"the TLS certificate of {where} is not trusted by verify={settings.verify!r} "
                f"({detail})",
                "check that api_url names the right host and that this file holds the "
                "certificate of the authority that signed Airbyte's certificate",
            )
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
    the API's URLs, and requests and urllib3 name a proxy by host and port only, so the chain
    is safe to show; a proxy URL is masked all the same)."""
    reason, what, next_step = _diagnose(exc, host_and_port(url), settings, url=url)
    if settings.proxy_url and settings.proxy_url in what:
        what = what.replace(settings.proxy_url, mask_url(settings.proxy_url))
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
