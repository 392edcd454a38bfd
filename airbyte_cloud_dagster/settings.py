"""The settings of ``AirbyteCloudResource``: every field, its description and its checks.

Every setting is checked when the resource is built, before any request, and a refused one is
named as the user wrote it (a misspelt one too, with the closest name); an ``EnvVar`` is checked
when it is read. ``resource.py`` adds what the resource does with them.

Example::

    AirbyteCloudResource(api_url="https://airbyte.example.com/api/public/v1", sync_timout=5)
    # refused: "sync_timout is not a setting of AirbyteCloudResource; did you mean sync_timeout?"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import dagster as dg
from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from airbyte_cloud_dagster.api import AirbyteConfigurationError
from airbyte_cloud_dagster.api.arguments import (
    check_api_url,
    check_credentials,
    refuse_plain_http,
)
from airbyte_cloud_dagster.api.setting_names import refuse_unknown_settings
from airbyte_cloud_dagster.setting_values import check_headers_as_given, check_setting_value
from airbyte_cloud_dagster.sync.starting import WaitMode

DEFAULT_API_URL = "https://api.airbyte.com/v1"

if TYPE_CHECKING:
    VerifySetting = bool | str
else:  # Dagster's config types have no bool-or-str union; the validator checks the value.
    VerifySetting = Any


class AirbyteSettings(dg.ConfigurableResource):
    """Airbyte Cloud or self-managed Airbyte, through the public Airbyte API.

    Give exactly one kind of credentials: ``client_id`` and ``client_secret`` (an Airbyte
    application; tokens are fetched and refreshed for you), or ``api_token`` (a static bearer
    token), or ``username`` and ``password`` (HTTP Basic auth), or none (self-managed Airbyte
    with API authorization disabled). Pass secrets as ``dagster.EnvVar`` so their values never
    reach the Dagster UI; ``extra_headers`` takes one per value.
    """

    # A refused setting's message names it; pydantic would also quote the input, secrets and all.
    model_config = ConfigDict(hide_input_in_errors=True)

    api_url: str = Field(
        default=DEFAULT_API_URL,
        description=(
            "Base URL of the Airbyte API: https://api.airbyte.com/v1 for Airbyte Cloud, "
            "https://<host>/api/public/v1 for self-managed Airbyte."
        ),
    )
    client_id: str | None = Field(
        default=None,
        description="Client id of an Airbyte application (Settings > Applications).",
    )
    client_secret: str | None = Field(
        default=None,
        description="Client secret of that application. Use dagster.EnvVar.",
        repr=False,
    )
    api_token: str | None = Field(
        default=None,
        description="A static bearer token, instead of client credentials. Use dagster.EnvVar.",
        repr=False,
    )
    username: str | None = Field(
        default=None,
        description=(
            "User for HTTP Basic auth (self-managed Airbyte behind Basic auth), with password; "
            "sent on every request instead of a token."
        ),
    )
    password: str | None = Field(
        default=None,
        description="Password for HTTP Basic auth. Use dagster.EnvVar.",
        repr=False,
    )
    workspace_id: str | None = Field(
        default=None,
        description="Airbyte workspace whose connections are loaded; all reachable ones if unset.",
    )
    request_timeout: float = Field(
        default=30.0, description="Seconds to wait for an answer to one API request."
    )
    max_retries: int = Field(
        default=5,
        description=(
            "Retries of a read (GET/DELETE) on connection errors, 408, 429 and 5xx. Starting a "
            "sync is never retried blindly."
        ),
    )
    poll_interval: float = Field(
        default=1.0, description="Seconds before the first check of a running job."
    )
    poll_interval_max: float = Field(
        default=30.0,
        description="Ceiling, in seconds, that the interval between job checks backs off to.",
    )
    sync_timeout: float | None = Field(
        default=None,
        description="Seconds a sync may run before the step fails; no limit if unset.",
    )
    cancel_on_timeout: bool = Field(
        default=True, description="Cancel the Airbyte job when the sync timeout is reached."
    )
    cancel_on_termination: bool = Field(
        default=True,
        description=(
            "Cancel the Airbyte job a run started when the run is terminated. Turn off to leave "
            "syncs running, for example on workers that are scaled down mid-run."
        ),
    )
    on_conflict: Literal["attach", "fail"] = Field(
        default="attach",
        description=(
            "When a sync is already running on the connection: 'attach' follows it, 'fail' "
            "fails the step."
        ),
    )
    wait_mode: WaitMode = Field(
        default="blocking",
        description=(
            "'blocking': a run starts each sync and follows it to its end. 'sensor': a run only "
            "starts the syncs, attaching where one already runs, and ends in seconds; the "
            "Airbyte sync sensor (build_airbyte_sync_sensor) records each materialization, or "
            "a failed check, when its job ends."
        ),
    )
    allow_insecure_http: bool = Field(
        default=False,
        description="Allow sending credentials over plain http:// to a host that is not loopback.",
    )
    extra_headers: dict[str, str] = Field(
        default={},
        description=(
            "Headers sent with every request, the token request too, e.g. CF-Access-Client-Id "
            "and CF-Access-Client-Secret for Cloudflare Access. Values are secrets: give each "
            "as a dagster.EnvVar."
        ),
        repr=False,
    )
    proxy_url: str | None = Field(
        default=None,
        description=(
            "Proxy for every request, http and https, e.g. http://proxy.corp:3128 (credentials "
            "in it are secrets: use dagster.EnvVar). Unset: the HTTPS_PROXY, HTTP_PROXY and "
            "NO_PROXY environment variables."
        ),
        repr=False,
    )
    verify: VerifySetting = Field(
        default=True,
        description=(
            "TLS certificate check: True (the CAs this machine trusts, or REQUESTS_CA_BUNDLE), "
            "the path of your CA's PEM file, or False (no check; a warning is logged)."
        ),
    )

    @field_validator(
        "api_url",
        "client_id",
        "client_secret",
        "api_token",
        "workspace_id",
        "request_timeout",
        "max_retries",
        "poll_interval",
        "poll_interval_max",
        "sync_timeout",
        "username",
        "password",
        "extra_headers",
        "proxy_url",
        "verify",
        mode="wrap",
    )
    @classmethod
    def _check_setting(cls, value: Any, handler: Any, info: ValidationInfo) -> Any:
        """Every setting is checked when the resource is built, before any request, and the
        message names it as the user wrote it. An ``EnvVar`` is checked when it is read."""
        if info.field_name == "extra_headers" and isinstance(value, dict):
            check_headers_as_given(value)  # each value may be an EnvVar
        elif getattr(value, "env_var_name", None) is not None:
            if info.field_name == "verify":
                raise AirbyteConfigurationError(
                    f"verify=EnvVar({value.env_var_name!r}) is not supported (a CA bundle's "
                    f"path is no secret); pass the path itself, e.g. "
                    f"verify=os.environ[{value.env_var_name!r}]."
                )
            return handler(value)
        value = handler(value)
        check_setting_value(str(info.field_name), value, info.data)
        return value

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_settings(cls, values: Any) -> Any:
        """A plain ``ConfigurableResource`` keeps a misspelt keyword in silence
        (``sync_timout=5`` would leave no timeout at all): refuse it, naming the closest."""
        if isinstance(values, dict):
            refuse_unknown_settings(
                values,
                cls.model_fields,
                "AirbyteCloudResource",
                listed_in="listed in the configuration reference (docs/configuration.md)",
            )
            _refuse_plain_http(values)
        return values

    @model_validator(mode="after")
    def _check_credentials(self) -> AirbyteSettings:
        # Only which credentials are set matters here, so EnvVars (still names) are fine.
        check_credentials(
            self.client_id,
            self.client_secret,
            self.api_token,
            username=self.username,
            password=self.password,
            extra_headers=self.extra_headers,
        )
        return self


def _refuse_plain_http(values: dict[str, Any]) -> None:
    """Credentials for plain http:// to another machine are refused as the client refuses them,
    but when the resource is built, not at its first request. Only here are the settings as
    given, each ``EnvVar`` still one (whose URL the client checks when it is built)."""
    api_url = values.get("api_url", DEFAULT_API_URL)
    if getattr(api_url, "env_var_name", None) is not None or values.get("allow_insecure_http"):
        return
    secrets = ("client_id", "client_secret", "api_token", "username", "password", "extra_headers")
    try:
        url = check_api_url(api_url)
    except AirbyteConfigurationError:
        return  # the api_url check names it
    if any(values.get(name) for name in secrets):
        refuse_plain_http(url)
