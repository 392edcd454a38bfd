"""The YAML of ``AirbyteWorkspaceComponent``: each block, what it resolves to, how it is checked.

Five blocks have their own shape; every other attribute of the component is a plain value:

- ``workspace``: the fields of :class:`~airbyte_cloud_dagster.AirbyteCloudResource`, read from
  the resource itself so the YAML never drifts from the Python API. A secret given as
  ``"{{ env.NAME }}"`` becomes ``dagster.EnvVar("NAME")`` (each value of ``extra_headers`` too):
  its value never reaches the Dagster UI, and loading from state needs no credentials at all.
- ``connection_selector``: ``by_id``, ``by_name`` or ``by_name_pattern`` (shell-style globs),
  exactly one; none means every active connection.
- ``translation``: the same attributes Dagster's own integration components take (``key``,
  ``key_prefix``, ``group_name``, ``description``, ``tags``, ``kinds``, ``metadata``,
  ``owners``), templated per asset with ``{{ props.* }}`` (an ``AirbyteConnectionTableProps``) and
  ``{{ spec.* }}`` (the default ``AssetSpec``): see ``translation.py``.
- ``schedules``: whether to mirror the schedules Airbyte runs the connections on.
- ``freshness``: whether each table gets a freshness policy from its connection's schedule.

A mistake names its field: ``dg check yaml`` and loading report the YAML path and line.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import dagster as dg
import pydantic
from pydantic import Field, model_validator

from airbyte_cloud_dagster.api import AirbyteConfigurationError, AirbyteConnection
from airbyte_cloud_dagster.api.arguments import check_credentials, check_uuid
from airbyte_cloud_dagster.resource import AirbyteCloudResource

# Fields whose "{{ env.NAME }}" template becomes an EnvVar instead of the variable's value.
SECRET_FIELDS = ("client_id", "client_secret", "api_token", "username", "password", "proxy_url")
# Mappings whose values are secrets, each "{{ env.NAME }}" value an EnvVar.
SECRET_MAPPINGS = ("extra_headers",)
# Where the YAML type says more than the resource's: its `verify` is Any to Dagster's config
# system, which has no bool-or-str union.
_YAML_TYPES: dict[str, Any] = {"verify": bool | str}
_ENV_TEMPLATE = re.compile(
    r"""^\{\{\s*env(?:\.(?P<attr>\w+)|\(\s*['"](?P<call>\w+)['"]\s*\))\s*\}\}$"""
)


# --------------------------------------------------------------------------- workspace


def _workspace_args_model() -> type[dg.Model]:
    """A YAML model with exactly the resource's fields, types, defaults and descriptions."""
    fields: dict[str, Any] = {}
    for name, info in AirbyteCloudResource.model_fields.items():
        annotation = _YAML_TYPES.get(name, info.annotation)
        fields[name] = (annotation, Field(default=info.default, description=info.description))
    return pydantic.create_model(
        "AirbyteWorkspaceArgs",
        __base__=dg.Model,
        __doc__="How to reach Airbyte and follow its syncs (AirbyteCloudResource's fields).",
        **fields,
    )


AirbyteWorkspaceArgs = _workspace_args_model()


def resolve_workspace(context: dg.ResolutionContext, model: dg.Model) -> AirbyteCloudResource:
    """The resource, with ``{{ env.NAME }}`` secrets kept as ``EnvVar``s."""
    settings: dict[str, Any] = {}
    for name in model.model_fields_set:
        raw = getattr(model, name)
        env_var = _env_var_of(raw) if name in SECRET_FIELDS else None
        if env_var is not None:
            settings[name] = dg.EnvVar(env_var)
        elif name in SECRET_MAPPINGS and isinstance(raw, dict):
            settings[name] = {
                key: dg.EnvVar(var)
                if (var := _env_var_of(value)) is not None
                else context.at_path(name).at_path(key).resolve_value(value)
                for key, value in raw.items()
            }
        else:
            settings[name] = context.at_path(name).resolve_value(raw)
    _check_credentials(settings)
    return AirbyteCloudResource(**settings)


def env_var_name(value: Any) -> str | None:
    """The variable behind an ``EnvVar`` setting, else None."""
    return value.env_var_name if isinstance(value, dg.EnvVar) else None


def _env_var_of(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    match = _ENV_TEMPLATE.match(raw.strip())
    return (match.group("attr") or match.group("call")) if match else None


def _check_credentials(settings: dict[str, Any]) -> None:
    """One kind of credentials or none (the resource's own rule, ``check_credentials``), caught
    when the YAML loads, not at the first sync, and named by its YAML path."""
    try:
        check_credentials(
            *(settings.get(name) or None for name in ("client_id", "client_secret", "api_token")),
            username=settings.get("username") or None,
            password=settings.get("password") or None,
            extra_headers=settings.get("extra_headers") or None,
        )
    except AirbyteConfigurationError as error:
        # "workspace.password is missing; ...", but "workspace: Both api_token and ...".
        named = str(error).split(" ", 1)[0] in AirbyteCloudResource.model_fields
        raise ValueError(f"workspace{'.' if named else ': '}{error}") from None


# --------------------------------------------------------------------------- connection selector


class AirbyteConnectionSelectorArgs(dg.Model):
    """Which connections become assets: exactly one of the three lists."""

    by_id: list[str] | None = Field(
        default=None,
        description="Connection ids (UUIDs). Named connections are loaded whatever their status.",
    )
    by_name: list[str] | None = Field(
        default=None,
        description="Exact names of active connections, e.g. 'Stripe → Warehouse'.",
    )
    by_name_pattern: list[str] | None = Field(
        default=None,
        description=(
            "Shell-style patterns on the names of active connections (case-sensitive; * any "
            "text, ? one character), e.g. '* → Warehouse'."
        ),
    )


@dataclass(frozen=True)
class AirbyteConnectionSelector:
    """A resolved ``connection_selector``; at most one of the tuples is non-empty."""

    by_id: tuple[str, ...] = ()
    by_name: tuple[str, ...] = ()
    by_name_pattern: tuple[str, ...] = ()

    def matches(self, connection: AirbyteConnection) -> bool:
        """Whether ``connection`` is selected (``by_id`` selects by id, whatever its status)."""
        if self.by_id:
            return connection.connection_id in self.by_id
        if self.by_name:
            return connection.name in self.by_name
        if self.by_name_pattern:
            return any(fnmatch.fnmatchcase(connection.name, p) for p in self.by_name_pattern)
        return True

    def describe(self) -> str:
        """A stable text of the selection, part of the default state key."""
        for field in ("by_id", "by_name", "by_name_pattern"):
            values = getattr(self, field)
            if values:
                return f"{field}={sorted(values)}"
        return "all active"


def resolve_connection_selector(
    context: dg.ResolutionContext, model: AirbyteConnectionSelectorArgs
) -> AirbyteConnectionSelector:
    resolved = {
        field: tuple(context.at_path(field).resolve_value(values))
        for field in ("by_id", "by_name", "by_name_pattern")
        if (values := getattr(model, field)) is not None
    }
    if len(resolved) != 1:
        given = ", ".join(sorted(resolved)) or "none"
        raise ValueError(
            "connection_selector takes exactly one of by_id, by_name, by_name_pattern "
            f"(given: {given}); leave connection_selector out for every active connection."
        )
    (field, values), *_ = resolved.items()
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"connection_selector.{field} must be a non-empty list of names.")
    if field == "by_id":
        bad = [value for value in values if not _is_uuid(value)]
        if bad:
            raise ValueError(
                f"connection_selector.by_id: {', '.join(map(repr, bad))} is not a connection "
                "id (a UUID such as 9924bcd0-99be-453d-ba47-c2c9766f7da5); to select by name, "
                "use connection_selector.by_name."
            )
    return AirbyteConnectionSelector(**{field: values})


def _is_uuid(value: str) -> bool:
    try:
        check_uuid("connection_id", value)
    except AirbyteConfigurationError:
        return False
    return True


# --------------------------------------------------------------------------- schedules


class AirbyteScheduleArgs(dg.Model, dg.Resolvable):
    """Schedules for the component's assets."""

    mirror_airbyte: bool = Field(
        default=False,
        description=(
            "One Dagster schedule per connection that Airbyte runs on a cron or basic schedule "
            "(read from the state, no API call). Set those connections to manual in Airbyte "
            "once Dagster runs them, so each sync runs once."
        ),
    )
    on_unsupported: Literal["warn", "fail"] = Field(
        default="warn",
        description=(
            "An Airbyte schedule with no exact cron equivalent: 'warn' skips it with a "
            "warning, 'fail' fails the load."
        ),
    )
    default_status: Literal["STOPPED", "RUNNING"] = Field(
        default="STOPPED", description="Whether the mirrored schedules start running."
    )


# --------------------------------------------------------------------------- freshness


class AirbyteFreshnessArgs(dg.Model, dg.Resolvable):
    """Freshness policies for the component's assets, as ``with_airbyte_freshness`` gives."""

    from_airbyte_schedule: bool = Field(
        default=False,
        description=(
            "Give each table a freshness policy from its connection's Airbyte schedule (read "
            "from the state, no API call); manual connections get none."
        ),
    )
    grace_minutes: int | None = Field(
        default=None,
        ge=1,
        description=(
            "How long a sync may take to land after Airbyte starts it, in minutes; required "
            "with from_airbyte_schedule."
        ),
    )
    on_unsupported: Literal["warn", "fail"] = Field(
        default="warn",
        description=(
            "An Airbyte schedule that gives no policy: 'warn' leaves its tables without one, "
            "with a warning; 'fail' fails the load."
        ),
    )

    @model_validator(mode="after")
    def _grace_when_on(self) -> AirbyteFreshnessArgs:
        if self.from_airbyte_schedule and self.grace_minutes is None:
            raise ValueError(
                "freshness.grace_minutes is required with from_airbyte_schedule: true (how "
                "long a sync may take to land, e.g. 30)."
            )
        return self

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.grace_minutes or 0)
