"""Sources, destinations, workspaces and what a source offers per stream.

>>> AirbyteWorkspace.from_api({"workspaceId": "...", "name": "Analytics"}).name
'Analytics'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airbyte_cloud_dagster.api.models.columns import AirbyteColumn, columns_from_json_schema
from airbyte_cloud_dagster.api.models.fields import field, paths, require_mapping, str_tuple

__all__ = [
    "AirbyteDestination",
    "AirbyteSource",
    "AirbyteStreamProperties",
    "AirbyteWorkspace",
]


@dataclass(frozen=True)
class AirbyteSource:
    """A source (``SourceResponse``); its configuration is not kept (it may hold secrets)."""

    source_id: str
    name: str
    source_type: str
    workspace_id: str
    definition_id: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteSource:
        what = "source"
        payload = require_mapping(payload, what)
        source_id = field(payload, "sourceId", str, what)
        what = f"source {source_id}"
        return cls(
            source_id=source_id,
            name=field(payload, "name", str, what),
            # "" for custom connectors (docs/airbyte/behaviour.md, "Destinations and sources").
            source_type=field(payload, "sourceType", str, what, default=""),
            workspace_id=field(payload, "workspaceId", str, what),
            definition_id=field(payload, "definitionId", str, what, default=None),
        )


@dataclass(frozen=True)
class AirbyteDestination:
    """A destination (``DestinationResponse``) and where it writes by default.

    ``default_schema`` comes from ``configuration.schema`` (Postgres, Snowflake, Redshift, ...)
    or ``configuration.dataset_id`` (BigQuery); ``database`` from ``configuration.database`` or
    ``configuration.project_id`` (docs/airbyte/behaviour.md, "Destinations and sources").
    ``destination_type`` is ``""`` for custom connectors, so ``definition_id`` is kept too.
    """

    destination_id: str
    name: str
    destination_type: str
    workspace_id: str
    definition_id: str | None = None
    database: str | None = None
    default_schema: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteDestination:
        what = "destination"
        payload = require_mapping(payload, what)
        destination_id = field(payload, "destinationId", str, what)
        what = f"destination {destination_id}"
        configuration = field(payload, "configuration", Mapping, what, default={})
        return cls(
            destination_id=destination_id,
            name=field(payload, "name", str, what),
            destination_type=field(payload, "destinationType", str, what, default=""),
            workspace_id=field(payload, "workspaceId", str, what),
            definition_id=field(payload, "definitionId", str, what, default=None),
            database=_first_text(configuration, "database", "project_id"),
            default_schema=_first_text(configuration, "schema", "dataset_id"),
        )


def _first_text(configuration: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = configuration.get(key)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True)
class AirbyteWorkspace:
    """A workspace (``WorkspaceResponse``)."""

    workspace_id: str
    name: str
    data_residency: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteWorkspace:
        what = "workspace"
        payload = require_mapping(payload, what)
        workspace_id = field(payload, "workspaceId", str, what)
        what = f"workspace {workspace_id}"
        return cls(
            workspace_id=workspace_id,
            name=field(payload, "name", str, what),
            data_residency=field(payload, "dataResidency", str, what, default=None),
        )


@dataclass(frozen=True)
class AirbyteStreamProperties:
    """What a source can offer for one stream (``StreamProperties``, from ``GET /streams``),
    or what a connection's stored catalog holds for it (:meth:`from_catalog_entry`).

    The namespace arrives as ``streamnamespace``, all lower case: a quirk of the spec
    (``StreamProperties``, returned by ``getStreamProperties``). ``columns`` are typed and
    come only from a stored catalog (the public API gives field paths, no types).
    """

    stream_name: str
    stream_namespace: str | None = None
    sync_modes: tuple[str, ...] = ()
    default_cursor_field: tuple[str, ...] = ()
    source_defined_primary_key: tuple[tuple[str, ...], ...] = ()
    property_fields: tuple[tuple[str, ...], ...] = ()
    columns: tuple[AirbyteColumn, ...] = ()

    @classmethod
    def from_catalog_entry(cls, payload: Any) -> AirbyteStreamProperties:
        """One ``syncCatalog.streams[]`` entry ``{stream, config}`` of the Config API's
        ``ConnectionRead`` (docs/airbyte/config-api.md §4): the stream's typed columns, only
        the selected fields when field selection is on.

        >>> AirbyteStreamProperties.from_catalog_entry({"stream": {"name": "charges",
        ...     "jsonSchema": {"properties": {"amount": {"type": "integer"}}}}, "config": {}}
        ... ).columns[0].type
        'integer'
        """
        what = "catalog stream"
        payload = require_mapping(payload, what)
        stream = require_mapping(field(payload, "stream", Mapping, what), what)
        config = field(payload, "config", Mapping, what, default={})
        name = field(stream, "name", str, what)
        what = f"catalog stream {name!r}"
        selected: tuple[tuple[str, ...], ...] = ()
        if field(config, "fieldSelectionEnabled", bool, what, default=False):
            selected = tuple(
                tuple(item["fieldPath"])
                for item in field(config, "selectedFields", list, what, default=[])
                if isinstance(item, Mapping) and isinstance(item.get("fieldPath"), list)
            )
        columns = columns_from_json_schema(field(stream, "jsonSchema", Mapping, what, default={}))
        if selected:
            wanted = {path[0] for path in selected if path}
            columns = tuple(column for column in columns if column.name in wanted)
        return cls(
            stream_name=name,
            stream_namespace=field(stream, "namespace", str, what, default=None) or None,
            sync_modes=str_tuple(stream, "supportedSyncModes", what),
            default_cursor_field=str_tuple(stream, "defaultCursorField", what),
            source_defined_primary_key=paths(stream, "sourceDefinedPrimaryKey", what),
            property_fields=tuple((column.name,) for column in columns),
            columns=columns,
        )

    @classmethod
    def from_api(cls, payload: Any) -> AirbyteStreamProperties:
        what = "stream properties"
        payload = require_mapping(payload, what)
        name = field(payload, "streamName", str, what)
        what = f"stream properties of {name!r}"
        return cls(
            stream_name=name,
            stream_namespace=field(payload, "streamnamespace", str, what, default=None) or None,
            sync_modes=str_tuple(payload, "syncModes", what),
            default_cursor_field=str_tuple(payload, "defaultCursorField", what),
            source_defined_primary_key=paths(payload, "sourceDefinedPrimaryKey", what),
            property_fields=paths(payload, "propertyFields", what),
        )
