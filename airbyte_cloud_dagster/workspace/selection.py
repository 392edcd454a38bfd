"""Which connections get assets: the named ones or the active ones, by tag, by filter.

The same selection serves a fetch (``AirbyteWorkspaceData.fetch``) and data already in hand
(a snapshot, ``AirbyteWorkspaceData.select``); every connection left out is logged once per
reason, at INFO.

Tags are matched by name, exactly as Airbyte shows them (``team:finance``): a connection is
kept when it carries *any* of ``connection_tags`` (for "all of them", a ``connection_filter``
reading ``AirbyteConnection.tag_names``). A tag that no connection carries at all is a warning,
since it is most likely misspelt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteConnection
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions

__all__ = [
    "SkippedConnection",
    "log_skipped",
    "missing_named",
    "select_connections",
    "warn_unknown_tags",
]

# How many skipped connections one log line names per reason before it only counts the rest.
_SKIPPED_NAMED = 20


@dataclass(frozen=True)
class SkippedConnection:
    """A connection that got no assets, and why (``"status 'inactive'"``, ...)."""

    connection: AirbyteConnection
    reason: str


def select_connections(
    connections: Iterable[AirbyteConnection], options: AirbyteLoadOptions
) -> tuple[list[AirbyteConnection], list[SkippedConnection]]:
    """The named connections (any status, in the order named) or every active one, then those
    carrying one of ``connection_tags``, then ``connection_filter``; and every other connection
    with the reason it was left out."""
    connection_ids, connection_filter = options.connection_ids, options.connection_filter
    by_id = {connection.connection_id: connection for connection in connections}
    skipped: list[SkippedConnection] = []
    if connection_ids is not None:
        wanted = dict.fromkeys(connection_ids)
        selected = [by_id[connection_id] for connection_id in wanted if connection_id in by_id]
        skipped += [
            SkippedConnection(c, "not in connection_ids")
            for c in by_id.values()
            if c.connection_id not in wanted
        ]
    else:
        selected = [c for c in by_id.values() if c.is_active]
        skipped += [
            SkippedConnection(c, f"status {c.status!r}") for c in by_id.values() if not c.is_active
        ]
    if options.connection_tags:
        wanted_tags = set(options.connection_tags)
        reason = "tagged with none of " + ", ".join(map(repr, options.connection_tags))
        skipped += [
            SkippedConnection(c, reason) for c in selected if wanted_tags.isdisjoint(c.tag_names)
        ]
        selected = [c for c in selected if not wanted_tags.isdisjoint(c.tag_names)]
    if connection_filter is not None:
        # One pass: ``c not in kept`` compared whole connections, quadratic in their number.
        kept: list[AirbyteConnection] = []
        for connection in selected:
            if connection_filter(connection):
                kept.append(connection)
            else:
                skipped.append(SkippedConnection(connection, "filtered out by connection_filter"))
        selected = kept
    return selected, skipped


def log_skipped(skipped: Sequence[SkippedConnection], logger: logging.Logger | None = None) -> None:
    """One INFO line per reason, naming the connections (the first 20, then a count)."""
    logger = logger or dg.get_dagster_logger("airbyte")
    by_reason: dict[str, list[AirbyteConnection]] = {}
    for item in skipped:
        by_reason.setdefault(item.reason, []).append(item.connection)
    for reason, connections in by_reason.items():
        names = ", ".join(f"{c.name!r} ({c.connection_id})" for c in connections[:_SKIPPED_NAMED])
        more = len(connections) - _SKIPPED_NAMED
        logger.info(
            f"No assets for {len(connections)} Airbyte connection(s), {reason}: {names}"
            + (f" and {more} more." if more > 0 else ".")
        )


def missing_named(
    connections: Iterable[AirbyteConnection], connection_ids: Sequence[str] | None
) -> list[str]:
    present = {connection.connection_id for connection in connections}
    return [i for i in dict.fromkeys(connection_ids or ()) if i not in present]


def warn_unknown_tags(
    connections: Iterable[AirbyteConnection],
    options: AirbyteLoadOptions,
    logger: logging.Logger | None = None,
) -> None:
    """One WARNING naming the ``connection_tags`` that no connection carries, and the tags
    that connections do carry."""
    if not options.connection_tags:
        return
    carried = {name for connection in connections for name in connection.tag_names}
    unknown = [tag for tag in options.connection_tags if tag not in carried]
    if unknown:
        (logger or dg.get_dagster_logger("airbyte")).warning(
            f"connection_tags names {', '.join(map(repr, unknown))}, which no Airbyte "
            f"connection carries; the connections' tags are "
            f"{', '.join(map(repr, sorted(carried))) or 'none'}. Check the spelling: tags are "
            f"matched by exact name."
        )
