"""The component's ``translation`` block: YAML that changes each asset's spec.

Its YAML is Dagster's own asset attributes model (``dagster.AssetAttributesModel``, the one
Dagster's integration components take for ``translation``), all fourteen attributes: ``key``,
``key_prefix``, ``deps``, ``description``, ``group_name``, ``metadata``, ``tags``, ``kinds``,
``owners``, ``code_version``, ``skippable``, ``automation_condition``, ``freshness_policy``,
``partitions_def``; with the same meaning: ``tags`` and ``metadata`` are merged into the
default spec's, every other attribute replaces it, ``key_prefix`` goes before the (default or
given) key. Dagster's resolution of that model is not public, so it is mirrored here.

Templates are rendered with Dagster's scope (``env``, ``dg``, ``datetime``) plus two names:

- ``props``: the ``AirbyteConnectionTableProps`` of the stream (``props.connection.name``,
  ``props.stream.name``, ``props.table.schema``, ``props.destination.destination_type``, ...);
- ``spec``: the default ``AssetSpec`` (``spec.key``, ``spec.group_name``, ...).

A template that names ``props`` or ``spec`` is rendered once per stream, when the specs are
built; any other value once (a workspace of 10,000 streams should not compile 10,000 copies of a
constant). Example::

    translation:
      key_prefix: airbyte
      group_name: "ingest_{{ props.destination.name | lower }}"
      deps: [app_db/replica_ready]
      automation_condition: "{{ dg.AutomationCondition.on_cron('0 6 * * *') }}"
      freshness_policy: "{{ dg.FreshnessPolicy.time_window(datetime.timedelta(hours=26)) }}"
      tags: {team: data-platform}
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
from jinja2 import Template, Undefined, meta
from jinja2.exceptions import UndefinedError
from jinja2.nativetypes import NativeEnvironment
from pydantic import BaseModel

from airbyte_cloud_dagster.workspace.specs import AirbyteConnectionTableProps

_MERGED = ("tags", "metadata")
_PER_STREAM_NAMES = frozenset({"props", "spec"})


# Dagster's own YAML model, so the block takes exactly what Dagster's components take.
AirbyteTranslationArgs: type[BaseModel] = dg.AssetAttributesModel


@dataclass(frozen=True)
class AirbyteTranslation:
    """A ``translation`` block: ``templated`` attributes are rendered for each stream,
    ``constant`` ones were resolved once."""

    templated: Mapping[str, Any]
    constant: Mapping[str, Any]
    context: dg.ResolutionContext

    def sets(self, name: str) -> bool:
        """Whether the block gives the attribute ``name``."""
        return name in self.templated or name in self.constant

    def __call__(self, spec: dg.AssetSpec, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
        scope = self.context.with_scope(props=props, spec=spec)
        rendered = dict(self.constant)
        for name, raw in self.templated.items():
            try:
                rendered[name] = attribute_value(name, _render(raw, scope.scope))
            except Exception:
                # Let Dagster render it again: its error names the YAML path and line.
                scope.at_path(name).resolve_value(raw)
                raise
        key = rendered.pop("key", spec.key)
        if "key_prefix" in rendered:
            key = key.with_prefix(rendered.pop("key_prefix"))
        merged = {name: rendered.pop(name) for name in _MERGED if name in rendered}
        spec = spec.replace_attributes(key=key, **rendered)
        return spec.merge_attributes(**merged) if merged else spec


def resolve_translation(context: dg.ResolutionContext, model: BaseModel) -> AirbyteTranslation:
    # Templates naming props or spec are rendered per stream (AirbyteTranslation): they are
    # not in scope now.
    given = {
        name: _plain(getattr(model, name))
        for name in model.model_fields_set
        if getattr(model, name) is not None
    }
    templated = {name: raw for name, raw in given.items() if _per_stream(raw)}
    constant = {
        name: attribute_value(name, context.at_path(name).resolve_value(raw))
        for name, raw in given.items()
        if name not in templated
    }
    return AirbyteTranslation(templated=templated, constant=constant, context=context)


def check_one_freshness(
    translation: AirbyteTranslation | None, from_airbyte_schedule: bool
) -> None:
    """Refuses two sources of the tables' freshness policies."""
    if from_airbyte_schedule and translation is not None and translation.sets("freshness_policy"):
        raise dg.DagsterInvalidDefinitionError(
            "Both translation.freshness_policy and freshness.from_airbyte_schedule give the "
            "tables a freshness policy; keep one of them."
        )


