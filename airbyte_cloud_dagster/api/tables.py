"""Where a connection's stream lands in its destination.

Airbyte decides the destination namespace (schema or dataset) and the table name from the
connection's settings; see BEHAVIOUR.md, "Where a stream lands in the destination":

- ``namespaceDefinition: destination`` -> the destination's default schema;
- ``source`` -> the stream's source namespace, else the destination's default;
- ``custom_format`` -> ``namespaceFormat`` with ``${SOURCE_NAMESPACE}`` substituted; a blank
  result falls back to the destination's default;
- table name: the connection's ``prefix`` followed by the stream name.

The destination connector may then normalise case and characters; that happens inside the
warehouse and is not visible through the public API, so it is not modelled here.

Example::

    table = resolve_destination_table(connection, stream, destination)
    table.qualified_name  # "analytics.raw.stripe_charges"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airbyte_cloud_dagster.api.models import (
        AirbyteConnection,
        AirbyteDestination,
        AirbyteStream,
    )

SOURCE_NAMESPACE_PLACEHOLDER = "${SOURCE_NAMESPACE}"


@dataclass(frozen=True)
class DestinationTable:
    """A table in the destination: ``database`` and ``schema`` are None where unknown."""

    database: str | None
    schema: str | None
    name: str

    @property
    def qualified_name(self) -> str:
        """``database.schema.name``, leaving out the parts that are unknown."""
        return ".".join(part for part in (self.database, self.schema, self.name) if part)


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
    """Where ``stream`` of ``connection`` lands in ``destination`` (None if not readable)."""
    default_schema = destination.default_schema if destination else None
    return DestinationTable(
        database=destination.database if destination else None,
        schema=resolve_namespace(
            connection.namespace_definition,
            connection.namespace_format,
            stream.namespace,
            default_schema,
        ),
        name=f"{connection.prefix or ''}{stream.name}",
    )
