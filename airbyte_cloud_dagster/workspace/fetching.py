"""Reading a workspace from the Airbyte API: the only calls made when definitions load.

Connections are listed (or read by id), then destinations, sources and stream properties are
read concurrently, in a bounded thread pool over the client's one pooled session, each shared
one once. ``AirbyteWorkspaceData.fetch`` (data.py) is the entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
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
)
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


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
) -> dict[str, Any]:
    """Destinations, sources and stream properties, each shared one read once."""
    destination_ids = sorted({c.destination_id for c in connections})
    source_ids = sorted({c.source_id for c in connections})
    listed = _listed_sources(client, workspace_id, source_ids)
    workers = options.max_concurrent_requests
    with ThreadPoolExecutor(workers, thread_name_prefix="airbyte-load") as pool:
        destinations = {key: pool.submit(client.get_destination, key) for key in destination_ids}
        sources = {
            key: pool.submit(client.get_source, key) for key in source_ids if key not in listed
        }
        streams = {
            key: pool.submit(client.get_stream_properties, key)
            for key in (source_ids if options.fetch_column_schema else [])
        }
        try:
            return {
                "destinations": {key: future.result() for key, future in destinations.items()},
                "sources": {
                    key: listed[key] if key in listed else sources[key].result()
                    for key in source_ids
                },
                "stream_properties": {
                    key: tuple(future.result()) for key, future in streams.items()
                },
            }
        except BaseException:
            # The first error wins; requests not yet sent are not sent.
            pending: list[Future[Any]] = [*destinations.values(), *sources.values()]
            for future in [*pending, *streams.values()]:
                future.cancel()
            raise


def _listed_sources(
    client: AirbyteClient, workspace_id: str | None, source_ids: Sequence[str]
) -> dict[str, AirbyteSource]:
    """The needed sources from the sources list (one request per 100 sources, not one each);
    any it lacks are read one by one."""
    if len(source_ids) < 2:
        return {}
    wanted = set(source_ids)
    listed = client.list_sources(workspace_ids=[workspace_id] if workspace_id else None)
    return {source.source_id: source for source in listed if source.source_id in wanted}


def _map_concurrently(
    function: Callable[[_K], _V], keys: Sequence[_K], max_workers: int
) -> dict[_K, _V]:
    """``{key: function(key)}`` in the order of ``keys``, at most ``max_workers`` at a time."""
    if not keys:
        return {}
    with ThreadPoolExecutor(min(max_workers, len(keys))) as pool:
        return dict(zip(keys, pool.map(function, keys), strict=True))
