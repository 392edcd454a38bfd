"""A workspace snapshot: the fetched workspace data in a file, so loading makes no API call.

The file is plain, versioned JSON: ``version``, ``api_url``, ``workspace_id``, ``created_at``
and what the asset specs are built from (``connections`` with their tags, ``destinations``,
``sources``, typed ``connection_catalogs`` or untyped ``stream_properties``, and the
``degraded`` reads: :meth:`AirbyteWorkspaceData.to_dict`), never the specs themselves, so a
snapshot stays valid when the translator changes. Keys are sorted and written atomically (a
temporary file renamed over the old one), so a reader never sees half a file and an unchanged
workspace gives an unchanged file apart from ``created_at``. Version 2 added tags, typed
columns and degraded reads; version 1 files are still read (no tags, untyped columns).

Example::

    data = AirbyteWorkspaceData.fetch(client, workspace_id=workspace_id)
    write_snapshot(data, "airbyte_workspace.json")
    data = read_snapshot("airbyte_workspace.json", api_url=client.api_url)

or from a shell, with the example code location's environment variables::

    python -m airbyte_cloud_dagster snapshot --out airbyte_workspace.json
"""

from __future__ import annotations

import json
import os
import pathlib
from datetime import datetime, timezone
from typing import Any

from airbyte_cloud_dagster.api import AirbyteError
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.gc_pause import paused_gc
from airbyte_cloud_dagster.workspace.json_file import write_json_atomically

__all__ = [
    "SNAPSHOT_VERSION",
    "AirbyteSnapshotError",
    "read_snapshot",
    "refresh_command",
    "write_snapshot",
]

SNAPSHOT_VERSION = 2
# Versions this one reads: each later one only added fields, which older files lack.
READABLE_VERSIONS = (1, 2)
# The fields a snapshot has beside its version (AirbyteWorkspaceData.to_dict): a JSON file with
# none of them is another program's, not a damaged snapshot.
_SNAPSHOT_FIELDS = ("api_url", "connections", "destinations", "sources", "stream_properties")


class AirbyteSnapshotError(AirbyteError):
    """A workspace snapshot that cannot be used: missing, corrupt, another version, another
    workspace. The message is one sentence that names the file and how to write it again."""


def refresh_command(path: str | os.PathLike[str]) -> str:
    """The shell command that writes the snapshot at ``path`` again."""
    return f"python -m airbyte_cloud_dagster snapshot --out {os.fspath(path)}"


def write_snapshot(data: AirbyteWorkspaceData, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write ``data`` to ``path`` atomically and return the path.

    >>> write_snapshot(data, "airbyte_workspace.json")
    PosixPath('airbyte_workspace.json')
    """
    document = {
        "version": SNAPSHOT_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **data.to_dict(),
    }
    return write_json_atomically(pathlib.Path(path), document)


@paused_gc()
def read_snapshot(
    path: str | os.PathLike[str],
    *,
    api_url: str | None = None,
    workspace_id: str | None = None,
) -> AirbyteWorkspaceData:
    """The workspace data in the snapshot at ``path``, checked against ``api_url`` and
    ``workspace_id`` when given; raises :class:`AirbyteSnapshotError` if it cannot be used.

    >>> read_snapshot("airbyte_workspace.json", api_url="https://api.airbyte.com/v1").connections
    (AirbyteConnection(connection_id='9924bcd0-...', name='Stripe → Warehouse', ...), ...)
    """
    document = _read_json(pathlib.Path(path))
    version = document["version"]
    if version not in READABLE_VERSIONS:
        age = "a newer" if isinstance(version, int) and version > SNAPSHOT_VERSION else "an older"
        raise AirbyteSnapshotError(
            f"The Airbyte workspace snapshot {os.fspath(path)} has version {version!r}, written "
            f"by {age} airbyte-cloud-dagster than this one (which reads version "
            f"{SNAPSHOT_VERSION}); write it again with `{refresh_command(path)}`."
        )
    _check_origin(document, path, api_url, workspace_id)
    try:
        return AirbyteWorkspaceData.from_dict(document)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise AirbyteSnapshotError(
            f"The Airbyte workspace snapshot {os.fspath(path)} is damaged ({type(error).__name__}: "
            f"{error}); write it again with `{refresh_command(path)}`."
        ) from error


def _read_json(path: pathlib.Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AirbyteSnapshotError(
            f"There is no Airbyte workspace snapshot at {path}; write it with "
            f"`{refresh_command(path)}`."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise AirbyteSnapshotError(
            f"The Airbyte workspace snapshot {path} cannot be read ({reason}); write it again "
            f"with `{refresh_command(path)}`."
        ) from error
    if not text.strip():
        raise AirbyteSnapshotError(
            f"The Airbyte workspace snapshot {path} is empty (a write that was cut short, or a "
            f"file created by hand); write it again with `{refresh_command(path)}`."
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise AirbyteSnapshotError(
            f"The Airbyte workspace snapshot {path} is not valid JSON ({error.msg} at line "
            f"{error.lineno}, column {error.colno}); write it again with "
            f"`{refresh_command(path)}`."
        ) from None
    if not isinstance(document, dict) or "version" not in document:
        why = "it has no 'version' field"
    elif isinstance(document["version"], bool) or not isinstance(document["version"], int):
        why = f"its 'version' is {document['version']!r}, not a snapshot's version number"
    elif not any(key in document for key in _SNAPSHOT_FIELDS):
        why = f"it has none of a snapshot's fields ({', '.join(_SNAPSHOT_FIELDS)})"
    else:
        return document
    raise AirbyteSnapshotError(
        f"{path} is not an Airbyte workspace snapshot ({why}); write one with "
        f"`{refresh_command(path)}`."
    )


def _check_origin(
    document: dict[str, Any],
    path: str | os.PathLike[str],
    api_url: str | None,
    workspace_id: str | None,
) -> None:
    """A snapshot of another Airbyte or another workspace would load the wrong assets."""
    written_url = str(document.get("api_url") or "")
    written_workspace = document.get("workspace_id")
    url_differs = api_url is not None and _url(api_url) != _url(written_url)
    workspace_differs = workspace_id is not None and (
        str(written_workspace or "").lower() != workspace_id.strip().lower()
    )
    if url_differs or workspace_differs:
        raise AirbyteSnapshotError(
            f"The Airbyte workspace snapshot {os.fspath(path)} is of "
            f"{_origin(written_url, written_workspace)}, not of "
            f"{_origin(api_url or written_url, workspace_id or written_workspace)}; refresh it "
            f"with `{refresh_command(path)}` and AIRBYTE_API_URL / AIRBYTE_WORKSPACE_ID set "
            f"to the latter."
        )


def _url(api_url: str) -> str:
    return api_url.strip().rstrip("/")


def _origin(api_url: str, workspace_id: str | None) -> str:
    workspace = f"workspace {workspace_id}" if workspace_id else "every workspace"
    return f"{workspace} at {_url(api_url)}"
