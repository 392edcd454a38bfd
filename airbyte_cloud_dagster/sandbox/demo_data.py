"""Believable rows for the demo workspace's streams, so the demo computes numbers a person trusts.

The warehouse asks :func:`record_value` for each column of each row it lands; streams and
columns known here get realistic values, everything else keeps the warehouse's generic filler.
Values depend only on (source type, stream, job id, row number): the same job always lands the
same rows.

What a reader can rely on (the demo's analytics assets do):

- Stripe ``customers``: row ``n`` is always the same customer (id ``cus_…``, company name,
  billing e-mail); the first :data:`CORE_CUSTOMERS` rows are a fixed roster.
- Stripe ``charges``: ``customer`` is the id of one of the roster's customers, ``currency`` is
  that customer's currency, ``amount`` is a price of a plan in the currency's minor unit (cents;
  yen have none, as in Stripe), ``created`` is epoch seconds in the first half of 2025.
- Stripe ``balance_transactions``: ``fee`` is 2.9 % + 30 cents of ``amount``, ``net`` the rest.
- App Postgres customers, orders and invoice line items, S3 order items and daily events with
  ISO timestamps, HubSpot contacts, deals and companies: plausible names, amounts and times.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

# Returned when a stream or column has no realistic generator: the caller fills it in.
UNKNOWN = object()

# (company, billing e-mail domain, currency): the customers every demo charge belongs to.
ROSTER: tuple[tuple[str, str, str], ...] = (
    ("Northwind Traders", "northwind.example", "usd"),
    ("Acme Analytics GmbH", "acme-analytics.example", "eur"),
    ("Blue Lagoon Hotels", "bluelagoon.example", "gbp"),
    ("Sakura Robotics KK", "sakura-robotics.example", "jpy"),
    ("Maple Leaf Outfitters", "mapleleaf.example", "cad"),
    ("Contoso Pharma", "contoso.example", "usd"),
    ("Fabrikam Logistics BV", "fabrikam.example", "eur"),
    ("Tailspin Toys", "tailspin.example", "usd"),
    ("Wide World Importers", "wideworld.example", "gbp"),
    ("Lumen Health SAS", "lumen-health.example", "eur"),
)
CORE_CUSTOMERS = len(ROSTER)
# Monthly plan prices in each currency's minor unit (Stripe amounts; JPY is zero-decimal).
PRICES: dict[str, tuple[int, ...]] = {
    "usd": (2900, 9900, 29900),
    "eur": (2700, 8900, 27900),
    "gbp": (2300, 7900, 23900),
    "jpy": (4000, 14800, 44800),
    "cad": (3900, 12900, 39900),
}
ZERO_DECIMAL_CURRENCIES = frozenset({"jpy"})
CHARGES_FROM = datetime(2025, 1, 1, tzinfo=timezone.utc)
CHARGES_SPAN = timedelta(days=181)  # January to June 2025

FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Frances")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Allen")
CITIES = (("Berlin", "DE"), ("London", "GB"), ("Austin", "US"), ("Osaka", "JP"), ("Lyon", "FR"))
PLANS = (("starter", 29), ("growth", 99), ("enterprise", 299))
ORDER_STATUSES = ("paid", "paid", "paid", "refunded", "pending")
LINE_ITEMS = (("Growth plan, monthly", 99.0), ("Extra seats", 12.0), ("Onboarding package", 450.0))
SKUS = ("SKU-TEE-BLK-M", "SKU-MUG-WHT", "SKU-CAP-NVY", "SKU-HOOD-GRY-L", "SKU-STICKER-5")
EVENTS = ("page_view", "page_view", "page_view", "signup", "checkout_started", "checkout_completed")
DEAL_STAGES = ("Renewal", "Expansion", "New business")


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest()[:8], "big")


def _token(prefix: str, *parts: object) -> str:
    return prefix + hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:14]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _job_time(job_id: int, n: int) -> datetime:
    """When a row of a job was last updated: spread over the days before the job's sync."""
    return datetime(2025, 6, 1, tzinfo=timezone.utc) + timedelta(hours=job_id * 24 - n % 24)


def stripe_customer_id(n: int) -> str:
    """The id of the ``n``-th Stripe customer, the same in every job."""
    return _token("cus_", "customer", n)


