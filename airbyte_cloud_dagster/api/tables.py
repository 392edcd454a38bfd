"""Where a connection's stream lands in its destination, by the name the warehouse uses.

Airbyte names the table in two steps (docs/airbyte/destination-names.md §1;
docs/airbyte/behaviour.md, "Where a stream lands in the destination"). First the platform maps the
names, the same for every destination:

- ``namespaceDefinition: destination`` -> the destination's default schema;
- ``source`` -> the stream's source namespace, else the destination's default;
- ``custom_format`` -> ``namespaceFormat`` with ``${SOURCE_NAMESPACE}`` substituted; a blank
  result falls back to the destination's default;
- table name: the connection's ``prefix`` followed by the stream name.

Then the destination connector normalises schema and table (characters, case, length, and a
hash suffix when two streams of a connection end up on one table); those rules are in
``api/destination_names.py``, one set per ``destinationType``.

Example::

    table = resolve_destination_table(connection, stream, destination)
    table.qualified_name  # "analytics.raw.stripe_invoice_line_items" on Postgres
                          # 'ANALYTICS.RAW."STRIPE_INVOICE LINE ITEMS"' on Snowflake
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from airbyte_cloud_dagster.api.destination_names import (
    ANSI_QUOTING,
    DestinationNaming,
    IdentifierQuoting,
    destination_naming,
)

if TYPE_CHECKING:
    from airbyte_cloud_dagster.api.models import (
        AirbyteConnection,
        AirbyteDestination,
        AirbyteStream,
    )

SOURCE_NAMESPACE_PLACEHOLDER = "${SOURCE_NAMESPACE}"


@dataclass(frozen=True)
class DestinationTable:
    """A table in the destination, named as the warehouse names it.

    ``database`` and ``schema`` are None where unknown (or, for ClickHouse, where names have
    two parts). ``airbyte_namespace`` and ``airbyte_name`` are what Airbyte hands the
    destination before it normalises them (the mapped namespace, prefix + stream name); asset
    keys are made from those, so they do not change with the warehouse.
    """

    database: str | None
    schema: str | None
    name: str
    quoting: IdentifierQuoting = ANSI_QUOTING
    airbyte_namespace: str | None = None
    airbyte_name: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """``(database, schema, name)`` without the unknown parts, unquoted."""
        return tuple(part for part in (self.database, self.schema, self.name) if part)

    @property
    def qualified_name(self) -> str:
        """``database.schema.name`` with each part quoted as the destination's SQL needs.

        >>> DestinationTable("analytics", "raw", "stripe_charges").qualified_name
        'analytics.raw.stripe_charges'
        >>> DestinationTable("analytics", "raw", "invoice line items").qualified_name
        'analytics.raw."invoice line items"'
        """
        return ".".join(self.quoting.quote(part) for part in self.parts)


def resolve_namespace(
    namespace_definition: str | None,
    namespace_format: str | None,
    source_namespace: str | None,
    default_schema: str | None,
) -> str | None:
    """The destination namespace of one stream, by Airbyte's rules (see the module docstring)."""
    definition = namespace_definition or "destination"
    if definition == "source":
        return source_namespace or default_schema
    if definition == "custom_format":
        formatted = (namespace_format or "").replace(
            SOURCE_NAMESPACE_PLACEHOLDER, source_namespace or ""
        )
        return formatted.strip() or default_schema
    return default_schema


def resolve_destination_table(
    connection: AirbyteConnection,
    stream: AirbyteStream,
    destination: AirbyteDestination | None,
) -> DestinationTable:
    """Where ``stream`` of ``connection`` lands in ``destination`` (None if not readable).

    This looks at one stream alone; :func:`resolve_destination_tables` also renames the
    streams that the destination would otherwise write to one table.
    """
    return _resolve(connection, stream, destination, destination_naming(_type(destination)))


def resolve_destination_tables(
    connection: AirbyteConnection, destination: AirbyteDestination | None
) -> tuple[DestinationTable, ...]:
    """Every enabled stream's table, in stream order, with collisions renamed like Airbyte.

    Where two streams normalise to one table, the destinations on the Bulk CDK give the later one a
    hash suffix (docs/airbyte/destination-names.md §4). Which stream keeps the plain name follows
    Airbyte's catalog order, assumed here to be the connection's stream order (unconfirmed).
    """
    naming = destination_naming(_type(destination))
    tables: list[DestinationTable] = []
    taken: set[tuple[str | None, str]] = set()
    for stream in connection.streams:
        table = _resolve(connection, stream, destination, naming)
        if naming.renames_collisions and (table.schema, table.name) in taken:
            renamed = naming.collision_name(table.schema, table.airbyte_name or table.name)
            table = replace(table, name=naming.table_name(renamed))
        taken.add((table.schema, table.name))
        tables.append(table)
    return tuple(tables)


def _type(destination: AirbyteDestination | None) -> str:
    return destination.destination_type if destination else ""


def _resolve(
    connection: AirbyteConnection,
    stream: AirbyteStream,
    destination: AirbyteDestination | None,
    naming: DestinationNaming,
) -> DestinationTable:
    configured_schema = destination.default_schema if destination else None
    configured_database = destination.database if destination else None
    settings = (connection.namespace_definition, connection.namespace_format, stream.namespace)
    airbyte_name = f"{connection.prefix or ''}{stream.name}"
    # None = "the destination's default", which each destination fills in its own way.
    namespace = resolve_namespace(*settings, None)
    return DestinationTable(
        database=naming.database_name(configured_database),
        schema=naming.schema_name(namespace, configured_schema, configured_database),
        name=naming.table_name(airbyte_name),
        quoting=naming.quoting,
        airbyte_namespace=resolve_namespace(*settings, configured_schema),
        airbyte_name=airbyte_name,
    )
