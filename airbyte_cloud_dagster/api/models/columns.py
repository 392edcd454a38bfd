"""Typed columns from a stream's JSON schema, as Airbyte's type system declares them.

Airbyte describes a stream's records with JSON schema plus a few keywords of its own
(https://docs.airbyte.com/understanding-airbyte/supported-data-types): ``type``
(often a nullable union such as ``["null", "string"]``), ``format`` (``date``, ``date-time``,
``time``), ``airbyte_type`` (``timestamp_with_timezone``, ``timestamp_without_timezone``,
``time_with_timezone``, ``time_without_timezone``, ``integer``; legacy ``big_integer``,
``big_number``), ``contentEncoding: base64`` for binary data, ``oneOf``/``anyOf`` unions, and,
in protocol v1 catalogs, ``$ref: WellKnownTypes.json#/definitions/<Type>``. Each top-level
property becomes one column; nested objects and arrays are one ``object`` / ``array`` column,
as destinations land them.

JSON schema -> column type:

- ``string`` -> ``string``; with ``format: date`` -> ``date``; with ``format: date-time`` ->
  ``timestamp_tz`` (``airbyte_type: timestamp_without_timezone`` -> ``timestamp``); with
  ``format: time`` -> ``time_tz`` (``airbyte_type: time_without_timezone`` -> ``time``); with
  ``contentEncoding: base64`` -> ``binary``;
- ``integer``, or ``number`` with ``airbyte_type: integer`` -> ``integer``; ``number`` ->
  ``number``; ``boolean`` -> ``boolean``; ``object`` -> ``object``; ``array`` -> ``array``;
- a union of several non-null types (``["string", "integer"]``, ``oneOf``/``anyOf``) ->
  ``json`` (``number`` for integer and number together), as destinations land it;
- no type at all (``{}``), or one not listed here -> ``unknown``.

A column is nullable when its schema admits ``null`` (``"null"`` in ``type``, a ``{"type":
"null"}`` branch of a union) and not nullable otherwise, as the source declares it.

>>> columns_from_json_schema({"properties": {"amount": {"type": ["null", "integer"]}}})
(AirbyteColumn(name='amount', type='integer', nullable=True, description=None),)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["AirbyteColumn", "column_type", "columns_from_json_schema"]

# airbyte_type and $ref names (WellKnownTypes.json) -> column type.
_AIRBYTE_TYPES = {
    "timestamp_with_timezone": "timestamp_tz",
    "timestamp_without_timezone": "timestamp",
    "time_with_timezone": "time_tz",
    "time_without_timezone": "time",
    "integer": "integer",
    "big_integer": "integer",
    "big_number": "number",
}
_WELL_KNOWN_TYPES = {
    "String": "string",
    "BinaryData": "binary",
    "Boolean": "boolean",
    "Date": "date",
    "TimestampWithTimezone": "timestamp_tz",
    "TimestampWithoutTimezone": "timestamp",
    "TimeWithTimezone": "time_tz",
    "TimeWithoutTimezone": "time",
    "Number": "number",
    "Integer": "integer",
}
_STRING_FORMATS = {"date": "date", "date-time": "timestamp_tz", "time": "time_tz"}
_JSON_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
}
UNKNOWN = "unknown"
MIXED = "json"


@dataclass(frozen=True)
class AirbyteColumn:
    """One column of a stream: its top-level field name, type (see the module's table), whether
    it may be null, and the schema's own ``description``, if any."""

    name: str
    type: str = UNKNOWN
    nullable: bool = True
    description: str | None = None


def columns_from_json_schema(
    json_schema: Any, selected_fields: Iterable[Sequence[str]] = ()
) -> tuple[AirbyteColumn, ...]:
    """The top-level properties of ``json_schema`` as columns, in the schema's order.

    With ``selected_fields`` (paths, as a connection's field selection names them), only the
    fields selected are kept. A schema that is not an object with ``properties`` has no columns.
    """
    properties = json_schema.get("properties") if isinstance(json_schema, Mapping) else None
    if not isinstance(properties, Mapping):
        return ()
    selected = {path[0] for path in selected_fields if path}
    columns = []
    for name, schema in properties.items():
        if not isinstance(name, str) or (selected and name not in selected):
            continue
        kind, nullable = column_type(schema)
        description = schema.get("description") if isinstance(schema, Mapping) else None
        columns.append(
            AirbyteColumn(
                name=name,
                type=kind,
                nullable=nullable,
                description=description if isinstance(description, str) else None,
            )
        )
    return tuple(columns)


def column_type(schema: Any) -> tuple[str, bool]:
    """``(type, nullable)`` of one property's schema (the module's table).

    >>> column_type({"type": ["null", "string"], "format": "date-time"})
    ('timestamp_tz', True)
    >>> column_type({"oneOf": [{"type": "null"}, {"type": "integer"}]})
    ('integer', True)
    """
    if not isinstance(schema, Mapping):
        return UNKNOWN, True
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.rpartition("/")[2] in _WELL_KNOWN_TYPES:
        return _WELL_KNOWN_TYPES[ref.rpartition("/")[2]], False
    union = schema.get("oneOf") or schema.get("anyOf")
    if "type" not in schema and isinstance(union, list) and union:
        typed = [branch for branch in union if not _is_null(branch)]
        branches = [column_type(branch) for branch in typed]
        nullable = len(typed) < len(union) or any(null for _, null in branches)
        return _union([kind for kind, _ in branches], nullable)
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return UNKNOWN, True
    kinds = [_one_type(name, schema) for name in names if name != "null"]
    return _union(kinds, "null" in names or not kinds)


def _one_type(json_type: str, schema: Mapping[str, Any]) -> str:
    """The column type of one JSON type name, refined by ``airbyte_type`` and ``format``."""
    airbyte_type = schema.get("airbyte_type")
    if json_type in ("string", "number", "integer") and airbyte_type in _AIRBYTE_TYPES:
        return _AIRBYTE_TYPES[airbyte_type]
    if json_type == "string":
        if schema.get("contentEncoding") == "base64":
            return "binary"
        return _STRING_FORMATS.get(str(schema.get("format")), "string")
    return _JSON_TYPES.get(json_type, UNKNOWN)


def _is_null(branch: Any) -> bool:
    return isinstance(branch, Mapping) and branch.get("type") in ("null", ["null"])


def _union(kinds: list[str], nullable: bool) -> tuple[str, bool]:
    """One type for the non-null types of a union: the same one, ``number`` for integers and
    numbers together, else ``json`` (destinations land a mixed union as JSON)."""
    distinct = set(kinds)
    if not distinct:
        return UNKNOWN, True
    if len(distinct) == 1:
        return distinct.pop(), nullable
    if distinct == {"integer", "number"}:
        return "number", nullable
    return MIXED, nullable
