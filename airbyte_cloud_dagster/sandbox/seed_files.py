"""The sandbox's workspace file: a :class:`~airbyte_cloud_dagster.sandbox.seed.WorkspaceSeed`
as YAML or JSON, read by ``load_workspace`` and written back by ``workspace_to_dict``.

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
            json_schema: {type: object, properties: {id: {type: integer}}}   # optional
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
        tags: [team:finance, {name: tier:1, color: FF5733}]   # optional; ids derived
        streams:                      # the enabled streams; cursor/primary key default
          - {name: customers, namespace: public, sync_mode: incremental_deduped_history}

:func:`workspace_to_dict` writes this format back, so ``load_workspace`` round-trips.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from airbyte_cloud_dagster.sandbox.seed import (
    BASE_CREATED_AT,
    ConfiguredStreamSeed,
    ConnectionSeed,
    DestinationSeed,
    Path_,
    ScheduleSeed,
    SourceSeed,
    StreamSeed,
    TagSeed,
    WorkspaceSeed,
    definition_id,
    derived_id,
)


def _tags(value: Any) -> list[TagSeed]:
    """``[team:finance, {name: tier:1, color: FF5733}]`` as tags."""
    return [
        TagSeed(t) if isinstance(t, str) else TagSeed(t["name"], **_tag_extras(t))
        for t in value or []
    ]


def _tag_extras(tag: dict[str, Any]) -> dict[str, str]:
    return {key: str(tag[key]) for key in ("color", "tag_id") if tag.get(key)}


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
                    json_schema=st.get("json_schema"),
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
                tags=_tags(c.get("tags")),
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
                        **({"json_schema": st.json_schema} if st.json_schema else {}),
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
                "tags": [{"name": t.name, "color": t.color, "tag_id": t.tag_id} for t in c.tags],
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
