"""The component's ``translation`` block: YAML that changes each asset's spec.

It has the shape Dagster's own integration components give ``translation`` (``key``,
``key_prefix``, ``group_name``, ``description``, ``tags``, ``kinds``, ``metadata``,
``owners``), and the same meaning: ``tags`` and ``metadata`` are merged into the default
spec's, every other attribute replaces it. Templates are rendered once per stream, when the
specs are built, with two names in scope:

- ``props``: the ``AirbyteConnectionTableProps`` of the stream (``props.connection.name``,
  ``props.stream.name``, ``props.table.schema``, ``props.destination.destination_type``, ...);
- ``spec``: the default ``AssetSpec`` (``spec.key``, ``spec.group_name``, ...).

Example::

    translation:
      key_prefix: airbyte
      group_name: "ingest_{{ props.destination.name | lower }}"
      tags: {team: data-platform}
      kinds: [airbyte, postgres, "{{ props.connection.name.split(' ')[0] | lower }}"]
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
from jinja2 import Template, Undefined
from jinja2.exceptions import UndefinedError
from jinja2.nativetypes import NativeEnvironment
from pydantic import Field

from airbyte_cloud_dagster.workspace.specs import AirbyteConnectionTableProps

_MERGED = ("tags", "metadata")


class AirbyteTranslationArgs(dg.Model):
    """Attributes to set on every asset; strings may use ``{{ props.* }}`` and ``{{ spec.* }}``."""

    key: str | None = Field(
        default=None, description="The whole asset key, slash-separated: 'airbyte/{{ ... }}'."
    )
    key_prefix: str | list[str] | None = Field(
        default=None, description="Prefix(es) put before the (default or given) key."
    )
    group_name: str | None = Field(default=None, description="The asset group.")
    description: str | None = Field(default=None, description="The asset's description.")
    tags: dict[str, str] | None = Field(default=None, description="Tags added to the defaults.")
    kinds: list[str] | None = Field(
        default=None,
        description="Kinds shown in the UI; replace the defaults (airbyte, destination type).",
    )
    metadata: dict[str, Any] | None = Field(
        default=None, description="Metadata added to the defaults."
    )
    owners: list[str] | None = Field(default=None, description="Owners: emails or 'team:name'.")


@dataclass(frozen=True)
class AirbyteTranslation:
    """A ``translation`` block: templated attributes are rendered for each stream, the others
    once (a workspace of 10,000 streams should not compile 10,000 copies of a constant)."""

    templated: Mapping[str, Any]
    constant: Mapping[str, Any]
    context: dg.ResolutionContext

    def __call__(self, spec: dg.AssetSpec, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
        scope = self.context.with_scope(props=props, spec=spec)
        rendered = dict(self.constant)
        for name, raw in self.templated.items():
            try:
                rendered[name] = _render(raw, scope.scope)
            except Exception:
                # Let Dagster render it again: its error names the YAML path and line.
                scope.at_path(name).resolve_value(raw)
                raise
        key = spec.key
        if "key" in rendered:
            key = dg.AssetKey.from_user_string(str(rendered.pop("key")))
        if "key_prefix" in rendered:
            prefix = rendered.pop("key_prefix")
            key = key.with_prefix(
                [str(p) for p in prefix] if isinstance(prefix, list) else str(prefix)
            )
        if "tags" in rendered:
            rendered["tags"] = {str(k): str(v) for k, v in rendered["tags"].items()}
        if "kinds" in rendered:
            rendered["kinds"] = {str(kind) for kind in rendered["kinds"]}
        merged = {name: rendered.pop(name) for name in _MERGED if name in rendered}
        spec = spec.replace_attributes(key=key, **rendered)
        return spec.merge_attributes(**merged) if merged else spec


def resolve_translation(
    context: dg.ResolutionContext, model: AirbyteTranslationArgs
) -> AirbyteTranslation:
    # Templates are rendered per stream (AirbyteTranslation), not now: {{ props }} is not there.
    given = {
        name: getattr(model, name)
        for name in model.model_fields_set
        if getattr(model, name) is not None
    }
    templated = {name: raw for name, raw in given.items() if _has_template(raw)}
    constant = {
        name: context.at_path(name).resolve_value(raw)
        for name, raw in given.items()
        if name not in templated
    }
    return AirbyteTranslation(templated=templated, constant=constant, context=context)


_ENVIRONMENT = NativeEnvironment()


@functools.lru_cache(maxsize=1024)
def _template(text: str) -> Template:
    return _ENVIRONMENT.from_string(text)


def _render(raw: Any, scope: Mapping[str, Any]) -> Any:
    """Render like ``ResolutionContext.resolve_value`` (Jinja native types), each template
    compiled once instead of once per stream."""
    if isinstance(raw, str):
        if not _has_template(raw):
            return raw
        value = _template(raw).render(**scope)
        if isinstance(value, Undefined):
            raise UndefinedError(value._undefined_message)
        return value
    if isinstance(raw, dict):
        return {_render(k, scope): _render(v, scope) for k, v in raw.items()}
    if isinstance(raw, list | tuple):
        return [_render(item, scope) for item in raw]
    return raw


def _has_template(raw: Any) -> bool:
    if isinstance(raw, str):
        return "{{" in raw or "{%" in raw
    if isinstance(raw, dict):
        return any(_has_template(k) or _has_template(v) for k, v in raw.items())
    if isinstance(raw, list | tuple):
        return any(_has_template(item) for item in raw)
    return False