def stripe_customer(n: int) -> tuple[str, str, str]:
    """(company, e-mail domain, currency) of the ``n``-th Stripe customer."""
    if n < CORE_CUSTOMERS:
        return ROSTER[n]
    first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[n % len(LAST_NAMES)]
    currency = sorted(PRICES)[n % len(PRICES)]
    return f"{last} & {first} Ltd", f"{last.lower()}-{n}.example", currency


def major_units(amount: int, currency: str) -> float:
    """A Stripe amount in the currency's major unit (``2900`` usd -> ``29.0``)."""
    return float(amount) if currency.lower() in ZERO_DECIMAL_CURRENCIES else amount / 100


# --------------------------------------------------------------------------- per stream


def _stripe_charge(job_id: int, n: int) -> dict[str, Any]:
    h = _hash("charge", job_id, n)
    customer = h % CORE_CUSTOMERS
    currency = ROSTER[customer][2]
    created = CHARGES_FROM + timedelta(seconds=(h >> 8) % int(CHARGES_SPAN.total_seconds()))
    return {
        "id": _token("ch_", job_id, n),
        "amount": PRICES[currency][(h >> 4) % len(PRICES[currency])],
        "currency": currency,
        "customer": stripe_customer_id(customer),
        "created": int(created.timestamp()),
    }


def _stripe_customer_row(job_id: int, n: int) -> dict[str, Any]:
    company, domain, _ = stripe_customer(n)
    signed_up = datetime(2024, 3, 1, tzinfo=timezone.utc) + timedelta(days=n * 9)
    return {
        "id": stripe_customer_id(n),
        "email": f"billing@{domain}",
        "name": company,
        "created": int(signed_up.timestamp()),
    }


def _stripe_balance_transaction(job_id: int, n: int) -> dict[str, Any]:
    charge = _stripe_charge(job_id, n)
    amount = charge["amount"]
    fee = round(amount * 0.029) + (30 if charge["currency"] not in ZERO_DECIMAL_CURRENCIES else 0)
    return {
        "id": _token("txn_", job_id, n),
        "amount": amount,
        "fee": fee,
        "net": amount - fee,
        "type": "charge",
        "created": charge["created"] + 2,
    }


def _app_customer(job_id: int, n: int) -> dict[str, Any]:
    first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 3) % len(LAST_NAMES)]
    city, country = CITIES[n % len(CITIES)]
    return {
        "id": n + 1,
        "email": f"{first.lower()}.{last.lower()}{n}@example.com",
        "name": f"{first} {last}",
        "address": json.dumps({"city": city, "country": country}),
        "updated_at": _iso(_job_time(job_id, n)),
    }


def _billing_customer(job_id: int, n: int) -> dict[str, Any]:
    plan, mrr = PLANS[_hash("plan", n) % len(PLANS)]
    return {
        "id": n + 1,
        "stripe_id": stripe_customer_id(n),
        "plan": plan,
        "mrr": float(mrr),
        "updated_at": _iso(_job_time(job_id, n)),
    }


def _order(job_id: int, n: int) -> dict[str, Any]:
    h = _hash("order", job_id, n)
    return {
        "id": job_id * 10_000 + n + 1,
        "customer_id": h % 40 + 1,
        "amount": round(19 + (h >> 8) % 48_000 / 100, 2),
        "status": ORDER_STATUSES[(h >> 4) % len(ORDER_STATUSES)],
        "updated_at": _iso(_job_time(job_id, n)),
    }


def _invoice_line_item(job_id: int, n: int) -> dict[str, Any]:
    description, unit_price = LINE_ITEMS[n % len(LINE_ITEMS)]
    quantity = 1 if unit_price > 50 else 1 + _hash("seats", n) % 9
    return {
        "id": n + 1,
        "invoice_id": f"INV-2025-{1000 + n // len(LINE_ITEMS):05d}",
        "description": description,
        "quantity": quantity,
        "amount": round(unit_price * quantity, 2),
        "updated_at": _iso(_job_time(job_id, n)),
    }


def _order_item(job_id: int, n: int) -> dict[str, Any]:
    h = _hash("item", job_id, n)
    return {
        "order_id": job_id * 10_000 + n // 3 + 1,
        "sku": SKUS[h % len(SKUS)],
        "qty": 1 + (h >> 8) % 4,
        "_ab_source_file_last_modified": _iso(_job_time(job_id, 0)),
    }


