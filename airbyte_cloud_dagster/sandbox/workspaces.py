"""Ready-made workspaces: the demo of docs/CONTRACTS.md and a generator for benchmarks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from airbyte_cloud_dagster.sandbox.seed import (
    BASE_CREATED_AT,
    SECRET,
    ConfiguredStreamSeed,
    ConnectionSeed,
    DestinationSeed,
    ScheduleSeed,
    SourceSeed,
    StreamSeed,
    TagSeed,
    WorkspaceSeed,
    definition_id,
    derived_id,
)

# --------------------------------------------------------------------------- demo workspace

# Where and how every command of this repository serves the demo workspace (make demo,
# make sandbox, the dg example), so one set of settings reaches all of them. Not port 8000,
# where a local self-managed Airbyte (abctl) listens.
DEMO_PORT = 8765
DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
# The Stripe charges' fields the demo connection selects (its source offers a few more).
STRIPE_CHARGE_FIELDS = ("id", "amount", "currency", "customer", "created")


def _stream(
    name: str,
    namespace: str | None,
    fields: Sequence[str | Sequence[str]],
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
            # The Postgres source spec requires a CDC method's slot and publication.
            "replication_method": {
                "method": "CDC",
                "replication_slot": "airbyte_slot",
                "publication": "airbyte_publication",
            },
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
                [*STRIPE_CHARGE_FIELDS, "description", "status", "paid", "receipt_email"],
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
            tags=[TagSeed("team:product", "4A90D9"), TagSeed("tier:1", "D0021B")],
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
            tags=[TagSeed("team:finance", "F5A623"), TagSeed("tier:1", "D0021B")],
            streams=[
                # Column selection: the source offers more (receipt_email, ...) than lands.
                cs(
                    "charges",
                    None,
                    "incremental_append",
                    selected_fields=[(name,) for name in STRIPE_CHARGE_FIELDS],
                ),
                cs("customers", None, "incremental_deduped_history"),
                cs("balance_transactions", None, "full_refresh_overwrite"),
            ],
        ),
        conn(
            "S3 Files → Warehouse",
            s3,
            2,
            namespace_definition="source",
            tags=[TagSeed("team:data-platform", "7ED321")],
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
            tags=[TagSeed("team:marketing", "BD10E0")],
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
