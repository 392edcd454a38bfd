"""Reading a workspace from the Airbyte API: the only calls made when definitions load.

Connections are listed (or read by id); then destinations, sources and each connection's
columns are read concurrently, in a bounded thread pool over the client's one pooled session,
each shared one once. Columns come from the connection's stored catalog (the internal Config
API's ``connections/get``: typed, and no schema discovery on the source), or, where that API
does not answer, from ``GET /streams`` per source (names only), said once per load.

A read that fails for one resource costs only the connections that need it (``degraded.py``).
``AirbyteWorkspaceData.fetch`` (data.py) is the entry point.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from airbyte_cloud_dagster.api import (
    AirbyteAuthError,
    AirbyteClient,
    AirbyteConfigurationError,
    AirbyteConnection,
    AirbyteError,
    AirbyteNotFound,
    AirbyteRequestError,
    AirbyteSource,
    AirbyteStreamProperties,
)
from airbyte_cloud_dagster.api.config_api import ConfigApiUnavailable, fetch_stored_catalog
from airbyte_cloud_dagster.workspace.degraded import (
    DegradedRead,
    is_fatal,
    log_degraded,
    reason_for,
)
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
Catalogs = dict[str, tuple[AirbyteStreamProperties, ...]]
# GET /streams in flight at once, whatever max_concurrent_requests: each may be a discovery.
DISCOVERIES_AT_ONCE = 8


def fetch_candidates(
    client: AirbyteClient, workspace_id: str | None, options: AirbyteLoadOptions
) -> list[AirbyteConnection]:
    """The connections to select from: the named ones, else the whole workspace's."""
    if options.connection_ids is None:
        return _list_connections(client, workspace_id)
    # Named connections are read one by one (any status, any workspace): listing a whole
    # workspace to find one connection would cost a page per 100 connections.
    named = list(dict.fromkeys(options.connection_ids))
    return list(
        _map_concurrently(client.get_connection, named, options.max_concurrent_requests).values()
    )


def _list_connections(client: AirbyteClient, workspace_id: str | None) -> list[AirbyteConnection]:
    """Every connection of the workspace (all of them when None), any status.

    A workspace id the credentials cannot see may come back as an empty list (the sandbox
    does so; docs/airbyte/behaviour.md has no word on it) or as a 403/404: an empty answer is
    checked against the workspace itself, so a wrong ``workspace_id`` never quietly loads
    zero assets.
    """
    try:
        listed = client.list_connections(workspace_ids=[workspace_id] if workspace_id else None)
    except (AirbyteNotFound, AirbyteAuthError) as error:
        if workspace_id is None or not _refuses_workspace(error):
            raise
        raise _unknown_workspace(client, workspace_id) from error
    if workspace_id and not listed:
        try:
            client.get_workspace(workspace_id)
        except (AirbyteNotFound, AirbyteAuthError) as error:
            if not _refuses_workspace(error):
                raise
            raise _unknown_workspace(client, workspace_id) from error
    return listed


def _refuses_workspace(error: AirbyteRequestError) -> bool:
    """A 403, or a 404 from Airbyte itself; not refused credentials (the token endpoint, 401)
    and not a 404 from something that is not the Airbyte API (a wrong ``api_url``)."""
    if error.path.endswith("/applications/token") or error.status_code == 401:
        return False
    # resource_type is None on a 404 whose body is not Airbyte's problem
    # (docs/airbyte/behaviour.md, "Errors").
    return error.status_code == 403 or getattr(error, "resource_type", "") is not None


def _unknown_workspace(client: AirbyteClient, workspace_id: str) -> AirbyteConfigurationError:
    """Name the workspaces the credentials do see, where they may list them."""
    try:
        visible = client.list_workspaces()
    except AirbyteError:
        visible = None
    if visible is None:
        seen = "and they may not list workspaces"
    elif not visible:
        seen = "and they see no workspace at all"
    else:
        seen = "they see " + ", ".join(f"{w.name!r} ({w.workspace_id})" for w in visible)
    return AirbyteConfigurationError(
        f"workspace_id {workspace_id!r} is not a workspace these credentials can see at "
        f"{client.api_url}; {seen}. Set workspace_id to one of them, or leave it unset for "
        f"every workspace."
    )


def fetch_details(
    client: AirbyteClient,
    connections: Sequence[AirbyteConnection],
    workspace_id: str | None,
    options: AirbyteLoadOptions,
    logger: logging.Logger,
) -> dict[str, Any]:
    """Destinations, sources, columns (``connection_catalogs`` by connection, typed, or
    ``stream_properties`` by source, names only) and the reads that failed (``degraded``)."""
    with _Reads(client, connections, options.max_concurrent_requests) as reads:
        listed = reads.listed_sources(workspace_id)
        destinations = reads.submit("destination", client.get_destination, reads.destination_ids)
        unlisted = [key for key in reads.source_ids if key not in listed]
        sources = reads.submit("source", client.get_source, unlisted)
        catalogs, stream_properties = (
            reads.columns(logger) if options.fetch_column_schema else ({}, {})
        )
        details = {
            "destinations": reads.collect(destinations),
            "sources": {**listed, **reads.collect(sources)},
            "connection_catalogs": catalogs,
            "stream_properties": stream_properties,
            "degraded": tuple(reads.degraded),
        }
    log_degraded(reads.degraded, connections, logger)
    return details