def _daily_event(job_id: int, n: int) -> dict[str, Any]:
    h = _hash("event", job_id, n)
    moment = _job_time(job_id, 0) - timedelta(seconds=h % 86_400)
    return {
        "event_id": _token("evt_", job_id, n),
        "event": EVENTS[(h >> 20) % len(EVENTS)],
        "ts": _iso(moment),
        "_ab_source_file_last_modified": _iso(_job_time(job_id, 0)),
    }


def _hubspot_contact(job_id: int, n: int) -> dict[str, Any]:
    first = FIRST_NAMES[n % len(FIRST_NAMES)]
    return {
        "id": str(5100 + n),
        "email": f"{first.lower()}@{stripe_customer(n)[1]}",
        "properties": json.dumps({"firstname": first}),
        "updatedAt": _iso(_job_time(job_id, n)),
    }


def _hubspot_deal(job_id: int, n: int) -> dict[str, Any]:
    company = stripe_customer(n)[0]
    return {
        "id": str(9100 + n),
        "dealname": f"{company}: {DEAL_STAGES[n % len(DEAL_STAGES)]}",
        "amount": float(PLANS[n % len(PLANS)][1] * 12),
        "updatedAt": _iso(_job_time(job_id, n)),
    }


def _hubspot_company(job_id: int, n: int) -> dict[str, Any]:
    company, domain, _ = stripe_customer(n)
    return {"id": str(7100 + n), "name": company, "domain": domain}


RowMaker = Callable[[int, int], dict[str, Any]]

# (source type, stream namespace, stream name) -> one row; namespace None matches any.
STREAMS: dict[tuple[str, str | None, str], RowMaker] = {
    ("stripe", None, "charges"): _stripe_charge,
    ("stripe", None, "customers"): _stripe_customer_row,
    ("stripe", None, "balance_transactions"): _stripe_balance_transaction,
    ("postgres", "public", "customers"): _app_customer,
    ("postgres", "billing", "customers"): _billing_customer,
    ("postgres", "public", "orders"): _order,
    ("postgres", "billing", "invoice line items"): _invoice_line_item,
    ("s3", None, "orders/2024-items"): _order_item,
    ("s3", None, "daily events"): _daily_event,
    ("hubspot", None, "contacts"): _hubspot_contact,
    ("hubspot", None, "deals"): _hubspot_deal,
    ("hubspot", None, "companies"): _hubspot_company,
}


def row_maker(source_type: str, namespace: str | None, stream: str) -> RowMaker | None:
    """The realistic row generator of a stream, or None when it has none."""
    return STREAMS.get((source_type, namespace, stream)) or STREAMS.get((source_type, None, stream))


def realistic_rows(
    source_type: str, namespace: str | None, stream: str, columns: Sequence[str], job_id: int
) -> Callable[[int], list[Any]] | None:
    """A function ``n -> [value per column]`` for a known stream (``UNKNOWN`` where a column
    has no realistic value), or None for a stream without a generator."""
    make = row_maker(source_type, namespace, stream)
    if make is None:
        return None

    def row(n: int) -> list[Any]:
        record = make(job_id, n)
        return [record.get(column, UNKNOWN) for column in columns]

    return row


# --------------------------------------------------------------------------- column types

# What each demo source declares for its columns in its JSON schema (the stored catalog of
# POST /api/v1/connections/get), in the style of the real connectors: Stripe's nullable
# unions with epoch-second integers for times; Postgres's numbers with airbyte_type and
# timestamps with a zone; the file-based S3 source's inferred types and its
# _ab_source_file_last_modified; HubSpot's nullable strings and date-times.
_STRIPE_CREATED = {
    "type": ["null", "integer"],
    "description": (
        "Time at which the object was created. Measured in seconds since the Unix epoch."
    ),
}
_NULLABLE = {name: {"type": ["null", name]} for name in ("string", "integer", "number", "boolean")}
_PG_INTEGER = {"type": "number", "airbyte_type": "integer"}
_PG_TIMESTAMPTZ = {
    "type": "string",
    "format": "date-time",
    "airbyte_type": "timestamp_with_timezone",
}
_PG_TIMESTAMP = {
    "type": "string",
    "format": "date-time",
    "airbyte_type": "timestamp_without_timezone",
}
_FILE_MODIFIED = {"type": "string", "format": "date-time"}
_HUBSPOT_TIME = {"type": ["null", "string"], "format": "date-time"}
_OBJECT = {"type": ["null", "object"]}

