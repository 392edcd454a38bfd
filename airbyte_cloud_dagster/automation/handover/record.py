"""The hand-over record: a JSON file, by default ``airbyte_schedule_handover.json``, that keeps,
for each connection handed over, its name, its schedule as Airbyte served it, when it was handed
over and the Dagster schedule that mirrors it. It is checked whole when read (version, the
``api_url`` it was written for, every entry) and written atomically, so a crash never leaves
half of one::

    {"version": 1, "api_url": "https://api.airbyte.com/v1", "connections": {"<connection id>":
     {"name": "App Postgres", "previous_schedule": {"scheduleType": "cron", ...}, ...}}}
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from airbyte_cloud_dagster.automation.handover.plan import AirbyteHandOverError
from airbyte_cloud_dagster.workspace.json_file import write_json_atomically

DEFAULT_RECORD_PATH = "airbyte_schedule_handover.json"
RECORD_VERSION = 1


def read_record(path: pathlib.Path, api_url: str | None, *, missing_ok: bool) -> dict[str, Any]:
    """The record's connections by id; {} for a missing file when ``missing_ok``. With an
    ``api_url``, a record written for another Airbyte is refused."""
    if not path.exists():
        if missing_ok:
            return {}
        raise AirbyteHandOverError(
            f"There is no hand-over record at {path}, so there is nothing to restore; "
            "`python -m airbyte_cloud_dagster schedules hand-over --apply` writes it."
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AirbyteHandOverError(
            f"The hand-over record {path} cannot be read ({error}); it was left as it is."
        ) from None
    if not isinstance(document, dict):
        document = {}
    connections = document.get("connections")
    if document.get("version") != RECORD_VERSION or not isinstance(connections, dict):
        raise AirbyteHandOverError(
            f"{path} is not a version-{RECORD_VERSION} hand-over record; it was left as it is."
        )
    if api_url is not None and document.get("api_url") != api_url:
        raise AirbyteHandOverError(
            f"The hand-over record {path} was written for {document.get('api_url')}, not "
            f"{api_url}; use the record of this Airbyte, or point AIRBYTE_API_URL at that one."
        )
    for connection_id, entry in connections.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("previous_schedule"), dict)
            and "scheduleType" in entry["previous_schedule"]
        ):
            raise AirbyteHandOverError(
                f"The hand-over record {path} is damaged (entry {connection_id}); it was left "
                "as it is."
            )
    return dict(connections)


def write_record(path: pathlib.Path, api_url: str, connections: dict[str, Any]) -> None:
    """Write the record atomically (a reader never sees half of it)."""
    document = {"version": RECORD_VERSION, "api_url": api_url, "connections": connections}
    write_json_atomically(path, document)
