"""Where the workspace data comes from when definitions load: the snapshot, or the API.

One policy for the Python loaders and the component alike: a usable snapshot is read and no
API call is made; a missing or unusable one is either fetched from the API, with one warning
saying how to write it again (``on_missing_snapshot="fetch"``), or an error (``"fail"``).

Example::

    data = load_workspace_data(airbyte, AirbyteLoadOptions(snapshot_path="airbyte.json"))
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import dagster as dg

from airbyte_cloud_dagster.setting_values import resolve
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.degraded import degraded_summary
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions, OnMissingSnapshot
from airbyte_cloud_dagster.workspace.snapshot import (
    AirbyteSnapshotError,
    read_snapshot,
    refresh_command,
)

if TYPE_CHECKING:
    from airbyte_cloud_dagster.resource import AirbyteCloudResource


def load_workspace_data(
    airbyte: AirbyteCloudResource,
    options: AirbyteLoadOptions,
    *,
    logger: logging.Logger | None = None,
) -> AirbyteWorkspaceData:
    """The data the loaders build specs from: ``options.snapshot_path`` when it can be used,
    else fetched from the API (or an :class:`AirbyteSnapshotError`, as the options say)."""
    logger = logger or dg.get_dagster_logger("airbyte")
    workspace_id = airbyte.resolved_workspace_id

    def fetch() -> AirbyteWorkspaceData:
        client = airbyte.get_client()  # reads the credentials: only when the API is called
        return AirbyteWorkspaceData.fetch(client, options, workspace_id=workspace_id, logger=logger)

    path = options.snapshot_path
    if path is None:
        return fetch()

    def read() -> AirbyteWorkspaceData:
        # No client, so no credentials: a snapshot load needs none (demo/settings.py).
        api_url = str(resolve(airbyte.api_url, "api_url"))
        data = read_snapshot(path, api_url=api_url, workspace_id=workspace_id)
        _check_holds(data, path, options)
        logger.info(
            f"Loaded {len(data.connections)} Airbyte connection(s) from the snapshot "
            f"{os.fspath(path)}, without any API call."
        )
        selected = data.select(options, logger=logger)
        summary = degraded_summary(selected.degraded)
        if summary:
            logger.warning(
                f"The Airbyte workspace snapshot {os.fspath(path)} was written while {summary}; "
                f"refresh it with `{refresh_command(path)}` to heal it."
            )
        return selected

    return snapshot_or_fetch(read, fetch, options.on_missing_snapshot, logger)


def snapshot_or_fetch(
    read: Callable[[], AirbyteWorkspaceData],
    fetch: Callable[[], AirbyteWorkspaceData],
    on_missing_snapshot: OnMissingSnapshot,
    logger: logging.Logger,
) -> AirbyteWorkspaceData:
    """``read()``; if it raises :class:`AirbyteSnapshotError`, ``fetch()`` with a warning
    (``"fetch"``) or let the error go (``"fail"``)."""
    try:
        return read()
    except AirbyteSnapshotError as error:
        if on_missing_snapshot == "fail":
            raise
        logger.warning(f"{error} Fetching the workspace from the Airbyte API instead.")
    return fetch()


def _check_holds(
    data: AirbyteWorkspaceData, path: str | os.PathLike[str], options: AirbyteLoadOptions
) -> None:
    missing = data.missing_connections(options.connection_ids)
    if missing:
        raise AirbyteSnapshotError(
            f"The Airbyte workspace snapshot {os.fspath(path)} does not hold connection(s) "
            f"{', '.join(missing)} named in connection_ids (it holds the connections that were "
            f"active when it was written); refresh it with `{refresh_command(path)}`."
        )
