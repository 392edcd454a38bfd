"""What a hand-over or restore acts on: the client of the Airbyte given (a resource or a
client), the record (read before anything else), and the Airbyte assets whose schedules are
handed over, given as assets, as connection ids (then loaded as ``load_airbyte_cloud_assets``
loads them), or as None for the workspace."""

from __future__ import annotations

import logging
import os
import pathlib
from collections.abc import Sequence
from typing import Any

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteClient
from airbyte_cloud_dagster.assets.loader import build_airbyte_assets
from airbyte_cloud_dagster.automation.handover.record import read_record
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions


def client_of(airbyte: AirbyteCloudResource | AirbyteClient) -> AirbyteClient:
    """The client itself, or the resource's."""
    if isinstance(airbyte, AirbyteClient):
        return airbyte
    if isinstance(airbyte, AirbyteCloudResource):
        return airbyte.get_client()
    raise dg.DagsterInvalidInvocationError(
        f"airbyte={airbyte!r} must be an AirbyteCloudResource or an AirbyteClient."
    )


def open_record(
    airbyte: AirbyteCloudResource | AirbyteClient,
    record_path: str | os.PathLike[str],
    *,
    missing_ok: bool,
) -> tuple[AirbyteClient, pathlib.Path, dict[str, Any]]:
    """The client, the record's path and its connections by id (refused if written for another
    Airbyte; {} for a missing record when ``missing_ok``)."""
    client = client_of(airbyte)
    path = pathlib.Path(record_path)
    return client, path, read_record(path, client.api_url, missing_ok=missing_ok)


def assets_to_hand_over(
    client: AirbyteClient,
    airbyte: AirbyteCloudResource | AirbyteClient,
    given: Sequence[dg.AssetsDefinition] | Sequence[str] | str | None,
    workspace_id: str | None,
    log: logging.Logger,
) -> Sequence[dg.AssetsDefinition]:
    """The assets given, or those of the connections named (or of the whole workspace),
    built as ``load_airbyte_cloud_assets`` builds them (without reading column schemas)."""
    ids: list[str] | None = None
    if isinstance(given, str):
        ids = [given]
    elif given is not None:
        items: list[Any] = list(given)
        if items and all(isinstance(item, dg.AssetsDefinition) for item in items):
            return items
        if not items or not all(isinstance(item, str) for item in items):
            raise dg.DagsterInvalidInvocationError(
                "assets_or_connection_ids must be Airbyte assets (load_airbyte_cloud_assets) "
                f"or connection ids, not {items!r}."
            )
        ids = items
    if workspace_id is None and isinstance(airbyte, AirbyteCloudResource):
        workspace_id = airbyte.resolved_workspace_id
    options = AirbyteLoadOptions(connection_ids=ids, fetch_column_schema=False)
    data = AirbyteWorkspaceData.fetch(client, options, workspace_id=workspace_id, logger=log)
    return build_airbyte_assets(data)
