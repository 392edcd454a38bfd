"""Checks of settings and arguments, made before anything is sent.

Each check names the setting as the caller wrote it and says what a right value looks like,
raising :class:`AirbyteConfigurationError` (a ``ValueError``). The client uses them for its
arguments, and the Dagster resource for its fields, so both say the same thing.

>>> check_seconds("request_timeout", -5)
Traceback (most recent call last):
AirbyteConfigurationError: request_timeout=-5 must be a finite number of seconds > 0.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import math
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airbyte_cloud_dagster.api.errors import AirbyteConfigurationError
from airbyte_cloud_dagster.api.models import JobType

__all__ = [
    "Credentials",
    "check_api_url",
    "check_credentials",
    "check_extra_headers",
    "check_header_names",
    "check_job_id",
    "check_job_type",
    "check_proxy_url",
    "check_retries",
    "check_seconds",
    "check_text",
    "check_uuid",
    "check_verify",
    "check_wait_seconds",
    "mask_url",
    "refuse_plain_http",
]

API_URL_EXAMPLES = (
    "'https://api.airbyte.com/v1' (Airbyte Cloud) or 'https://<host>/api/public/v1' "
    "(self-managed Airbyte)"
)
# Where a user finds each kind of id in the Airbyte web app.
_WHERE_TO_FIND = {
    "workspace": (
        "it is the part after /workspaces/ in the Airbyte URL: "
        "https://cloud.airbyte.com/workspaces/<workspace id>/..."
    ),
    "connection": (
        "it is the part after /connections/ in the connection's URL in Airbyte: "
        ".../workspaces/<workspace id>/connections/<connection id>/..."
    ),
    "source": "it is the part after /source/ in the source's URL in Airbyte",
    "destination": "it is the part after /destination/ in the destination's URL in Airbyte",
}


def check_api_url(api_url: Any, name: str = "api_url") -> str:
    """The base URL, stripped of surrounding blanks and trailing slashes."""
    parts = urlsplit(api_url.strip()) if isinstance(api_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise AirbyteConfigurationError(
            f"{name}={api_url!r} is not an absolute http(s) URL; use e.g. {API_URL_EXAMPLES}."
        )
    # A bare trailing "?" or "#" parses as an empty query or fragment, yet it would turn every
    # path appended to the base into a query string or fragment: refuse any "?" or "#".
    if "?" in api_url or "#" in api_url:
        raise AirbyteConfigurationError(
            f"{name}={api_url!r} has a query or fragment ('?' or '#'); pass only the base URL, "
            f"e.g. {API_URL_EXAMPLES}."
        )
    if parts.username or parts.password:
        raise AirbyteConfigurationError(
            f"{name}={mask_url(api_url.strip())!r} holds credentials; pass the base URL alone, "
            f"and the credentials as username= and password= (HTTP Basic auth)."
        )
    return api_url.strip().rstrip("/")


def refuse_plain_http(api_url: str) -> None:
    """Credentials may travel over plain http:// only to this machine."""
    parts = urlsplit(api_url)
    if parts.scheme != "http" or _is_loopback(parts.hostname or ""):
        return
    raise AirbyteConfigurationError(
        f"api_url={api_url!r} is plain http:// to a host that is not this machine, so "
        f"credentials would travel unencrypted; use https://, or pass allow_insecure_http=True "
        f"if the network is trusted."
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def check_seconds(
    name: str, value: Any, *, allow_zero: bool = False, unset_means: str | None = None
) -> float:
    """A finite number of seconds, > 0 (or >= 0 with ``allow_zero``); ``unset_means`` says
    what leaving the setting out does (``"no limit"``), for the message."""
    ok = _is_number(value) and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        unset = f"; leave {name} unset for {unset_means}" if unset_means else ""
        raise AirbyteConfigurationError(
            f"{name}={value!r} must be a finite number of seconds {bound}{unset}."
        )
    return float(value)


def check_wait_seconds(name: str, value: float) -> None:
    """How long a wait may last, or its margin: >= 0 and not NaN (infinity means no end).

    >>> check_wait_seconds("timeout", -1)
    Traceback (most recent call last):
    AirbyteConfigurationError: timeout=-1 must be a number of seconds >= 0.
    """
    if math.isnan(value) or value < 0:
        raise AirbyteConfigurationError(f"{name}={value!r} must be a number of seconds >= 0.")


def check_retries(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AirbyteConfigurationError(f"{name}={value!r} must be an integer >= 0.")
    return value


def check_text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise AirbyteConfigurationError(
            f"{name} is empty or not a string; pass a non-empty value or leave it out."
        )
    return value


@dataclass(frozen=True)
class Credentials:
    """The one kind of credentials :func:`check_credentials` found; secrets never in the repr."""

    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def kind(self) -> str | None:
        """``"application"``, ``"token"``, ``"basic"``, or None (no auth)."""
        if self.client_id is not None:
            return "application"
        if self.api_token is not None:
            return "token"
        return "basic" if self.username is not None else None


# The kinds of credentials, each a group of settings that go together, as a message names them.
_CREDENTIAL_KINDS = {
    "application": ("client_id", "client_secret"),
    "token": ("api_token",),
    "basic": ("username", "password"),
}
_ONE_KIND = (
    "application credentials (client_id + client_secret), a static api_token, or Basic auth "
    "(username + password)"
)


def check_credentials(
    client_id: Any = None,
    client_secret: Any = None,
    api_token: Any = None,
    *,
    username: Any = None,
    password: Any = None,
    extra_headers: Mapping[str, Any] | None = None,
) -> Credentials:
    """Exactly one kind of credentials, each complete: client id + secret, a token, a username
    + password (HTTP Basic), or nothing; and no ``Authorization`` in ``extra_headers`` when one
    of them sets that header.

    >>> check_credentials(username="alice")
    Traceback (most recent call last):
    AirbyteConfigurationError: password is missing; Basic auth needs both username and password.
    """
    given = {
        "client_id": check_text("client_id", client_id),
        "client_secret": check_text("client_secret", client_secret),
        "api_token": check_text("api_token", api_token),
        "username": check_text("username", username),
        "password": check_text("password", password),
    }
    kinds = [
        kind
        for kind, names in _CREDENTIAL_KINDS.items()
        if any(given[name] is not None for name in names)
    ]
    if len(kinds) > 1:
        named = ["/".join(_CREDENTIAL_KINDS[kind]) for kind in kinds]
        if len(named) == 2:
            said = (
                f"Both {named[0]} and {named[1]} were given; pass one kind of credentials, not both"
            )
        else:
            said = f"{', '.join(named[:-1])} and {named[-1]} were all given; pass only one kind"
        raise AirbyteConfigurationError(f"{said}: {_ONE_KIND}.")
    if kinds == ["application"] and None in (given["client_id"], given["client_secret"]):
        missing = "client_secret" if given["client_secret"] is None else "client_id"
        raise AirbyteConfigurationError(
            f"{missing} is missing; application credentials need both client_id and "
            f"client_secret (Airbyte UI: Settings > Applications)."
        )
    if kinds == ["basic"]:
        if None in (given["username"], given["password"]):
            missing = "password" if given["password"] is None else "username"
            raise AirbyteConfigurationError(
                f"{missing} is missing; Basic auth needs both username and password."
            )
        if ":" in str(given["username"]):
            raise AirbyteConfigurationError(
                "username contains ':', which HTTP Basic auth cannot carry (RFC 7617); check "
                "the username."
            )
    if kinds and extra_headers and any(k.lower() == "authorization" for k in extra_headers):
        setting = " and ".join(_CREDENTIAL_KINDS[kinds[0]])
        raise AirbyteConfigurationError(
            f"extra_headers sets Authorization, and so does {setting}; leave Authorization "
            f"out of extra_headers, or drop {setting}."
        )
    return Credentials(**given)


# An HTTP header name is a "token" (RFC 9110, section 5.1).
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def check_header_names(names: Iterable[Any], name: str = "extra_headers") -> None:
    """Every key is a valid HTTP header name."""
    for header in names:
        if not isinstance(header, str) or not _HEADER_NAME.match(header):
            raise AirbyteConfigurationError(
                f"{name} has the key {header!r}, which is not an HTTP header name; use names "
                f"such as 'CF-Access-Client-Id' (letters, digits and -, no blanks or colons)."
            )


def check_extra_headers(headers: Any, name: str = "extra_headers") -> dict[str, str]:
    """Header names and values a request can carry. Values are secrets: never quoted."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise AirbyteConfigurationError(
            f"{name} must be a mapping of header names to values, e.g. "
            f"{{'CF-Access-Client-Id': '...', 'CF-Access-Client-Secret': '...'}}."
        )
    check_header_names(headers, name)
    for header, value in headers.items():
        check_header_value(header, value, name)
    return {str(header): str(value) for header, value in headers.items()}


def check_header_value(header: str, value: Any, name: str = "extra_headers") -> None:
    """One header value: a non-empty string that fits on one header line (not shown)."""
    where = f"{name}[{header!r}]"
    if not isinstance(value, str) or not value.strip():
        raise AirbyteConfigurationError(
            f"{where} is empty or not a string; pass the header's value as text."
        )
    try:
        value.encode("latin-1")
        fits = value == value.strip() and not any(c in value for c in "\r\n\0")
    except UnicodeEncodeError:
        fits = False
    if not fits:
        raise AirbyteConfigurationError(
            f"{where} has a line break, a leading or trailing blank or a character that is not "
            f"Latin-1; check the value (not shown, it may be a secret)."
        )


def mask_url(url: str) -> str:
    """``url`` with any user and password replaced by ``***``, for messages and reprs; a URL
    that does not parse (no scheme, say) is masked up to its last ``@``.

    >>> mask_url("http://alice:s3cret@proxy.corp:3128")
    'http://***@proxy.corp:3128'
    """
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None and "@" in parts.netloc:
        return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()
    scheme, separator, rest = url.rpartition("://")
    return f"{scheme}{separator}***@{rest.rsplit('@', 1)[1]}"


_PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")


def check_proxy_url(proxy_url: Any) -> str | None:
    """An explicit proxy URL, or None (then requests reads HTTPS_PROXY and friends).

    Messages show the URL with its credentials masked.
    """
    if proxy_url is None:
        return None
    if not isinstance(proxy_url, str) or not proxy_url.strip():
        raise AirbyteConfigurationError(
            "proxy_url is empty or not a string; pass e.g. 'http://proxy.corp:3128', or leave "
            "it out to use the HTTPS_PROXY / HTTP_PROXY environment variables."
        )
    url = proxy_url.strip()
    try:
        parts = urlsplit(url)
        scheme, hostname, _ = parts.scheme, parts.hostname, parts.port  # a bad port raises
    except ValueError:
        scheme, hostname = "", None
    if scheme not in _PROXY_SCHEMES or not hostname:
        raise AirbyteConfigurationError(
            f"proxy_url={mask_url(url)!r} is not a proxy URL; use e.g. "
            f"'http://proxy.corp:3128' or 'http://user:password@proxy.corp:3128'."
        )
    if scheme.startswith("socks") and importlib.util.find_spec("socks") is None:
        raise AirbyteConfigurationError(
            f"proxy_url={mask_url(url)!r} is a SOCKS proxy, which needs PySocks; install it "
            f"with pip install 'requests[socks]', or use an HTTP proxy."
        )
    return url


def check_verify(verify: Any) -> bool | str:
    """How TLS certificates are checked: True, False, or the path of a CA bundle that exists."""
    if isinstance(verify, bool):
        return verify
    if not isinstance(verify, str):
        raise AirbyteConfigurationError(
            f"verify={verify!r} must be True (the CAs this machine trusts), False (no check at "
            f"all) or the path of your certificate authority's PEM file."
        )
    path = os.path.expanduser(verify.strip())
    if not path or not (os.path.isfile(path) or os.path.isdir(path)):
        raise AirbyteConfigurationError(
            f"verify={verify!r} is not a file or folder of CA certificates; pass the path of "
            f"your certificate authority's PEM file, or True (the CAs this machine trusts)."
        )
    return path


def check_uuid(name: str, value: Any) -> str:
    """Reject a malformed id before sending anything (Airbyte ids are UUIDs, openapi.yaml)."""
    try:
        if isinstance(value, (bool, int, float)) or value is None:
            raise ValueError
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        kind = name.removesuffix("_ids").removesuffix("_id")
        where = _WHERE_TO_FIND.get(kind, "copy it from the Airbyte web app's URL")
        raise AirbyteConfigurationError(
            f"{name}={value!r} is not a UUID; Airbyte {kind} ids look like "
            f"'9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f' ({where})."
        ) from None


def check_job_id(job_id: Any) -> int:
    if isinstance(job_id, str) and job_id.strip().isdigit():
        return int(job_id)
    if isinstance(job_id, bool) or not isinstance(job_id, int) or job_id < 0:
        why = " (a bool is not a job id)" if isinstance(job_id, bool) else ""
        raise AirbyteConfigurationError(
            f"job_id={job_id!r} is not a job id{why}; Airbyte job ids are non-negative "
            f"integers, like the jobId that start_job returns."
        )
    return job_id


def check_job_type(job_type: Any) -> JobType:
    try:
        return JobType(job_type)
    except ValueError:
        raise AirbyteConfigurationError(
            f"job_type={job_type!r} is not one of {', '.join(t.value for t in JobType)}."
        ) from None