COLUMN_TYPES: dict[tuple[str, str | None, str], dict[str, dict[str, Any]]] = {
    ("stripe", None, "charges"): {
        "id": _NULLABLE["string"],
        "amount": _NULLABLE["integer"],
        "currency": _NULLABLE["string"],
        "customer": _NULLABLE["string"],
        "created": _STRIPE_CREATED,
        "description": _NULLABLE["string"],
        "status": _NULLABLE["string"],
        "paid": _NULLABLE["boolean"],
        "receipt_email": _NULLABLE["string"],
        "metadata": _OBJECT,
    },
    ("stripe", None, "customers"): {
        "id": _NULLABLE["string"],
        "email": _NULLABLE["string"],
        "name": _NULLABLE["string"],
        "created": _STRIPE_CREATED,
    },
    ("stripe", None, "balance_transactions"): {
        "id": _NULLABLE["string"],
        "amount": _NULLABLE["integer"],
        "fee": _NULLABLE["integer"],
        "net": _NULLABLE["integer"],
        "type": _NULLABLE["string"],
        "created": _STRIPE_CREATED,
    },
    ("stripe", None, "refunds"): {
        "id": _NULLABLE["string"],
        "charge": _NULLABLE["string"],
        "amount": _NULLABLE["integer"],
        "created": _STRIPE_CREATED,
    },
    ("postgres", "public", "customers"): {
        "id": _PG_INTEGER,
        "email": {"type": "string"},
        "name": {"type": "string"},
        "address": {"type": "object"},
        "updated_at": _PG_TIMESTAMPTZ,
    },
    ("postgres", "billing", "customers"): {
        "id": _PG_INTEGER,
        "stripe_id": {"type": "string"},
        "plan": {"type": "string"},
        "mrr": {"type": "number"},
        "updated_at": _PG_TIMESTAMPTZ,
    },
    ("postgres", "public", "orders"): {
        "id": _PG_INTEGER,
        "customer_id": _PG_INTEGER,
        "amount": {"type": "number"},
        "status": {"type": "string"},
        "updated_at": _PG_TIMESTAMPTZ,
    },
    ("postgres", "billing", "invoice line items"): {
        "id": _PG_INTEGER,
        "invoice_id": {"type": "string"},
        "description": {"type": "string"},
        "quantity": _PG_INTEGER,
        "amount": {"type": "number"},
        "updated_at": _PG_TIMESTAMPTZ,
    },
    ("postgres", "public", "audit_log"): {
        "id": _PG_INTEGER,
        "actor": {"type": "string"},
        "action": {"type": "string"},
        "created_at": _PG_TIMESTAMP,
    },
    ("s3", None, "orders/2024-items"): {
        "order_id": _NULLABLE["integer"],
        "sku": _NULLABLE["string"],
        "qty": _NULLABLE["integer"],
        "_ab_source_file_last_modified": _FILE_MODIFIED,
    },
    ("s3", None, "1st.try"): {
        "id": _NULLABLE["integer"],
        "payload": _OBJECT,
        "_ab_source_file_last_modified": _FILE_MODIFIED,
    },
    ("s3", None, "daily events"): {
        "event_id": _NULLABLE["string"],
        "event": _NULLABLE["string"],
        "ts": {**_PG_TIMESTAMP, "type": ["null", "string"]},
        "_ab_source_file_last_modified": _FILE_MODIFIED,
    },
    ("hubspot", None, "contacts"): {
        "id": {"type": "string"},
        "email": _NULLABLE["string"],
        "properties": _OBJECT,
        "updatedAt": _HUBSPOT_TIME,
    },
    ("hubspot", None, "deals"): {
        "id": {"type": "string"},
        "dealname": _NULLABLE["string"],
        "amount": _NULLABLE["number"],
        "updatedAt": _HUBSPOT_TIME,
    },
    ("hubspot", None, "companies"): {
        "id": {"type": "string"},
        "name": _NULLABLE["string"],
        "domain": _NULLABLE["string"],
        "updatedAt": _HUBSPOT_TIME,
    },
}


def column_types(source_type: str, namespace: str | None, stream: str) -> dict[str, dict[str, Any]]:
    """The JSON schema of each top-level column of a demo stream (empty for other streams)."""
    return COLUMN_TYPES.get((source_type, namespace, stream)) or COLUMN_TYPES.get(
        (source_type, None, stream), {}
    )