def attribute_value(name: str, value: Any) -> Any:
    """A rendered attribute as ``AssetSpec.replace_attributes`` takes it (Dagster's types)."""
    if name in ("key", "key_prefix", "deps"):
        return _keys(name, value)
    if name == "tags":
        return {str(k): str(v) for k, v in value.items()}
    if name == "kinds":
        return {str(kind) for kind in value}
    if name == "code_version":
        return str(value)
    if name == "skippable" and value is not True:
        # build_specs makes every table skippable: with wait_mode "sensor" a run only starts
        # the sync and the sensor records the tables later.
        raise ValueError(
            "translation.skippable must be true: Airbyte tables are always skippable (a run "
            "with wait_mode: sensor only starts the sync); leave skippable out."
        )
    if name == "partitions_def" and isinstance(value, Mapping):
        return _partitions_def(value)
    expected = {
        "automation_condition": (dg.AutomationCondition, "dg.AutomationCondition.eager()"),
        "freshness_policy": (dg.FreshnessPolicy, "dg.FreshnessPolicy.time_window(...)"),
        "partitions_def": (dg.PartitionsDefinition, "dg.DailyPartitionsDefinition(...)"),
    }.get(name)
    if expected is not None and not isinstance(value, expected[0]):
        raise ValueError(
            f"translation.{name} must be a template giving a dg.{expected[0].__name__}, such as "
            f'"{{{{ {expected[1]} }}}}"; it gave {value!r}.'
        )
    return value


def _keys(name: str, value: Any) -> Any:
    """``key`` and each of ``deps`` as ``AssetKey``s from ``a/b`` strings (Dagster's rule);
    ``key_prefix`` as a prefix: one string or a list of parts."""
    if name == "key_prefix":
        return [str(part) for part in value] if isinstance(value, list | tuple) else str(value)
    if name == "key":
        return value if isinstance(value, dg.AssetKey) else dg.AssetKey.from_user_string(str(value))
    deps = [value] if isinstance(value, str) else list(value)
    return [dg.AssetKey.from_user_string(dep) if isinstance(dep, str) else dep for dep in deps]


def _partitions_def(model: Mapping[str, Any]) -> dg.PartitionsDefinition:
    """A ``partitions_def`` mapping (``type: daily``, ``start_date``, ...), as Dagster's
    component models build it."""
    fields = {k: v for k, v in model.items() if k != "type"}
    kind = model.get("type")
    if kind == "static":
        return dg.StaticPartitionsDefinition(list(fields["partition_keys"]))
    if kind == "time_window":
        fields["start"], fields["end"] = fields.pop("start_date"), fields.pop("end_date", None)
        return dg.TimeWindowPartitionsDefinition(**fields)
    builders = {
        "hourly": dg.HourlyPartitionsDefinition,
        "daily": dg.DailyPartitionsDefinition,
        "weekly": dg.WeeklyPartitionsDefinition,
    }
    if kind not in builders:
        raise ValueError(
            f"translation.partitions_def.type {kind!r} is not one of hourly, daily, weekly, "
            "time_window, static."
        )
    return builders[kind](**fields)


def _plain(raw: Any) -> Any:
    """The YAML value as plain data (a ``partitions_def`` model as its mapping)."""
    return raw.model_dump() if isinstance(raw, BaseModel) else raw


_ENVIRONMENT = NativeEnvironment()


@functools.lru_cache(maxsize=1024)
def _template(text: str) -> Template:
    return _ENVIRONMENT.from_string(text)


@functools.lru_cache(maxsize=1024)
def _names_in(text: str) -> frozenset[str]:
    return frozenset(meta.find_undeclared_variables(_ENVIRONMENT.parse(text)))


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


def _has_template(text: str) -> bool:
    return "{{" in text or "{%" in text


def _per_stream(raw: Any) -> bool:
    """Whether ``raw`` holds a template naming ``props`` or ``spec``."""
    if isinstance(raw, str):
        return _has_template(raw) and not _names_in(raw).isdisjoint(_PER_STREAM_NAMES)
    if isinstance(raw, dict):
        return any(_per_stream(k) or _per_stream(v) for k, v in raw.items())
    if isinstance(raw, list | tuple):
        return any(_per_stream(item) for item in raw)
    return False
