"""Reads that failed while the workspace was fetched, and what the load did without them.

A source, destination or catalog that cannot be read costs only the connections that need it:
their tables still load, from the connection's own ``configurations.streams``, with less about
them (``DegradedRead.effect``), and one warning per failed read names the call, the
connections and what to do. Only what no connection could load past fails the load: refused
credentials, an ``api_url`` that does not answer (:func:`is_fatal`).

The workspace data, and so the snapshot, keeps the degraded reads: a later fetch heals them,
and loading a snapshot that has some says so (:func:`degraded_summary`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from airbyte_cloud_dagster.api import (
    AirbyteAuthError,
    AirbyteConfigurationError,
    AirbyteConnection,
    AirbyteConnectionError,
    AirbyteError,
    AirbyteRequestError,
)

__all__ = ["DegradedRead", "degraded_summary", "is_fatal", "log_degraded", "reason_for"]

# What a connection's tables lack when one kind of read fails.
EFFECTS = {
    "destination": "their asset keys and table names lack the destination's schema",
    "source": "their assets lack the source type among their kinds",
    "streams": "their tables have no column schema",
}
# How many connections one warning names before it only counts the rest.
_NAMED = 10
# No answer for a reason that every later request would share: the host is wrong or gone.
_FATAL_CONNECTION_REASONS = ("refused", "unresolved", "tls", "proxy")
# What came back from a read that may well answer in a moment; anything else (a 403, a 404, a
# malformed answer) would fail the same again.
_MOMENTARY_REASONS = frozenset(
    {"HTTP 429", "HTTP 500", "HTTP 502", "HTTP 503", "HTTP 504"}
    | {"connect-timeout", "read-timeout", "dropped"}
)


@dataclass(frozen=True)
class DegradedRead:
    """A read that failed when the workspace was fetched.

    ``call`` is the request (``GET /streams?sourceId=...``), ``kind`` what it reads
    (``destination``, ``source``, ``streams``), ``connection_ids`` the connections whose
    tables lack what it would have given, ``reason`` what came back (``HTTP 500``,
    ``read-timeout``).
    """

    call: str
    kind: str
    connection_ids: tuple[str, ...]
    reason: str

    @property
    def effect(self) -> str:
        return EFFECTS.get(self.kind, "their tables lack what it would have given")

    @property
    def momentary(self) -> bool:
        """The read may answer if made again in a moment (a 429, a 5xx, no answer)."""
        return self.reason in _MOMENTARY_REASONS


def is_fatal(error: BaseException) -> bool:
    """An error no connection could load past: anything but an Airbyte error, bad settings,
    refused credentials (a 401, or the token endpoint's refusal), or no answer from the host.

    A 403 or 404 of one resource, a 5xx, a timeout or a malformed answer costs only the
    connections that need that resource.
    """
    if not isinstance(error, AirbyteError) or isinstance(error, AirbyteConfigurationError):
        return True
    if isinstance(error, AirbyteAuthError):
        return error.status_code == 401 or error.path.endswith("/applications/token")
    if isinstance(error, AirbyteConnectionError):
        return error.reason in _FATAL_CONNECTION_REASONS
    return False


def reason_for(error: AirbyteError) -> str:
    """A few words on what came back: ``HTTP 500``, ``read-timeout``, ``a malformed answer``."""
    if isinstance(error, AirbyteRequestError):
        return f"HTTP {error.status_code}"
    if isinstance(error, AirbyteConnectionError):
        return error.reason
    return "a malformed answer"


def _fix(read: DegradedRead) -> str:
    if read.reason == "HTTP 404":
        return f"check in Airbyte that the connection's {read.kind} still exists"
    if read.reason in ("HTTP 403", "HTTP 401"):
        return f"give the credentials access to the connection's {read.kind}"
    return "reload the definitions (or refresh the snapshot) once Airbyte answers it"


def log_degraded(
    degraded: Sequence[DegradedRead],
    connections: Sequence[AirbyteConnection],
    logger: logging.Logger,
) -> None:
    """One WARNING per failed read: the call, what came back, the connections, what to do."""
    names = {c.connection_id: f"{c.name!r} ({c.connection_id})" for c in connections}
    for read in degraded:
        named = [names.get(cid, cid) for cid in read.connection_ids[:_NAMED]]
        more = len(read.connection_ids) - _NAMED
        logger.warning(
            f"Airbyte did not answer {read.call} ({read.reason}), so the tables of connection(s) "
            f"{', '.join(named)}{f' and {more} more' if more > 0 else ''} load without it: "
            f"{read.effect}; {_fix(read)}."
        )


def degraded_summary(degraded: Sequence[DegradedRead]) -> str | None:
    """What a fetch could not read, as a clause (``"1 read failed (...), so ..."``) for a
    sentence that says how to heal it; None when it read everything.

    >>> print(degraded_summary([DegradedRead("GET /streams?sourceId=1f", "streams", ("9c",),
    ...                                      "HTTP 500")]))  # doctest: +NORMALIZE_WHITESPACE
    1 read failed (GET /streams?sourceId=1f: HTTP 500), so 1 connection(s) load with less:
    their tables have no column schema
    """
    if not degraded:
        return None
    calls = "; ".join(f"{read.call}: {read.reason}" for read in degraded[:_NAMED])
    more = f"; and {len(degraded) - _NAMED} more" if len(degraded) > _NAMED else ""
    connection_ids = {cid for read in degraded for cid in read.connection_ids}
    effects = "; ".join(dict.fromkeys(read.effect for read in degraded))
    return (
        f"{len(degraded)} read{'s' if len(degraded) > 1 else ''} failed ({calls}{more}), so "
        f"{len(connection_ids)} connection(s) load with less: {effects}"
    )
