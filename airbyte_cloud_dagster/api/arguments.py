"""Checks of settings and arguments, made before anything is sent.

Each check names the setting as the caller wrote it and says what a right value looks like,
raising :class:`AirbyteConfigurationError` (a ``ValueError``). The client uses them for its
arguments, and the Dagster resource for its fields, so both say the same thing.

>>> check_seconds("request_timeout", -5)
Traceback (most recent call last):
AirbyteConfigurationError: request_timeout=-5 must be a finite number of seconds > 0.
"""

from __future__ import annotations

import ipaddress
import math
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from airbyte_cloud_dagster.api.errors import AirbyteConfigurationError
from airbyte_cloud_dagster.api.models import JobType

__all__ = [
    "check_api_url",
    "check_credentials",
    "check_job_id",
    "check_job_type",
    "check_retries",
    "check_seconds",
    "check_text",
    "check_uuid",
    "check_wait_seconds",
    "iso_time",
    "refuse_plain_http",
    "workspace_params",
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


def check_seconds(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite number of seconds, > 0 (or >= 0 with ``allow_zero``)."""
    ok = _is_number(value) and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise AirbyteConfigurationError(
            f"{name}={value!r} must be a finite number of seconds {bound}."
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


def check_credentials(
    client_id: Any, client_secret: Any, api_token: Any
) -> tuple[str | None, str | None, str | None]:
    """Exactly one valid combination: client id + secret, a token, or nothing."""
    client_id = check_text("client_id", client_id)
    client_secret = check_text("client_secret", client_secret)
    api_token = check_text("api_token", api_token)
    has_app = client_id is not None or client_secret is not None
    if has_app and api_token is not None:
        raise AirbyteConfigurationError(
            "Both client_id/client_secret and api_token were given; pass either application "
            "credentials (Airbyte Cloud) or a static api_token, not both."
        )
    if has_app and (client_id is None or client_secret is None):
        missing = "client_secret" if client_secret is None else "client_id"
        raise AirbyteConfigurationError(
            f"{missing} is missing; application credentials need both client_id and "
            f"client_secret (Airbyte UI: Settings > Applications)."
        )
    return client_id, client_secret, api_token


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


def workspace_params(workspace_ids: Iterable[str] | str | None) -> dict[str, Any]:
    if workspace_ids is None:
        return {}
    if isinstance(workspace_ids, str):
        workspace_ids = [workspace_ids]
    ids = [check_uuid("workspace_ids", workspace_id) for workspace_id in workspace_ids]
    return {"workspaceIds": ids} if ids else {}


def iso_time(name: str, value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        # Naive datetimes are taken as UTC; Airbyte compares instants.
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    raise AirbyteConfigurationError(f"{name}={value!r} must be a datetime or an ISO-8601 string.")
