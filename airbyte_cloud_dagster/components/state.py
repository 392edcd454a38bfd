"""The component's state: the snapshot (``workspace/snapshot.py``) of the connections it selects.

``fetch_selected`` is the only place the component calls the API for its state (run by
``dg utils refresh-defs-state``); ``read_selected`` reads it back without any call. The
selection is applied again on reading, so a narrower ``connection_selector`` takes effect
before the next refresh, and a connection the state lacks is named rather than skipped.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

import dagster as dg

from airbyte_cloud_dagster.components.models import (
    SECRET_FIELDS,
    AirbyteConnectionSelector,
    env_var_name,
)
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.options import AirbyteLoadOptions
from airbyte_cloud_dagster.workspace.snapshot import read_snapshot

REFRESH_COMMAND = "dg utils refresh-defs-state"


def fetch_selected(
    airbyte: AirbyteCloudResource,
    selector: AirbyteConnectionSelector,
    *,
    fetch_column_schema: bool = True,
) -> AirbyteWorkspaceData:
    """The selected connections, with their destinations and streams, from the API.

    A secret whose environment variable is unset fails before any request. A name in
    ``by_name`` that no active connection has fails, naming the active ones; a pattern in
    ``by_name_pattern`` that matches nothing is only a warning.
    """
    check_env_vars(airbyte)
    seen: set[str] = set()

    def selected(connection: Any) -> bool:
        seen.add(connection.name)
        return selector.matches(connection)

    options = AirbyteLoadOptions(
        connection_ids=list(selector.by_id) or None,
        connection_filter=None if selector.by_id else selected,
        connection_tags=selector.by_tag or None,  # a tag no connection carries: a warning
        fetch_column_schema=fetch_column_schema,
    )
    data = AirbyteWorkspaceData.fetch(
        airbyte.get_client(), options, workspace_id=airbyte.resolved_workspace_id, logger=_logger()
    )
    missing = [name for name in selector.by_name if name not in seen]
    if missing:
        raise dg.DagsterInvalidDefinitionError(
            f"connection_selector.by_name names {', '.join(map(repr, missing))}, which is not "
            "an active connection of the workspace; the active ones are "
            f"{', '.join(map(repr, sorted(seen))) or 'none'}."
        )
    names = [connection.name for connection in data.connections]
    unmatched = [p for p in selector.by_name_pattern if not fnmatch.filter(names, p)]
    if unmatched:
        _logger().warning(
            f"connection_selector.by_name_pattern {', '.join(map(repr, unmatched))} matches no "
            "active connection."
        )
    return data


def read_selected(
    state_path: Path, airbyte: AirbyteCloudResource, selector: AirbyteConnectionSelector
) -> AirbyteWorkspaceData:
    """The selected connections from the state; ``AirbyteSnapshotError`` if it is unusable.

    Makes no API call and needs no credentials.
    """
    data = read_snapshot(
        state_path,
        api_url=str(airbyte.api_url),
        workspace_id=airbyte.resolved_workspace_id,
    )
    options = AirbyteLoadOptions(
        connection_ids=list(selector.by_id) or None,
        connection_filter=None if selector.by_id else selector.matches,
        connection_tags=selector.by_tag or None,
    )
    return data.select(options, logger=_logger())


def check_env_vars(airbyte: AirbyteCloudResource) -> None:
    """A secret's variable that is not set is named before any request is sent."""
    for field in SECRET_FIELDS:
        name = env_var_name(getattr(airbyte, field))
        if name is not None and not os.environ.get(name):
            raise dg.DagsterInvalidDefinitionError(
                f"workspace.{field} reads the environment variable {name}, which is not set; "
                f"set it before `{REFRESH_COMMAND}` (and in the run environment)."
            )


def _logger():
    return dg.get_dagster_logger("airbyte")
