"""A stream's columns as Dagster shows them: ``dagster/column_schema``.

Typed where the connection's stored catalog was read (``AirbyteStreamProperties.columns``, from
the Config API: ``api/models/columns.py`` maps Airbyte's types); names only, type ``unknown``,
where only the public ``GET /streams`` was (it gives paths, no types). Either way only the
fields that land are shown: with column selection on, the selected ones
(docs/airbyte/behaviour.md, "Connections").

Primary key and cursor columns say so in their description (``Primary key.``, ``Cursor
field.``); a one-column primary key of a stream that Airbyte deduplicates
(``incremental_deduped_history``, ``full_refresh_overwrite_deduped``) is also
``TableColumnConstraints(unique=True)``: in an append mode the table keeps every version of a
row, so the key is not unique there.

Example::

    schema = column_schema(props.stream, props.stream_properties)
    schema.columns[1]  # TableColumn(name='amount', type='integer',
                       #   constraints=TableColumnConstraints(nullable=True, unique=False), ...)
"""

from __future__ import annotations

import functools

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteStream, AirbyteStreamProperties
from airbyte_cloud_dagster.api.models import AirbyteColumn

__all__ = ["column_schema"]


def column_schema(
    stream: AirbyteStream, properties: AirbyteStreamProperties | None
) -> dg.TableSchema | None:
    """The columns that land for ``stream`` (typed when ``properties`` has columns), or None
    when nothing is known about them."""
    selected = list(dict.fromkeys(path[0] for path in stream.selected_fields if path))
    if properties is not None and properties.columns:
        columns = properties.columns
        if selected:
            wanted = set(selected)
            columns = tuple(column for column in columns if column.name in wanted)
    else:
        fields = stream.selected_fields or (properties.property_fields if properties else ())
        names = dict.fromkeys(path[0] for path in fields if path)
        columns = tuple(AirbyteColumn(name) for name in names)
    if not columns:
        return None
    primary_key = [p[0] for p in stream.primary_key or _source_primary_key(properties) if p]
    cursor = stream.cursor_field or (properties.default_cursor_field if properties else ())
    incremental = (stream.sync_mode or "").startswith("incremental")
    cursor_name = cursor[0] if cursor and incremental else None
    deduplicated = "dedup" in (stream.sync_mode or "")
    return dg.TableSchema(
        columns=[
            _column(
                column.name,
                column.type,
                column.nullable,
                _role(column.name, primary_key, cursor_name),
                column.description,
                unique=deduplicated and primary_key == [column.name],
            )
            for column in columns
        ]
    )


def _source_primary_key(
    properties: AirbyteStreamProperties | None,
) -> tuple[tuple[str, ...], ...]:
    return properties.source_defined_primary_key if properties else ()


def _role(name: str, primary_key: list[str], cursor: str | None) -> str:
    """``Primary key.``, ``Part 2 of the primary key (id, day).``, ``Cursor field.``, or ``""``."""
    roles = []
    if name in primary_key:
        if len(primary_key) == 1:
            roles.append("Primary key.")
        else:
            part = primary_key.index(name) + 1
            roles.append(f"Part {part} of the primary key ({', '.join(primary_key)}).")
    if name == cursor:
        roles.append("Cursor field.")
    return " ".join(roles)


@functools.lru_cache(maxsize=8192)
def _column(
    name: str,
    kind: str,
    nullable: bool,
    role: str,
    description: str | None,
    *,
    unique: bool,
) -> dg.TableColumn:
    # Immutable, so one per distinct column serves every table that has it (id, updated_at,
    # ...): a 10,000-stream load builds a few hundred, not tens of thousands.
    text = " ".join(part for part in (role, description) if part) or None
    if kind == "unknown" and nullable and not unique:
        return dg.TableColumn(name=name, type=kind, description=text)
    return dg.TableColumn(
        name=name,
        type=kind,
        description=text,
        constraints=dg.TableColumnConstraints(nullable=nullable, unique=unique),
    )
