"""What a sandbox serves: a workspace of sources, destinations and connections.

Three ways to get a :class:`WorkspaceSeed`:

- :func:`~airbyte_cloud_dagster.sandbox.workspaces.demo_workspace` — the fixed demo workspace
  of docs/CONTRACTS.md;
- :func:`~airbyte_cloud_dagster.sandbox.workspaces.generate_workspace` — many connections for
  benchmarks (``generate_workspace(1000, 20)``);
- :func:`~airbyte_cloud_dagster.sandbox.seed_files.load_workspace` — a YAML or JSON file.

The file format: ``seed_files.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

SECRET = "**********"
# Fixed namespace for every derived id: the same names always give the same ids.
ID_NAMESPACE = uuid.UUID("4f1c2a7e-9b7d-5d4e-8a51-0d6b3c2e1a90")
BASE_CREATED_AT = 1_704_067_200  # 2024-01-01T00:00:00Z, epoch seconds like the real createdAt

# Real connector definition ids, so definitionId looks like Cloud's; others are derived.
DEFINITION_IDS = {
    ("source", "postgres"): "decd338e-5647-4c0b-adf4-da0e75f5a750",
    ("source", "stripe"): "e094cb9a-26de-4645-8761-65c0c425d1de",
    ("source", "s3"): "69589781-7828-43c5-9f63-8925b1c1ccc2",
    ("source", "hubspot"): "36c891d9-4bd9-43ac-bad2-10e12756272c",
    ("destination", "postgres"): "25c5221d-dce2-4163-ade9-739ef790f503",
}

Path_ = tuple[str, ...]


def derived_id(*parts: str) -> str:
    """A deterministic uuid5 from name parts."""
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def definition_id(actor: str, connector_type: str) -> str:
    """The connector definition id for a source or destination type."""
    return DEFINITION_IDS.get((actor, connector_type)) or derived_id(
        "definition", actor, connector_type
    )


@dataclass
class StreamSeed:
    """One stream of a source's catalog (GET /streams)."""

    name: str
    namespace: str | None = None
    fields: list[Path_] = field(default_factory=list)
    primary_key: list[Path_] = field(default_factory=list)
    cursor_field: list[str] = field(default_factory=list)
    sync_modes: list[str] = field(default_factory=lambda: ["full_refresh_overwrite"])
    # The JSON schema the Config API's stored catalog serves; None: one made from ``fields``.
    json_schema: dict[str, Any] | None = None


@dataclass
class ConfiguredStreamSeed:
    """One enabled stream of a connection; ``None`` cursor/primary key = the catalog's."""

    name: str
    namespace: str | None = None
    sync_mode: str = "full_refresh_overwrite"
    cursor_field: list[str] | None = None
    primary_key: list[Path_] | None = None
    selected_fields: list[Path_] = field(default_factory=list)


@dataclass
class SourceSeed:
    """A source and its catalog."""

    source_id: str
    name: str
    source_type: str
    configuration: dict[str, Any] = field(default_factory=dict)
    streams: list[StreamSeed] = field(default_factory=list)
    definition_id: str = ""
    created_at: int = BASE_CREATED_AT

    def stream(self, name: str, namespace: str | None) -> StreamSeed | None:
        """The catalog stream with this name and namespace, if any."""
        for stream in self.streams:
            if stream.name == name and stream.namespace == namespace:
                return stream
        return None


@dataclass
class DestinationSeed:
    """A destination; its default schema is ``configuration.schema`` or ``dataset_id``."""

    destination_id: str
    name: str
    destination_type: str
    configuration: dict[str, Any] = field(default_factory=dict)
    definition_id: str = ""
    created_at: int = BASE_CREATED_AT

    @property
    def default_schema(self) -> str:
        """Where streams land unless the connection says otherwise
        (docs/airbyte/behaviour.md, "Destinations and sources")."""
        config = self.configuration
        return str(config.get("schema") or config.get("dataset_id") or "public")


@dataclass
class ScheduleSeed:
    """``schedule`` of a connection: manual, cron (Quartz + zone) or basic."""

    schedule_type: str = "manual"
    cron_expression: str | None = None
    basic_timing: str | None = None


@dataclass
class TagSeed:
    """A tag on connections (``Tag``: Airbyte 1.5 and later); ``tag_id`` derived from the name."""

    name: str
    color: str = "5A6B7C"
    tag_id: str = ""


def tag_json(tag: TagSeed, workspace_id: str) -> dict[str, str]:
    """``Tag`` as ``ConnectionResponse.tags[]`` and ``ConnectionRead.tags[]`` serve it."""
    return {
        "tagId": tag.tag_id or derived_id(workspace_id, "tag", tag.name),
        "workspaceId": workspace_id,
        "name": tag.name,
        "color": tag.color,
    }


@dataclass
class ConnectionSeed:
    """A connection between one source and one destination."""

    connection_id: str
    name: str
    source_id: str
    destination_id: str
    streams: list[ConfiguredStreamSeed] = field(default_factory=list)
    status: str = "active"
    schedule: ScheduleSeed = field(default_factory=ScheduleSeed)
    namespace_definition: str = "destination"
    namespace_format: str | None = None
    prefix: str = ""
    created_at: int = BASE_CREATED_AT
    tags: list[TagSeed] = field(default_factory=list)


@dataclass
class WorkspaceSeed:
    """Everything one sandbox workspace serves."""

    workspace_id: str
    name: str
    data_residency: str = "auto"
    sources: list[SourceSeed] = field(default_factory=list)
    destinations: list[DestinationSeed] = field(default_factory=list)
    connections: list[ConnectionSeed] = field(default_factory=list)

    def connection_by_name(self, name: str) -> ConnectionSeed:
        """The connection with exactly this name (KeyError if none)."""
        for connection in self.connections:
            if connection.name == name:
                return connection
        raise KeyError(f"no connection named {name!r}; known: {[c.name for c in self.connections]}")
