"""Checking and reading the values of the resource's settings.

The checks are the client's own (``api.arguments``), picked by setting name, so a setting is
refused the same way whether it reaches the resource or the client. An ``EnvVar`` is read only
when the client is built; one whose variable is not set is named, never taken for a setting left
out.

Example::

    check_setting_value("sync_timeout", -1, {})   # AirbyteConfigurationError naming it
    resolve(dg.EnvVar("AIRBYTE_CLIENT_SECRET"), "client_secret")
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteConfigurationError
from airbyte_cloud_dagster.api.arguments import (
    check_api_url,
    check_extra_headers,
    check_header_names,
    check_header_value,
    check_proxy_url,
    check_retries,
    check_seconds,
    check_text,
    check_uuid,
    check_verify,
)


def check_setting_value(name: str, value: Any, earlier: dict[str, Any]) -> None:
    """The checks behind ``AirbyteSettings._check_setting``: the client's own, by name."""
    if name == "api_url":
        check_api_url(value)
    elif name in ("client_id", "client_secret", "api_token", "username", "password"):
        check_text(name, value)
    elif name == "proxy_url":
        check_proxy_url(value)
    elif name == "verify":
        check_verify(value)
    elif name == "workspace_id" and value:  # "" means unset, as None does
        check_uuid(name, value)
    elif name in ("request_timeout", "poll_interval"):
        check_seconds(name, value)
    elif name == "sync_timeout" and value is not None:
        check_seconds(name, value, unset_means="no limit")
    elif name == "max_retries":
        check_retries(name, value)
    elif name == "poll_interval_max":
        check_seconds(name, value)
        floor = earlier.get("poll_interval")
        if isinstance(floor, (int, float)) and value < floor:
            raise ValueError(
                f"poll_interval_max={value!r} is below poll_interval={floor!r}; the interval "
                f"between job checks starts at poll_interval and backs off up to "
                f"poll_interval_max."
            )


def check_headers_as_given(headers: dict[Any, Any]) -> None:
    """``extra_headers``: every name, and each value given as text (an ``EnvVar``'s value is
    checked when it is read)."""
    check_header_names(headers)
    for name, value in headers.items():
        if not isinstance(value, dg.EnvVar):
            check_header_value(name, value)


def resolve_headers(headers: dict[str, str]) -> dict[str, str]:
    """``extra_headers`` with each ``EnvVar`` read; an unset one is named, its value never."""
    resolved = {name: resolve(value, f"extra_headers[{name!r}]") for name, value in headers.items()}
    return check_extra_headers(resolved)


def resolve(value: Any, name: str | None = None) -> Any:
    """An ``EnvVar`` read outside a run (at definitions load time) is still a name: read it.

    Given the setting's ``name``, an ``EnvVar`` whose variable is not set is refused, naming
    both (else it would read as a setting left out, "client_secret is missing")."""
    if isinstance(value, dg.EnvVar):
        read = value.get_value()
        if name is not None and not read:
            raise AirbyteConfigurationError(
                f"{name} reads the environment variable {value.env_var_name}, which is not set; "
                f"set it where the definitions load and where runs execute."
            )
        return read
    return value
