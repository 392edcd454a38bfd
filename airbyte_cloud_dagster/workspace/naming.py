"""Names that Dagster accepts, made from names that Airbyte allows.

Airbyte stream and connection names may hold ``/``, ``-``, dots, spaces or start with a digit
(docs/airbyte/behaviour.md, "Connections, streams, destination table names"); Dagster op
names and asset key parts must match ``^[A-Za-z0-9_]+$``.
"""

from __future__ import annotations

import functools
import hashlib
import keyword
import re
from collections import Counter
from collections.abc import Mapping

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_]+")
# What Dagster accepts in one asset key part inside a multi-asset: its op output name is the
# part with "-" and "." made "_", which must be a valid name and none of Dagster's reserved ones
# (Dagster's "Names must be in regex ^[A-Za-z0-9_]+$" and "conflicts with a Dagster or python
# reserved keyword" errors).
_KEY_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
_RESERVED = frozenset(
    {"context", "conf", "config", "meta", "arg_dict", "dict", "input_arg_dict"}
    | {"output_arg_dict", "int", "str", "float", "bool", "input", "output", "type"}
    | set(keyword.kwlist)
)
# Dagster tag keys and values: at most 63 of these characters per part.
_NOT_IN_TAG = re.compile(r"[^A-Za-z0-9_.-]+")
_TAG_PART_MAX = 63
AIRBYTE_TAG_PREFIX = "airbyte/"


def sanitize_name(name: str) -> str:
    """``"orders/2024-items"`` -> ``"orders_2024_items"``; never empty.

    >>> sanitize_name("App Postgres → Warehouse")
    'App_Postgres_Warehouse'
    """
    cleaned = _NOT_ALLOWED.sub("_", name).strip("_")
    return cleaned or "unnamed"


def key_part(name: str) -> str:
    """``name`` itself where Dagster takes it as a one-part asset key, else made so.

    Names of letters, digits, ``_``, ``-`` and ``.`` stay as they are (``stripe_v1.charges``);
    others are sanitised (``"daily events"`` -> ``daily_events``), and a name Dagster reserves
    gets a trailing ``_`` (``type`` -> ``type_``).

    >>> key_part("stripe_balance-transactions"), key_part("orders/2024"), key_part("config")
    ('stripe_balance-transactions', 'orders_2024', 'config_')
    """
    return unreserved(name if _KEY_PART.match(name) else sanitize_name(name))


def unreserved(part: str) -> str:
    """A one-part key Dagster would refuse as a name it reserves, with a trailing ``_``.

    >>> unreserved("import"), unreserved("orders")
    ('import_', 'orders')
    """
    return f"{part}_" if part.replace("-", "_").replace(".", "_") in _RESERVED else part


@functools.lru_cache(maxsize=1024)  # one connection's tags, for each of its tables
def tag_key(tag_name: str) -> str:
    """The Dagster tag key that shows the Airbyte tag ``tag_name``: ``airbyte/<name>``.

    Each run of characters a tag key cannot hold becomes ``_`` (trimmed at the ends); a name
    longer than 63 characters keeps its first 54 and a short hash of the whole; a name with no
    usable character becomes ``tag_<hash>``.

    >>> tag_key("team:finance"), tag_key("PII data")
    ('airbyte/team_finance', 'airbyte/PII_data')
    """
    cleaned = _NOT_IN_TAG.sub("_", tag_name).strip("_")
    if not cleaned:
        cleaned = f"tag_{short_hash(tag_name)}"
    elif len(cleaned) > _TAG_PART_MAX:
        cleaned = f"{cleaned[: _TAG_PART_MAX - 9]}_{short_hash(tag_name)}"
    return AIRBYTE_TAG_PREFIX + cleaned


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
