"""Names that Dagster accepts, made from names that Airbyte allows.

Airbyte stream and connection names may hold ``/``, ``-``, dots, spaces or start with a digit
(BEHAVIOUR.md, "Connections, streams, destination table names"); Dagster op names and asset
key parts must match ``^[A-Za-z0-9_]+$``.
"""

from __future__ import annotations

import hashlib
import re

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
