"""What a sandbox serves: a workspace of sources, destinations and connections.

Three ways to get a :class:`WorkspaceSeed`:

- :func:`~airbyte_cloud_dagster.sandbox.workspaces.demo_workspace` — the fixed demo workspace
  of docs/CONTRACTS.md;
- :func:`~airbyte_cloud_dagster.sandbox.workspaces.generate_workspace` — many connections for
  benchmarks (``generate_workspace(1000, 20)``);
- :func:`load_workspace` — a YAML or JSON file in the format below.

File format (YAML shown; JSON is the same document). Ids are optional everywhere: when absent
they are derived with ``uuid5`` from the names, so a file without ids is still deterministic.
``fields`` entries are column names, or lists for nested paths (``[address, city]``)::

    name: Demo Workspace
    id: 7c1b...              # optional
    data_residency: auto     # optional
    destinations:
      - name: Warehouse
        type: postgres
        configuration: {host: db, port: 5432, database: analytics, schema: raw}
    sources:
      - name: App Postgres
        type: postgres
        configuration: {host: app-db, database: app}
        streams:             # the source's catalog, as GET /streams serves it
          - name: customers
            namespace: public
            fields: [id, email, [address, city], updated_at]
            primary_key: [[id]]
            cursor_field: [updated_at]
            sync_modes: [full_refresh_overwrite, incremental_deduped_history]
    connections:
      - name: App Postgres → Warehouse
        source: App Postgres          # a source name (or sourceId)
        destination: Warehouse        # a destination name (or destinationId)
        status: active                # active | inactive | deprecated (= deleted)
        schedule: {type: cron, cron_expression: "0 0 12 * * ? UTC"}   # or {type: basic,
                                      # basic_timing: Every 24 HOURS} or {type: manual}
        namespace_definition: custom_format   # destination | source | custom_format
        namespace_format: app_${SOURCE_NAMESPACE}
        prefix: ""
        streams:                      # the enabled streams; cursor/primary key default
          - {name: customers, namespace: public, sync_mode: incremental_deduped_history}

:func:`workspace_to_dict` writes this format back, so ``load_workspace`` round-trips.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
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


# --------------------------------------------------------------------------- file format


def _paths(value: Any) -> list[Path_]:
    return [(p,) if isinstance(p, str) else tuple(str(x) for x in p) for p in value or []]


def _paths_out(paths: list[Path_]) -> list[Any]:
    return [p[0] if len(p) == 1 else list(p) for p in paths]


def workspace_from_dict(document: dict[str, Any]) -> WorkspaceSeed:
    """Build a seed from the documented file format (see the module docstring)."""
    ws_name = str(document.get("name") or "Workspace")
    destinations = [
        DestinationSeed(
            destination_id=str(d.get("id") or derived_id(ws_name, "destination", d["name"])),
            name=d["name"],
            destination_type=d.get("type", ""),
            configuration=dict(d.get("configuration") or {}),
            definition_id=str(
                d.get("definition_id") or definition_id("destination", d.get("type", ""))
            ),
            created_at=int(d.get("created_at", BASE_CREATED_AT)),
        )
        for d in document.get("destinations") or []
    ]
    sources = [
        SourceSeed(
            source_id=str(s.get("id") or derived_id(ws_name, "source", s["name"])),
            name=s["name"],
            source_type=s.get("type", ""),
            configuration=dict(s.get("configuration") or {}),
            streams=[
                StreamSeed(
                    name=st["name"],
                    namespace=st.get("namespace"),
                    fields=_paths(st.get("fields")),
                    primary_key=_paths(st.get("primary_key")),
                    cursor_field=list(st.get("cursor_field") or []),
                    sync_modes=list(st.get("sync_modes") or ["full_refresh_overwrite"]),
                )
                for st in s.get("streams") or []
            ],
            definition_id=str(s.get("definition_id") or definition_id("source", s.get("type", ""))),
            created_at=int(s.get("created_at", BASE_CREATED_AT)),
        )
        for s in document.get("sources") or []
    ]

    def resolve(ref: str, items: list[Any], attr: str, kind: str) -> str:
        for item in items:
            if ref in (item.name, getattr(item, attr)):
                return getattr(item, attr)
        raise ValueError(f"connection refers to unknown {kind} {ref!r}")

    connections = []
    for c in document.get("connections") or []:
        schedule = c.get("schedule") or {}
        primary_keys = {i: st.get("primary_key") for i, st in enumerate(c.get("streams") or [])}
        connections.append(
            ConnectionSeed(
                connection_id=str(c.get("id") or derived_id(ws_name, "connection", c["name"])),
                name=c["name"],
                source_id=resolve(c["source"], sources, "source_id", "source"),
                destination_id=resolve(
                    c["destination"], destinations, "destination_id", "destination"
                ),
                streams=[
                    ConfiguredStreamSeed(
                        name=st["name"],
                        namespace=st.get("namespace"),
                        sync_mode=st.get("sync_mode", "full_refresh_overwrite"),
                        cursor_field=st.get("cursor_field"),
                        primary_key=None if primary_keys[i] is None else _paths(primary_keys[i]),
                        selected_fields=_paths(st.get("selected_fields")),
                    )
                    for i, st in enumerate(c.get("streams") or [])
                ],
                status=c.get("status", "active"),
                schedule=ScheduleSeed(
                    schedule.get("type", "manual"),
                    cron_expression=schedule.get("cron_expression"),
                    basic_timing=schedule.get("basic_timing"),
                ),
                namespace_definition=c.get("namespace_definition", "destination"),
                namespace_format=c.get("namespace_format"),
                prefix=c.get("prefix") or "",
                created_at=int(c.get("created_at", BASE_CREATED_AT)),
            )
        )
    seed = WorkspaceSeed(
        workspace_id=str(document.get("id") or derived_id("workspace", ws_name)),
        name=ws_name,
        data_residency=document.get("data_residency", "auto"),
        sources=sources,
        destinations=destinations,
        connections=connections,
    )
    _check_streams(seed)
    return seed


def _check_streams(seed: WorkspaceSeed) -> None:
    sources = {s.source_id: s for s in seed.sources}
    for connection in seed.connections:
        source = sources[connection.source_id]
        for stream in connection.streams:
            if source.stream(stream.name, stream.namespace) is None:
                raise ValueError(
                    f"connection {connection.name!r} enables stream "
                    f"{stream.namespace}.{stream.name} which source {source.name!r} does not offer"
                )


def workspace_to_dict(seed: WorkspaceSeed) -> dict[str, Any]:
    """The seed in the documented file format (with ids), for ``json.dump``/``yaml.dump``."""
    names = {s.source_id: s.name for s in seed.sources}
    names.update({d.destination_id: d.name for d in seed.destinations})
    return {
        "name": seed.name,
        "id": seed.workspace_id,
        "data_residency": seed.data_residency,
        "destinations": [
            {
                "name": d.name,
                "id": d.destination_id,
                "type": d.destination_type,
                "definition_id": d.definition_id,
                "created_at": d.created_at,
                "configuration": d.configuration,
            }
            for d in seed.destinations
        ],
        "sources": [
            {
                "name": s.name,
                "id": s.source_id,
                "type": s.source_type,
                "definition_id": s.definition_id,
                "created_at": s.created_at,
                "configuration": s.configuration,
                "streams": [
                    {
                        "name": st.name,
                        "namespace": st.namespace,
                        "fields": _paths_out(st.fields),
                        "primary_key": [list(p) for p in st.primary_key],
                        "cursor_field": list(st.cursor_field),
                        "sync_modes": list(st.sync_modes),
                    }
                    for st in s.streams
                ],
            }
            for s in seed.sources
        ],
        "connections": [
            {
                "name": c.name,
                "id": c.connection_id,
                "source": names[c.source_id],
                "destination": names[c.destination_id],
                "status": c.status,
                "created_at": c.created_at,
                "schedule": {
                    k: v
                    for k, v in (
                        ("type", c.schedule.schedule_type),
                        ("cron_expression", c.schedule.cron_expression),
                        ("basic_timing", c.schedule.basic_timing),
                    )
                    if v is not None
                },
                "namespace_definition": c.namespace_definition,
                "namespace_format": c.namespace_format,
                "prefix": c.prefix,
                "streams": [
                    {
                        "name": st.name,
                        "namespace": st.namespace,
                        "sync_mode": st.sync_mode,
                        "cursor_field": st.cursor_field,
                        "primary_key": None
                        if st.primary_key is None
                        else [list(p) for p in st.primary_key],
                        "selected_fields": _paths_out(st.selected_fields),
                    }
                    for st in c.streams
                ],
            }
            for c in seed.connections
        ],
    }


def load_workspace(path: str | os.PathLike[str]) -> WorkspaceSeed:
    """Read a workspace from a ``.yaml``/``.yml`` or ``.json`` file (format: module docstring)."""
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() in (".yaml", ".yml"):
        import yaml  # lazily: only YAML seeds need it

        document = yaml.safe_load(text)
    else:
        document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError(
            f"{file}: expected a mapping at the top level, got {type(document).__name__}"
        )
    return workspace_from_dict(document)
