"""What a sandbox serves: a workspace of sources, destinations and connections.

Three ways to get a :class:`WorkspaceSeed`:

- :func:`demo_workspace` — the fixed demo workspace of docs/CONTRACTS.md;
- :func:`generate_workspace` — many connections for benchmarks (``generate_workspace(1000, 20)``);
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
import random
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
        """Where streams land unless the connection says otherwise (BEHAVIOUR.md)."""
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


# --------------------------------------------------------------------------- demo workspace


def _stream(
    name: str,
    namespace: str | None,
    fields: list[str | Path_],
    *,
    pk: str | None = "id",
    cursor: str | None = "updated_at",
) -> StreamSeed:
    paths = [(f,) if isinstance(f, str) else tuple(f) for f in fields]
    modes = ["full_refresh_overwrite", "full_refresh_append"]
    if cursor:
        modes += ["incremental_append"] + (["incremental_deduped_history"] if pk else [])
    return StreamSeed(
        name=name,
        namespace=namespace,
        fields=paths,
        primary_key=[(pk,)] if pk else [],
        cursor_field=[cursor] if cursor else [],
        sync_modes=modes,
    )


def demo_workspace() -> WorkspaceSeed:
    """The demo workspace of docs/CONTRACTS.md: four connections into one Postgres warehouse."""
    ws = "Demo Workspace"
    warehouse = DestinationSeed(
        destination_id=derived_id(ws, "destination", "Warehouse"),
        name="Warehouse",
        destination_type="postgres",
        configuration={
            "host": "warehouse.internal",
            "port": 5432,
            "database": "analytics",
            "schema": "raw",
            "username": "airbyte",
            "password": SECRET,
            "ssl_mode": {"mode": "require"},
        },
        definition_id=definition_id("destination", "postgres"),
        created_at=BASE_CREATED_AT,
    )
    customer = ["id", "email", "name", ("address", "city"), ("address", "country"), "updated_at"]
    app_postgres = SourceSeed(
        source_id=derived_id(ws, "source", "App Postgres"),
        name="App Postgres",
        source_type="postgres",
        configuration={
            "host": "app-db.internal",
            "port": 5432,
            "database": "app",
            "schemas": ["public", "billing"],
            "username": "airbyte_reader",
            "password": SECRET,
            "replication_method": {"method": "CDC", "replication_slot": "airbyte_slot"},
        },
        streams=[
            _stream("customers", "public", customer),
            _stream("customers", "billing", ["id", "stripe_id", "plan", "mrr", "updated_at"]),
            _stream("orders", "public", ["id", "customer_id", "amount", "status", "updated_at"]),
            _stream(
                "invoice line items",
                "billing",
                ["id", "invoice_id", "description", "quantity", "amount", "updated_at"],
            ),
            _stream("audit_log", "public", ["id", "actor", "action", "created_at"], cursor=None),
        ],
        definition_id=definition_id("source", "postgres"),
        created_at=BASE_CREATED_AT + 3600,
    )
    stripe = SourceSeed(
        source_id=derived_id(ws, "source", "Stripe"),
        name="Stripe",
        source_type="stripe",
        configuration={
            "account_id": "acct_1Demo",
            "client_secret": SECRET,
            "start_date": "2023-01-01T00:00:00Z",
            "lookback_window_days": 0,
        },
        streams=[
            _stream(
                "charges",
                None,
                ["id", "amount", "currency", "customer", "created"],
                cursor="created",
            ),
            _stream("customers", None, ["id", "email", "name", "created"], cursor="created"),
            _stream(
                "balance_transactions",
                None,
                ["id", "amount", "fee", "net", "type", "created"],
                cursor="created",
            ),
            _stream("refunds", None, ["id", "charge", "amount", "created"], cursor="created"),
        ],
        definition_id=definition_id("source", "stripe"),
        created_at=BASE_CREATED_AT + 7200,
    )
    s3 = SourceSeed(
        source_id=derived_id(ws, "source", "S3 Landing Bucket"),
        name="S3 Landing Bucket",
        source_type="s3",
        configuration={
            "bucket": "acme-landing",
            "aws_access_key_id": SECRET,
            "aws_secret_access_key": SECRET,
            "streams": [
                {
                    "name": "orders/2024-items",
                    "globs": ["orders/2024/*.csv"],
                    "format": {"filetype": "csv"},
                },
                {
                    "name": "1st.try",
                    "globs": ["experiments/*.jsonl"],
                    "format": {"filetype": "jsonl"},
                },
                {
                    "name": "daily events",
                    "globs": ["events/*.parquet"],
                    "format": {"filetype": "parquet"},
                },
            ],
        },
        streams=[
            _stream(
                "orders/2024-items",
                None,
                ["order_id", "sku", "qty", "_ab_source_file_last_modified"],
                pk=None,
                cursor="_ab_source_file_last_modified",
            ),
            _stream(
                "1st.try",
                None,
                ["id", "payload", "_ab_source_file_last_modified"],
                cursor="_ab_source_file_last_modified",
            ),
            _stream(
                "daily events",
                None,
                ["event_id", "event", "ts", "_ab_source_file_last_modified"],
                pk=None,
                cursor="_ab_source_file_last_modified",
            ),
        ],
        definition_id=definition_id("source", "s3"),
        created_at=BASE_CREATED_AT + 10800,
    )
    hubspot = SourceSeed(
        source_id=derived_id(ws, "source", "HubSpot"),
        name="HubSpot",
        source_type="hubspot",
        configuration={
            "start_date": "2023-01-01T00:00:00Z",
            "credentials": {"credentials_title": "Private App Credentials", "access_token": SECRET},
        },
        streams=[
            _stream(
                "contacts",
                None,
                ["id", "email", ("properties", "firstname"), "updatedAt"],
                cursor="updatedAt",
            ),
            _stream("deals", None, ["id", "dealname", "amount", "updatedAt"], cursor="updatedAt"),
            _stream("companies", None, ["id", "name", "domain", "updatedAt"], cursor="updatedAt"),
        ],
        definition_id=definition_id("source", "hubspot"),
        created_at=BASE_CREATED_AT + 14400,
    )

    def conn(name: str, source: SourceSeed, index: int, **kwargs: Any) -> ConnectionSeed:
        return ConnectionSeed(
            connection_id=derived_id(ws, "connection", name),
            name=name,
            source_id=source.source_id,
            destination_id=warehouse.destination_id,
            created_at=BASE_CREATED_AT + 86_400 * (index + 1),
            **kwargs,
        )

    cs = ConfiguredStreamSeed
    connections = [
        conn(
            "App Postgres → Warehouse",
            app_postgres,
            0,
            schedule=ScheduleSeed("cron", cron_expression="0 0 12 * * ? UTC"),
            namespace_definition="custom_format",
            namespace_format="app_${SOURCE_NAMESPACE}",
            streams=[
                cs("customers", "public", "incremental_deduped_history"),
                cs("customers", "billing", "incremental_deduped_history"),
                cs("orders", "public", "incremental_append"),
                cs("invoice line items", "billing", "full_refresh_overwrite"),
            ],
        ),
        conn(
            "Stripe → Warehouse",
            stripe,
            1,
            schedule=ScheduleSeed("basic", basic_timing="Every 24 HOURS"),
            namespace_definition="destination",
            prefix="stripe_",
            streams=[
                cs("charges", None, "incremental_append"),
                cs("customers", None, "incremental_deduped_history"),
                cs("balance_transactions", None, "full_refresh_overwrite"),
            ],
        ),
        conn(
            "S3 Files → Warehouse",
            s3,
            2,
            namespace_definition="source",
            streams=[
                cs("orders/2024-items", None, "full_refresh_overwrite"),
                cs("1st.try", None, "incremental_append"),
                cs("daily events", None, "incremental_append"),
            ],
        ),
        conn(
            "HubSpot → Warehouse",
            hubspot,
            3,
            status="inactive",
            namespace_definition="destination",
            prefix="hubspot_",
            streams=[
                cs("contacts", None, "incremental_deduped_history"),
                cs("deals", None, "incremental_append"),
                cs("companies", None, "full_refresh_overwrite"),
            ],
        ),
    ]
    return WorkspaceSeed(
        workspace_id=derived_id("workspace", ws),
        name=ws,
        sources=[app_postgres, stripe, s3, hubspot],
        destinations=[warehouse],
        connections=connections,
    )


# --------------------------------------------------------------------------- generator

_GEN_MODES = ["incremental_deduped_history", "incremental_append", "full_refresh_overwrite"]
_GEN_SCHEDULES = [
    ScheduleSeed("manual"),
    ScheduleSeed("cron", cron_expression="0 0 * * * ? UTC"),
    ScheduleSeed("basic", basic_timing="Every 6 HOURS"),
]
_GEN_FIELDS = [("id",), ("name",), ("amount",), ("status",), ("updated_at",)]


def generate_workspace(
    connections: int, streams_per_connection: int, seed: int = 0
) -> WorkspaceSeed:
    """A large deterministic workspace for benchmarks: one source per connection.

    >>> ws = generate_workspace(1000, 20)
    >>> len(ws.connections), len(ws.connections[0].streams)
    (1000, 20)
    """
    rng = random.Random(seed)
    ws = f"Generated Workspace {seed}"
    destination = DestinationSeed(
        destination_id=derived_id(ws, "destination", "Warehouse"),
        name="Warehouse",
        destination_type="postgres",
        configuration={
            "host": "warehouse",
            "port": 5432,
            "database": "bench",
            "schema": "raw",
            "username": "airbyte",
            "password": SECRET,
        },
        definition_id=definition_id("destination", "postgres"),
    )
    sources: list[SourceSeed] = []
    conns: list[ConnectionSeed] = []
    for i in range(connections):
        source_name = f"Source {i:05d}"
        namespace = rng.choice([None, "public", "sales"])
        catalog = [
            StreamSeed(
                name=f"stream_{j:03d}",
                namespace=namespace,
                fields=list(_GEN_FIELDS),
                primary_key=[("id",)],
                cursor_field=["updated_at"],
                sync_modes=list(_GEN_MODES),
            )
            for j in range(streams_per_connection)
        ]
        source = SourceSeed(
            source_id=derived_id(ws, "source", source_name),
            name=source_name,
            source_type="postgres",
            configuration={"host": f"db{i}", "database": "app", "password": SECRET},
            streams=catalog,
            definition_id=definition_id("source", "postgres"),
            created_at=BASE_CREATED_AT + i,
        )
        sources.append(source)
        name = f"{source_name} → Warehouse"
        conns.append(
            ConnectionSeed(
                connection_id=derived_id(ws, "connection", name),
                name=name,
                source_id=source.source_id,
                destination_id=destination.destination_id,
                streams=[
                    ConfiguredStreamSeed(s.name, s.namespace, rng.choice(_GEN_MODES))
                    for s in catalog
                ],
                schedule=rng.choice(_GEN_SCHEDULES),
                namespace_definition=rng.choice(["destination", "source", "custom_format"]),
                namespace_format="gen_${SOURCE_NAMESPACE}",
                prefix=rng.choice(["", f"c{i}_"]),
                created_at=BASE_CREATED_AT + i,
            )
        )
    return WorkspaceSeed(
        workspace_id=derived_id("workspace", ws),
        name=ws,
        sources=sources,
        destinations=[destination],
        connections=conns,
    )


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