class _Reads:
    """The concurrent reads of one fetch, and the ones that failed (``degraded``).

    Each ``submit`` sends one read per key; ``collect`` waits for them and keeps what came
    back, recording a failed read as a :class:`DegradedRead` of the connections that need it;
    a fatal error (``degraded.is_fatal``) cancels what is not sent yet and is raised.
    """

    def __init__(
        self, client: AirbyteClient, connections: Sequence[AirbyteConnection], workers: int
    ) -> None:
        self.client = client
        self.connections = connections
        self.destination_ids = sorted({c.destination_id for c in connections})
        self.source_ids = sorted({c.source_id for c in connections})
        self.degraded: list[DegradedRead] = []
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="airbyte-load")
        self._discoveries = threading.BoundedSemaphore(DISCOVERIES_AT_ONCE)
        self._futures: list[Future[Any]] = []

    def __enter__(self) -> _Reads:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            for future in self._futures:  # the first fatal error wins: send nothing more
                future.cancel()
        self._pool.shutdown(wait=True)

    def submit(
        self, kind: str, read: Callable[[str], _V], keys: Iterable[str]
    ) -> dict[tuple[str, str], Future[_V]]:
        futures = {(kind, key): self._pool.submit(read, key) for key in keys}
        self._futures += futures.values()
        return futures

    def collect(self, futures: dict[tuple[str, str], Future[_V]]) -> dict[str, _V]:
        results: dict[str, _V] = {}
        for (kind, key), future in futures.items():
            try:
                results[key] = future.result()
            except AirbyteError as error:
                if is_fatal(error):
                    raise
                self.degraded.append(self._degraded(kind, key, error))
        return results

    def listed_sources(self, workspace_id: str | None) -> dict[str, AirbyteSource]:
        """The needed sources from the sources list (one request per 100 sources, not one
        each); any it lacks, or all when listing fails, are read one by one."""
        if len(self.source_ids) < 2:
            return {}
        wanted = set(self.source_ids)
        try:
            listed = self.client.list_sources(
                workspace_ids=[workspace_id] if workspace_id else None
            )
        except AirbyteError as error:
            if is_fatal(error):
                raise
            return {}
        return {source.source_id: source for source in listed if source.source_id in wanted}

    def columns(self, logger: logging.Logger) -> tuple[Catalogs, Catalogs]:
        """Each connection's stored catalog (typed), by connection id; and, for the sources
        of connections whose catalog the Config API did not give, ``GET /streams`` by source.

        The first connection's catalog is read alone: if the Config API does not answer it,
        no other is asked for, and one INFO line says so.
        """
        if not self.connections:
            return {}, {}
        first, *others = self.connections
        try:
            catalogs = {first.connection_id: fetch_stored_catalog(self.client, first.connection_id)}
        except ConfigApiUnavailable as error:
            logger.info(
                f"Airbyte's Config API did not answer connections/get ({error.reason}), so "
                f"columns are read from GET /streams, one schema discovery per source, with "
                f"names and no types; nothing to do unless you want typed columns."
            )
            streams = self.submit("streams", self._discover, self.source_ids)
            return {}, {key: tuple(value) for key, value in self.collect(streams).items()}
        pending = {
            c.connection_id: self._pool.submit(fetch_stored_catalog, self.client, c.connection_id)
            for c in others
        }
        self._futures += pending.values()
        missed: dict[str, str] = {}  # connection -> why its catalog was not given
        for connection in others:
            try:
                catalogs[connection.connection_id] = pending[connection.connection_id].result()
            except ConfigApiUnavailable as error:
                missed[connection.connection_id] = error.reason
        if missed:
            logger.info(
                f"Airbyte's Config API did not give the stored catalog of {len(missed)} "
                f"connection(s) ({', '.join(sorted(set(missed.values())))}), so their columns "
                f"are read from GET /streams, with names and no types."
            )
        fallback = sorted({c.source_id for c in others if c.connection_id in missed})
        streams = self.submit("streams", self._discover, fallback)
        return catalogs, {key: tuple(value) for key, value in self.collect(streams).items()}

    def _discover(self, source_id: str) -> list[AirbyteStreamProperties]:
        """``GET /streams`` of one source: on real Airbyte a schema discovery when its cache
        misses (seconds; docs/airbyte/behaviour.md), so fewer at once than other reads."""
        with self._discoveries:
            return self.client.get_stream_properties(source_id)

    def _degraded(self, kind: str, key: str, error: AirbyteError) -> DegradedRead:
        if kind == "destination":
            call, needs = f"GET /destinations/{key}", "destination_id"
        elif kind == "source":
            call, needs = f"GET /sources/{key}", "source_id"
        else:
            call, needs = f"GET /streams?sourceId={key}", "source_id"
        affected = tuple(c.connection_id for c in self.connections if getattr(c, needs) == key)
        return DegradedRead(call, kind, affected, reason_for(error))


def _map_concurrently(
    function: Callable[[_K], _V], keys: Sequence[_K], max_workers: int
) -> dict[_K, _V]:
    """``{key: function(key)}`` in the order of ``keys``, at most ``max_workers`` at a time."""
    if not keys:
        return {}
    with ThreadPoolExecutor(min(max_workers, len(keys))) as pool:
        return dict(zip(keys, pool.map(function, keys), strict=True))
