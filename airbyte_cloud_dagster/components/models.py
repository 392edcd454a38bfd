"""The YAML of ``AirbyteWorkspaceComponent``: each block, what it resolves to, how it is checked.

Five blocks have their own shape; every other attribute of the component is a plain value:

- ``workspace``: the fields of :class:`~airbyte_cloud_dagster.AirbyteCloudResource`, secrets
  kept as ``EnvVar``s: see ``workspace_args.py``.
- ``connection_selector``: ``by_id``, ``by_name``, ``by_name_pattern`` (shell-style globs) or
  ``by_tag`` (Airbyte tag names), exactly one; none means every active connection.
- ``translation``: Dagster's own asset attributes model (``dg.AssetAttributesModel``: ``key``,
  ``deps``, ``automation_condition``, ``freshness_policy``, ... all fourteen), templated per
  asset with ``{{ props.* }}`` (an ``AirbyteConnectionTableProps``) and ``{{ spec.* }}`` (the
  default ``AssetSpec``): see ``translation.py``. ``key_scheme`` (a plain value) chooses the
  default spec it applies to.
- ``schedules``: whether to mirror the schedules Airbyte runs the connections on.
- ``freshness``: whether each table gets a freshness policy from its connection's schedule.

A mistake names its field: ``dg check yaml`` and loading report the YAML path and line.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import dagster as dg
from pydantic import Field, model_validator

from airbyte_cloud_dagster.api import AirbyteConfigurationError, AirbyteConnection
from airbyte_cloud_dagster.api.arguments import check_uuid

# The workspace block lives in workspace_args.py; its names stay importable from here.
from airbyte_cloud_dagster.components.workspace_args import (
    SECRET_FIELDS,
    SECRET_MAPPINGS,
    AirbyteWorkspaceArgs,
    env_var_name,
    resolve_workspace,
)

__all__ = [
    "SECRET_FIELDS",
    "SECRET_MAPPINGS",
    "AirbyteConnectionSelector",
    "AirbyteConnectionSelectorArgs",
    "AirbyteFreshnessArgs",
    "AirbyteScheduleArgs",
    "AirbyteWorkspaceArgs",
    "env_var_name",
    "resolve_connection_selector",
    "resolve_workspace",
]


# --------------------------------------------------------------------------- connection selector


SELECTOR_FIELDS = ("by_id", "by_name", "by_name_pattern", "by_tag")


class AirbyteConnectionSelectorArgs(dg.Model):
    """Which connections become assets: exactly one of the four lists."""

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
    by_tag: list[str] | None = Field(
        default=None,
        description=(
            "Airbyte tag names: the active connections carrying at least one of them, e.g. "
            "'team:finance'."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _check_as_written(cls, values: Any) -> Any:
        """A misspelt way to select, or one name where a list is expected, said plainly."""
        if not isinstance(values, dict):
            return values
        ways = SELECTOR_FIELDS
        for key, value in values.items():
            if key not in ways:
                close = difflib.get_close_matches(str(key), ways, n=1)
                hint = f"; did you mean {close[0]}?" if close else "."
                raise AirbyteConfigurationError(
                    f"connection_selector.{key} is not one of {', '.join(ways)}{hint}"
                )
            if isinstance(value, str) and "{{" not in value:
                raise AirbyteConfigurationError(
                    f"connection_selector.{key} is one text, not a list; write it as a list, "
                    f"e.g. {key}: [{value!r}]."
                )
        return values


@dataclass(frozen=True)
class AirbyteConnectionSelector:
    """A resolved ``connection_selector``; at most one of the tuples is non-empty."""

    by_id: tuple[str, ...] = ()
    by_name: tuple[str, ...] = ()
    by_name_pattern: tuple[str, ...] = ()
    by_tag: tuple[str, ...] = ()

    def matches(self, connection: AirbyteConnection) -> bool:
        """Whether ``connection`` is selected by id or name (``by_id`` selects by id, whatever
        its status); ``by_tag`` is passed on as ``AirbyteLoadOptions.connection_tags``."""
        if self.by_id:
            return connection.connection_id in self.by_id
        if self.by_name:
            return connection.name in self.by_name
        if self.by_name_pattern:
            return any(fnmatch.fnmatchcase(connection.name, p) for p in self.by_name_pattern)
        return True  # by_tag: AirbyteLoadOptions.connection_tags, the one tag filter

    def describe(self) -> str:
        """A stable text of the selection, part of the default state key."""
        for field in SELECTOR_FIELDS:
            values = getattr(self, field)
            if values:
                return f"{field}={sorted(values)}"
        return "all active"


def resolve_connection_selector(
    context: dg.ResolutionContext, model: AirbyteConnectionSelectorArgs
) -> AirbyteConnectionSelector:
    resolved = {
        field: tuple(context.at_path(field).resolve_value(values))
        for field in SELECTOR_FIELDS
        if (values := getattr(model, field)) is not None
    }
    if len(resolved) != 1:
        given = ", ".join(sorted(resolved)) or "none"
        raise AirbyteConfigurationError(
            "connection_selector takes exactly one of by_id, by_name, by_name_pattern, by_tag "
            f"(given: {given}); leave connection_selector out for every active connection."
        )
    (field, values), *_ = resolved.items()
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise AirbyteConfigurationError(
            f"connection_selector.{field} must be a non-empty list of names."
        )
    if field == "by_id":
        bad = [value for value in values if not _is_uuid(value)]
        if bad:
            raise AirbyteConfigurationError(
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
            raise AirbyteConfigurationError(
                "freshness.grace_minutes is required with from_airbyte_schedule: true (how "
                "long a sync may take to land, e.g. 30)."
            )
        return self

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.grace_minutes or 0)
