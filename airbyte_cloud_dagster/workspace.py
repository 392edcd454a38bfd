"""What the asset specs are built from: the workspace's connections, destinations and streams.

Fetched once when definitions load. Kept as a plain frozen record so that later it can be
written to and read from a snapshot without any API call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteConnection,
    AirbyteDestination,
    AirbyteStreamProperties,
)
from airbyte_cloud_dagster.api.tables import resolve_destination_table
from airbyte_cloud_dagster.api.web import connection_url
from airbyte_cloud_dagster.translator import AirbyteStreamProps

ConnectionFilter = Callable[[AirbyteConnection], bool]


@dataclass(frozen=True)
class AirbyteWorkspaceData:
    """Connections to build assets for, with their destinations and their sources' streams."""

    api_url: str
    connections: tuple[AirbyteConnection, ...]
    destinations: Mapping[str, AirbyteDestination]
    stream_properties: Mapping[str, tuple[AirbyteStreamProperties, ...]]

    @classmethod
    def fetch(
        cls,
        client: AirbyteClient,
        *,
        workspace_id: str | None = None,
        connection_ids: Sequence[str] | None = None,
        connection_filter: ConnectionFilter | None = None,
        fetch_column_schema: bool = True,
    ) -> AirbyteWorkspaceData:
        """Read what the assets need: the named connections, or every active one."""
        if connection_ids is not None:
            connections = [client.get_connection(connection_id) for connection_id in connection_ids]
        else:
            workspace_ids = [workspace_id] if workspace_id else None
            connections = [
                connection
                for connection in client.list_connections(workspace_ids=workspace_ids)
                if connection.is_active
            ]
        if connection_filter is not None:
            connections = [
                connection for connection in connections if connection_filter(connection)
            ]
        destinations = {
            destination_id: client.get_destination(destination_id)
            for destination_id in sorted({c.destination_id for c in connections})
        }
        stream_properties: dict[str, tuple[AirbyteStreamProperties, ...]] = {}
        if fetch_column_schema:
            for source_id in sorted({c.source_id for c in connections}):
                stream_properties[source_id] = tuple(client.get_stream_properties(source_id))
        return cls(
            api_url=client.api_url,
            connections=tuple(connections),
            destinations=destinations,
            stream_properties=stream_properties,
        )

    def stream_props(self, connection: AirbyteConnection) -> Iterator[AirbyteStreamProps]:
        """The translator's input for every enabled stream of ``connection``."""
        destination = self.destinations.get(connection.destination_id)
        properties = {
            (p.stream_namespace, p.stream_name): p
            for p in self.stream_properties.get(connection.source_id, ())
        }
        url = connection_url(self.api_url, connection.workspace_id, connection.connection_id)
        for stream in connection.streams:
            yield AirbyteStreamProps(
                connection=connection,
                stream=stream,
                destination=destination,
                table=resolve_destination_table(connection, stream, destination),
                stream_properties=properties.get((stream.namespace, stream.name)),
                connection_url=url,
            )
