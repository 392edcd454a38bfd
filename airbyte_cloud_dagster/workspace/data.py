"""What the asset specs are built from: the workspace's connections, destinations and streams.

:meth:`AirbyteWorkspaceData.fetch` is the only place that calls the API when definitions load.
It lists the connections, then reads destinations, sources and stream properties concurrently
(a bounded thread pool over the client's one pooled session), each shared one once.
The record is plain and frozen, so ``to_dict()`` / ``from_dict()`` turn it into JSON and back
exactly; ``snapshot.py`` keeps that in a file so that loading makes no API call at all.

Example::

    with AirbyteClient(api_url, client_id=..., client_secret=...) as client:
        data = AirbyteWorkspaceData.fetch(client, workspace_id=workspace_id)
    data.connections          # every active connection, in the API's order
    AirbyteWorkspaceData.from_dict(data.to_dict()) == data   # True
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import logging
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import dagster as dg

from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteConfigurationError,
    AirbyteConnection,
    AirbyteDestination,
    AirbyteSource,
    AirbyteStream,
    AirbyteStreamProperties,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.tables import resolve_destination_tables
from airbyte_cloud_dagster.api.web import connection_url
from airbyte_cloud_dagster.workspace.fetching import fetch_candidates, fetch_details
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions
from airbyte_cloud_dagster.workspace.specs import AirbyteConnectionTableProps

# How many skipped connections one log line names per reason before it only counts the rest.
_SKIPPED_NAMED = 20

_V = TypeVar("_V")


@dataclass(frozen=True)
class SkippedConnection:
    """A connection that got no assets, and why (``"status 'inactive'"``, ...)."""

    connection: AirbyteConnection
    reason: str


@dataclass(frozen=True)
class AirbyteWorkspaceData:
    """Connections to build assets for, with their destinations and their sources' streams.

    ``workspace_id`` is the workspace the data was fetched for (None: every workspace the
    credentials see); ``stream_properties`` is keyed by source id and empty when the column
    schema was not fetched.
    """

    api_url: str
    connections: tuple[AirbyteConnection, ...]
    destinations: Mapping[str, AirbyteDestination]
    stream_properties: Mapping[str, tuple[AirbyteStreamProperties, ...]]
    workspace_id: str | None = None
    # Keyed by source id: the source type is an asset kind (a Stripe -> Postgres table).
    sources: Mapping[str, AirbyteSource] = dataclasses.field(default_factory=dict)

    @classmethod
    def fetch(
        cls,
        client: AirbyteClient,
        options: AirbyteLoadOptions | None = None,
        *,
        workspace_id: str | None = None,
        logger: logging.Logger | None = None,
    ) -> AirbyteWorkspaceData:
        """Read what the assets need: the named connections, or every active one.

        Connections left out are logged once, at INFO, with the reason. An unknown or
        invisible ``workspace_id`` raises ``AirbyteConfigurationError`` naming the workspaces
        the credentials do see::

            AirbyteWorkspaceData.fetch(client, AirbyteLoadOptions(fetch_column_schema=False))
        """
        options = options or AirbyteLoadOptions()
        connections, skipped = select_connections(
            fetch_candidates(client, workspace_id, options), options
        )
        log_skipped(skipped, logger)
        return cls(
            api_url=client.api_url,
            connections=tuple(connections),
            workspace_id=workspace_id,
            **fetch_details(client, connections, workspace_id, options),
        )

    def select(
        self, options: AirbyteLoadOptions, *, logger: logging.Logger | None = None
    ) -> AirbyteWorkspaceData:
        """The same selection as :meth:`fetch`, applied to data already in hand (a snapshot).

        Raises ``AirbyteConfigurationError`` for a named connection the data does not hold.
        """
        missing = self.missing_connections(options.connection_ids)
        if missing:
            raise AirbyteConfigurationError(
                f"connection_ids names {', '.join(missing)}, which the workspace data "
                f"(fetched from {self.api_url}) does not hold; refresh it with those connections."
            )
        connections, skipped = select_connections(self.connections, options)
        log_skipped(skipped, logger)
        return dataclasses.replace(self, connections=tuple(connections))

    def missing_connections(self, connection_ids: Sequence[str] | None) -> list[str]:
        """The ids in ``connection_ids`` that this data holds no connection for."""
        return _missing_named(self.connections, connection_ids)

    def stream_props(self, connection: AirbyteConnection) -> Iterator[AirbyteConnectionTableProps]:
        """The translator's input for every enabled stream of ``connection``."""
        destination = self.destinations.get(connection.destination_id)
        properties = {
            (p.stream_namespace, p.stream_name): p
            for p in self.stream_properties.get(connection.source_id, ())
        }
        url = connection_url(self.api_url, connection.workspace_id, connection.connection_id)
        tables = resolve_destination_tables(connection, destination)
        for stream, table in zip(connection.streams, tables, strict=True):
            yield AirbyteConnectionTableProps(
                connection=connection,
                stream=stream,
                destination=destination,
                table=table,
                stream_properties=properties.get((stream.namespace, stream.name)),
                connection_url=url,
                source=self.sources.get(connection.source_id),
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, deterministic: destinations and sources sorted by id.

        >>> AirbyteWorkspaceData.from_dict(data.to_dict()) == data
        True
        """
        return {
            "api_url": self.api_url,
            "workspace_id": self.workspace_id,
            "connections": [_plain(connection) for connection in self.connections],
            "destinations": [_plain(self.destinations[key]) for key in sorted(self.destinations)],
            "stream_properties": {
                source_id: [_plain(properties) for properties in self.stream_properties[source_id]]
                for source_id in sorted(self.stream_properties)
            },
            "sources": [_plain(self.sources[key]) for key in sorted(self.sources)],
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> AirbyteWorkspaceData:
        """The inverse of :meth:`to_dict`; raises KeyError/TypeError/ValueError on bad data."""
        destinations = [_model(AirbyteDestination, item) for item in doc["destinations"]]
        return cls(
            api_url=doc["api_url"],
            workspace_id=doc.get("workspace_id"),
            connections=tuple(_connection(item) for item in doc["connections"]),
            destinations={d.destination_id: d for d in destinations},
            stream_properties={
                source_id: tuple(_model(AirbyteStreamProperties, item) for item in items)
                for source_id, items in doc["stream_properties"].items()
            },
            sources={
                source.source_id: source
                for source in (_model(AirbyteSource, item) for item in doc.get("sources", ()))
            },
        )


# --------------------------------------------------------------------------- selection


def select_connections(
    connections: Iterable[AirbyteConnection], options: AirbyteLoadOptions
) -> tuple[list[AirbyteConnection], list[SkippedConnection]]:
    """The named connections (any status, in the order named) or every active one, then
    ``connection_filter``; and every other connection with the reason it was left out."""
    connection_ids, connection_filter = options.connection_ids, options.connection_filter
    by_id = {connection.connection_id: connection for connection in connections}
    skipped: list[SkippedConnection] = []
    if connection_ids is not None:
        wanted = dict.fromkeys(connection_ids)
        selected = [by_id[connection_id] for connection_id in wanted if connection_id in by_id]
        skipped += [
            SkippedConnection(c, "not in connection_ids")
            for c in by_id.values()
            if c.connection_id not in wanted
        ]
    else:
        selected = [c for c in by_id.values() if c.is_active]
        skipped += [
            SkippedConnection(c, f"status {c.status!r}") for c in by_id.values() if not c.is_active
        ]
    if connection_filter is not None:
        # One pass: ``c not in kept`` compared whole connections, quadratic in their number.
        kept: list[AirbyteConnection] = []
        for connection in selected:
            if connection_filter(connection):
                kept.append(connection)
            else:
                skipped.append(SkippedConnection(connection, "filtered out by connection_filter"))
        selected = kept
    return selected, skipped


def log_skipped(skipped: Sequence[SkippedConnection], logger: logging.Logger | None = None) -> None:
    """One INFO line per reason, naming the connections (the first 20, then a count)."""
    logger = logger or dg.get_dagster_logger("airbyte")
    by_reason: dict[str, list[AirbyteConnection]] = {}
    for item in skipped:
        by_reason.setdefault(item.reason, []).append(item.connection)
    for reason, connections in by_reason.items():
        names = ", ".join(f"{c.name!r} ({c.connection_id})" for c in connections[:_SKIPPED_NAMED])
        more = len(connections) - _SKIPPED_NAMED
        logger.info(
            f"No assets for {len(connections)} Airbyte connection(s), {reason}: {names}"
            + (f" and {more} more." if more > 0 else ".")
        )


def _missing_named(
    connections: Iterable[AirbyteConnection], connection_ids: Sequence[str] | None
) -> list[str]:
    present = {connection.connection_id for connection in connections}
    return [i for i in dict.fromkeys(connection_ids or ()) if i not in present]


# --------------------------------------------------------------------------- plain data


def _plain(value: Any) -> Any:
    """A model as JSON-able data: dataclasses as dicts of their fields, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _tuples(value: Any) -> Any:
    """JSON lists back into the models' tuples (nested for paths like primary keys)."""
    if type(value) is not list:
        return value
    return tuple([_tuples(item) if type(item) is list else item for item in value])


@functools.cache
def _field_names(model: Any) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(model))


def _model(model: type[_V], doc: Mapping[str, Any]) -> _V:
    unknown = doc.keys() - _field_names(cast(Hashable, model))
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    return model(**{key: _tuples(value) for key, value in doc.items()})


def _connection(doc: Mapping[str, Any]) -> AirbyteConnection:
    return _model(
        AirbyteConnection,
        {
            **doc,
            "schedule": _model(ConnectionSchedule, doc["schedule"]),
            "streams": [_model(AirbyteStream, stream) for stream in doc["streams"]],
        },
    )
