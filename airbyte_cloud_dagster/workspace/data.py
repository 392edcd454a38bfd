"""What the asset specs are built from: the workspace's connections, destinations and streams.

:meth:`AirbyteWorkspaceData.fetch` is the only place that calls the API when definitions load.
It lists the connections, then reads destinations, sources and columns concurrently (a bounded
thread pool over the client's one pooled session), each shared one once (fetching.py); a read
that fails costs only the connections that need it, and is kept in ``degraded``.
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
from collections.abc import Hashable, Iterator, Mapping, Sequence
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
from airbyte_cloud_dagster.api.models import AirbyteColumn, AirbyteTag
from airbyte_cloud_dagster.api.tables import resolve_destination_tables
from airbyte_cloud_dagster.api.web import connection_url
from airbyte_cloud_dagster.workspace.degraded import DegradedRead
from airbyte_cloud_dagster.workspace.fetching import fetch_candidates, fetch_details
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions
from airbyte_cloud_dagster.workspace.selection import (
    log_skipped,
    missing_named,
    select_connections,
    warn_unknown_tags,
)
from airbyte_cloud_dagster.workspace.specs import AirbyteConnectionTableProps

Catalogs = Mapping[str, tuple[AirbyteStreamProperties, ...]]

_V = TypeVar("_V")


@dataclass(frozen=True)
class AirbyteWorkspaceData:
    """Connections to build assets for, with their destinations and their streams' columns.

    ``workspace_id`` is the workspace the data was fetched for (None: every workspace the
    credentials see). Columns are in ``connection_catalogs``, keyed by connection id, where
    the connection's stored catalog was read (typed), else in ``stream_properties``, keyed by
    source id (``GET /streams``, names only); both are empty when the column schema was not
    fetched. ``degraded`` lists the reads that failed, and what the tables lack for it.
    """

    api_url: str
    connections: tuple[AirbyteConnection, ...]
    destinations: Mapping[str, AirbyteDestination]
    stream_properties: Catalogs
    workspace_id: str | None = None
    # Keyed by source id: the source type is an asset kind (a Stripe -> Postgres table).
    sources: Mapping[str, AirbyteSource] = dataclasses.field(default_factory=dict)
    connection_catalogs: Catalogs = dataclasses.field(default_factory=dict)
    degraded: tuple[DegradedRead, ...] = ()

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

        Connections left out are logged once, at INFO, with the reason; a read that fails
        for some connections only, once, at WARNING (``degraded``). An unknown or invisible
        ``workspace_id`` raises ``AirbyteConfigurationError`` naming the workspaces the
        credentials do see::

            AirbyteWorkspaceData.fetch(client, AirbyteLoadOptions(fetch_column_schema=False))
        """
        options = options or AirbyteLoadOptions()
        logger = logger or dg.get_dagster_logger("airbyte")
        candidates = fetch_candidates(client, workspace_id, options)
        warn_unknown_tags(candidates, options, logger)
        connections, skipped = select_connections(candidates, options)
        log_skipped(skipped, logger)
        return cls(
            api_url=client.api_url,
            connections=tuple(connections),
            workspace_id=workspace_id,
            **fetch_details(client, connections, workspace_id, options, logger),
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
        warn_unknown_tags(self.connections, options, logger)
        connections, skipped = select_connections(self.connections, options)
        log_skipped(skipped, logger)
        kept = {connection.connection_id for connection in connections}
        return dataclasses.replace(
            self,
            connections=tuple(connections),
            degraded=tuple(d for d in self.degraded if kept.intersection(d.connection_ids)),
        )

    def missing_connections(self, connection_ids: Sequence[str] | None) -> list[str]:
        """The ids in ``connection_ids`` that this data holds no connection for."""
        return missing_named(self.connections, connection_ids)

    def stream_props(self, connection: AirbyteConnection) -> Iterator[AirbyteConnectionTableProps]:
        """The translator's input for every enabled stream of ``connection``."""
        destination = self.destinations.get(connection.destination_id)
        catalog = self.connection_catalogs.get(connection.connection_id)
        if catalog is None:
            catalog = self.stream_properties.get(connection.source_id, ())
        properties = {(p.stream_namespace, p.stream_name): p for p in catalog}
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
            "connection_catalogs": {
                key: [_plain(properties) for properties in self.connection_catalogs[key]]
                for key in sorted(self.connection_catalogs)
            },
            "degraded": [_plain(read) for read in self.degraded],
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
            stream_properties=_catalogs(doc["stream_properties"]),
            sources={
                source.source_id: source
                for source in (_model(AirbyteSource, item) for item in doc.get("sources", ()))
            },
            # Older snapshots have neither.
            connection_catalogs=_catalogs(doc.get("connection_catalogs", {})),
            degraded=tuple(_model(DegradedRead, item) for item in doc.get("degraded", ())),
        )


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
            # Snapshots written before tags were kept have none.
            "tags": [_model(AirbyteTag, tag) for tag in doc.get("tags", ())],
        },
    )


def _catalogs(doc: Mapping[str, Any]) -> dict[str, tuple[AirbyteStreamProperties, ...]]:
    return {key: tuple(_properties(item) for item in items) for key, items in doc.items()}


def _properties(doc: Mapping[str, Any]) -> AirbyteStreamProperties:
    columns = tuple(_column(column) for column in doc.get("columns", ()))
    return _model(AirbyteStreamProperties, {**doc, "columns": columns})


def _column(doc: Mapping[str, Any]) -> AirbyteColumn:
    unknown = doc.keys() - _field_names(AirbyteColumn)
    if unknown:
        raise ValueError(f"AirbyteColumn has no field(s) {', '.join(sorted(unknown))}")
    return _shared_column(**doc)


# Columns repeat across tables (id, updated_at, ...): one frozen object serves them all, which
# reads a 10,000-table snapshot about a third faster.
_shared_column = functools.lru_cache(maxsize=8192)(AirbyteColumn)
