"""Names that Dagster accepts, made from names that Airbyte allows.

Airbyte stream and connection names may hold ``/``, ``-``, dots, spaces or start with a digit
(docs/airbyte/behaviour.md, "Connections, streams, destination table names"); Dagster op
names and asset key parts must match ``^[A-Za-z0-9_]+$``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_]+")


def sanitize_name(name: str) -> str:
    """``"orders/2024-items"`` -> ``"orders_2024_items"``; never empty.

    >>> sanitize_name("App Postgres → Warehouse")
    'App_Postgres_Warehouse'
    """
    cleaned = _NOT_ALLOWED.sub("_", name).strip("_")
    return cleaned or "unnamed"


def short_hash(*parts: str) -> str:
    """Eight stable hex characters, to tell apart names that sanitise alike."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:8]


def sync_op_names(connection_names: Mapping[str, str]) -> dict[str, str]:
    """``airbyte_sync_<connection name>`` per connection id, made unique with a short id
    where names repeat: the op of a connection's multi-asset, and its schedule's stem.

    >>> sync_op_names({"3f2a...": "Stripe → Warehouse"})
    {'3f2a...': 'airbyte_sync_stripe_warehouse'}
    """
    base = {
        cid: f"airbyte_sync_{sanitize_name(name).lower()}" for cid, name in connection_names.items()
    }
    counts = Counter(base.values())
    return {
        cid: name if counts[name] == 1 else f"{name}_{cid.replace('-', '')[:8]}"
        for cid, name in base.items()
    }
