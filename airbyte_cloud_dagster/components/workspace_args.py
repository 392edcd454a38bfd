"""The ``workspace:`` block of ``AirbyteWorkspaceComponent``: the fields of
:class:`~airbyte_cloud_dagster.AirbyteCloudResource`, read from the resource itself so the YAML
never drifts from the Python API, checked as written, and resolved to the resource.

A secret given as ``"{{ env.NAME }}"`` becomes ``dagster.EnvVar("NAME")`` (each value of
``extra_headers`` too): its value never reaches the Dagster UI, and loading from state needs no
credentials at all. A misspelt setting names the closest one; a number or switch of the wrong
kind says what it takes::

    workspace:
      sync_timout: 60   # "workspace.sync_timout is not a setting ...; did you mean sync_timeout?"
"""

from __future__ import annotations

import functools
import re
from typing import Any

import dagster as dg
import pydantic
from pydantic import Field, model_validator

from airbyte_cloud_dagster.api import AirbyteConfigurationError
from airbyte_cloud_dagster.api.arguments import check_credentials
from airbyte_cloud_dagster.api.setting_names import refuse_unknown_settings
from airbyte_cloud_dagster.resource import AirbyteCloudResource

__all__ = [
    "SECRET_FIELDS",
    "SECRET_MAPPINGS",
    "AirbyteWorkspaceArgs",
    "env_var_name",
    "resolve_workspace",
]

# Fields whose "{{ env.NAME }}" template becomes an EnvVar instead of the variable's value.
SECRET_FIELDS = ("client_id", "client_secret", "api_token", "username", "password", "proxy_url")
# Mappings whose values are secrets, each "{{ env.NAME }}" value an EnvVar.
SECRET_MAPPINGS = ("extra_headers",)
# Where the YAML type says more than the resource's: its `verify` is Any to Dagster's config
# system, which has no bool-or-str union.
_YAML_TYPES: dict[str, Any] = {"verify": bool | str}
# What a number or switch setting takes, said in YAML: (kind, example).
_KINDS: dict[Any, tuple[str, str]] = {
    float: ("a number of seconds", "30"),
    float | None: ("a number of seconds", "30"),
    int: ("a whole number", "5"),
    bool: ("true or false", "true"),
}
_ENV_TEMPLATE = re.compile(
    r"""^\{\{\s*env(?:\.(?P<attr>\w+)|\(\s*['"](?P<call>\w+)['"]\s*\))\s*\}\}$"""
)


def _workspace_args_model() -> type[dg.Model]:
    """A YAML model with exactly the resource's fields, types, defaults and descriptions."""
    fields: dict[str, Any] = {}
    for name, info in AirbyteCloudResource.model_fields.items():
        annotation = _YAML_TYPES.get(name, info.annotation)
        fields[name] = (annotation, Field(default=info.default, description=info.description))
    return pydantic.create_model(
        "AirbyteWorkspaceArgs",
        __base__=_CheckedAsWritten,
        __doc__="How to reach Airbyte and follow its syncs (AirbyteCloudResource's fields).",
        **fields,
    )


class _CheckedAsWritten(dg.Model):
    @model_validator(mode="before")
    @classmethod
    def _check_as_written(cls, values: Any) -> Any:
        """Before pydantic's own checks, whose messages name neither the closest setting nor
        the kind of value expected: a misspelt setting, a number or switch of the wrong kind."""
        if not isinstance(values, dict):
            return values
        fields = AirbyteCloudResource.model_fields
        try:
            refuse_unknown_settings(
                values, fields, "AirbyteCloudResource", listed_in="listed in docs/configuration.md"
            )
        except AirbyteConfigurationError as error:
            raise AirbyteConfigurationError(f"workspace.{error}") from None
        for name, value in values.items():
            kind, example = _KINDS.get(fields[name].annotation, (None, ""))
            if kind is not None and not _valid(fields[name].annotation, value):
                raise AirbyteConfigurationError(
                    f"workspace.{name}={value!r} is not {kind}; write e.g. {name}: {example}."
                )
        return values


def _valid(annotation: Any, value: Any) -> bool:
    try:
        _adapter(annotation).validate_python(value)
    except pydantic.ValidationError:
        return False
    return True


@functools.cache
def _adapter(annotation: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(annotation)


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
        raise AirbyteConfigurationError(f"workspace{'.' if named else ': '}{error}") from None
