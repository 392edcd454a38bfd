"""Snapshot files that cannot be used -- cut short, empty, another program's, of a newer
version, not text -- fail the load (``on_missing_snapshot="fail"``; the default fetches instead,
warning with the same sentence) in one sentence naming the file and the command that writes it
again, before any request."""

from __future__ import annotations

import json

import pytest

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets
from airbyte_cloud_dagster.workspace.snapshot import SNAPSHOT_VERSION, AirbyteSnapshotError

from .expect import assert_clear

API_URL = "http://127.0.0.1:9/v1"  # nothing listens there: a load that fetched would fail so
REFRESH = "write it again with `python -m airbyte_cloud_dagster snapshot --out"
WRITE_ONE = "write one with `python -m airbyte_cloud_dagster snapshot --out"
SNAPSHOT_START = json.dumps(
    {"version": SNAPSHOT_VERSION, "api_url": API_URL, "connections": [{"connectionId": "9f"}]}
)


@pytest.mark.parametrize(
    ("content", "problem", "fix"),
    [
        pytest.param(SNAPSHOT_START[:60].encode(), "is not valid JSON (", REFRESH, id="cut-short"),
        pytest.param(b"", "is empty", REFRESH, id="empty"),
        pytest.param(b" \n", "is empty", REFRESH, id="blank"),
        pytest.param(
            json.dumps({"name": "my-app", "version": "1.0.0"}).encode(),
            "is not an Airbyte workspace snapshot (its 'version' is '1.0.0'",
            WRITE_ONE,
            id="package-json",
        ),
        pytest.param(
            json.dumps({"version": 1, "rows": [1, 2]}).encode(),
            "is not an Airbyte workspace snapshot (it has none of a snapshot's fields",
            WRITE_ONE,
            id="another-programs-json-with-a-version",
        ),
        pytest.param(
            json.dumps([{"connectionId": "9f"}]).encode(),
            "is not an Airbyte workspace snapshot (it has no 'version' field)",
            WRITE_ONE,
            id="a-json-list",
        ),
        pytest.param(
            json.dumps({"version": SNAPSHOT_VERSION + 1, "api_url": API_URL}).encode(),
            f"has version {SNAPSHOT_VERSION + 1}, written by a newer airbyte-cloud-dagster",
            REFRESH,
            id="newer-version",
        ),
        pytest.param(b"\xff\xfe\x00\x01", "cannot be read (", REFRESH, id="not-text"),
    ],
)
def test_an_unusable_snapshot_fails_the_load_naming_file_and_command(
    tmp_path, content, problem, fix
):
    path = tmp_path / "airbyte_workspace.json"
    path.write_bytes(content)

    with pytest.raises(AirbyteSnapshotError) as raised:
        load_airbyte_cloud_assets(
            airbyte=AirbyteCloudResource(api_url=API_URL),
            snapshot_path=path,
            on_missing_snapshot="fail",  # the default, "fetch", warns with this sentence
        )

    assert_clear(
        raised.value, AirbyteSnapshotError, problem=[str(path), problem], fix=[f"{fix} {path}`"]
    )
