"""``AirbyteLoadOptions``: which connections to load, and how, in one object.

Every loader (``load_airbyte_cloud_assets``, ``load_airbyte_asset_specs``, the component, the
snapshot command) builds one and hands it down, so each option is checked once and named once.

Example::

    options = AirbyteLoadOptions(connection_ids=["9924bcd0-..."], snapshot_path="airbyte.json")
    data = AirbyteWorkspaceData.fetch(client, options)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from airbyte_cloud_dagster.api import AirbyteConfigurationError, AirbyteConnection

ConnectionFilter = Callable[[AirbyteConnection], bool]
OnMissingSnapshot = Literal["fetch", "fail"]
# Reads in flight while loading. Most are database reads on Airbyte's side (the stored catalog);
# schema discoveries (GET /streams, the fallback) are capped lower: fetching.DISCOVERIES_AT_ONCE.
DEFAULT_MAX_CONCURRENT_REQUESTS = 16


@dataclass(frozen=True)
class AirbyteLoadOptions:
    """How the workspace is read when definitions load.

    - ``connection_ids``: only these connections (any status); one id may be a plain string.
      Default: every active connection.
    - ``connection_tags``: only connections carrying at least one of these Airbyte tags (by
      name, exact: ``["team:finance", "tier:1"]`` keeps a connection tagged either); one tag
      may be a plain string. For "all of them", use ``connection_filter`` with
      ``AirbyteConnection.tag_names``.
    - ``connection_filter``: keeps the connections for which it returns True.
    - ``fetch_column_schema``: read each stream's columns (one ``GET /streams`` per source).
    - ``max_concurrent_requests``: requests in flight while fetching.
    - ``snapshot_path``: a workspace snapshot (``python -m airbyte_cloud_dagster snapshot --out
      PATH``); when it is there, loading makes no API call.
    - ``on_missing_snapshot``: the snapshot is missing or unusable: ``"fetch"`` from the API
      with a warning, or ``"fail"``.
    """

    connection_ids: Sequence[str] | None = None
    connection_filter: ConnectionFilter | None = None
    fetch_column_schema: bool = True
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS
    snapshot_path: str | os.PathLike[str] | None = None
    on_missing_snapshot: OnMissingSnapshot = "fetch"
    connection_tags: Sequence[str] | str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.connection_tags, str):  # one tag, not its characters one by one
            object.__setattr__(self, "connection_tags", (self.connection_tags,))
        elif self.connection_tags is not None:
            object.__setattr__(self, "connection_tags", tuple(self.connection_tags))
        if isinstance(self.connection_ids, str):  # one id, not its characters one by one
            object.__setattr__(self, "connection_ids", (self.connection_ids,))
        elif self.connection_ids is not None:
            object.__setattr__(self, "connection_ids", tuple(self.connection_ids))
        if self.max_concurrent_requests < 1:
            raise AirbyteConfigurationError(
                f"max_concurrent_requests={self.max_concurrent_requests!r} must be at least 1."
            )
        if self.on_missing_snapshot not in ("fetch", "fail"):
            raise AirbyteConfigurationError(
                f"on_missing_snapshot={self.on_missing_snapshot!r} must be 'fetch' or 'fail'."
            )
