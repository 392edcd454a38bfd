"""Figures a job never reported, and connections that have nothing to sync, are said as such."""

import logging

from airbyte_cloud_dagster import load_airbyte_cloud_assets
from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteJob
from airbyte_cloud_dagster.sandbox import Sandbox, load_workspace

from ..helpers import sandbox_resource

# A JobResponse as the spec allows it: rowsSynced and bytesSynced are optional.
SUCCEEDED_WITHOUT_FIGURES = {
    "jobId": 7,
    "status": "succeeded",
    "jobType": "sync",
    "startTime": "2026-12-02T19:31:00Z",
    "connectionId": "9924bcd0-99be-453d-ba47-c2c9766f7da5",
    "lastUpdatedAt": "2026-12-02T19:32:00Z",
    "duration": "PT1M",
}


def test_figures_the_job_did_not_report_are_left_out_not_shown_as_zero():
    job = AirbyteJob.from_api(SUCCEEDED_WITHOUT_FIGURES)

    metadata = md.job_finished(job)

    assert md.CONNECTION_ROWS_SYNCED not in metadata
    assert md.CONNECTION_BYTES_SYNCED not in metadata
    assert metadata[md.JOB_ID].value == "7" and metadata[md.DURATION_SECONDS] == 60.0
    assert md.figures_text(job) == "rows not reported, bytes not reported"


def test_reported_figures_are_kept_even_when_zero():
    job = AirbyteJob.from_api({**SUCCEEDED_WITHOUT_FIGURES, "rowsSynced": 0, "bytesSynced": 0})

    metadata = md.job_finished(job)

    assert metadata[md.CONNECTION_ROWS_SYNCED] == 0 and metadata[md.CONNECTION_BYTES_SYNCED] == 0
    assert md.figures_text(job) == "0 rows, 0 bytes"


WORKSPACE = """
name: Streamless
destinations:
  - {name: Warehouse, type: postgres, configuration: {database: analytics, schema: raw}}
sources:
  - name: Shop
    type: stripe
    streams:
      - {name: charges, fields: [id], sync_modes: [full_refresh_overwrite]}
connections:
  - {name: Shop → Warehouse, source: Shop, destination: Warehouse, streams: []}
  - name: Shop again → Warehouse
    source: Shop
    destination: Warehouse
    streams: [{name: charges, sync_mode: full_refresh_overwrite}]
"""


def test_a_connection_with_no_enabled_streams_is_named_in_one_warning(tmp_path, caplog):
    seed = tmp_path / "workspace.yaml"
    seed.write_text(WORKSPACE)
    with Sandbox(load_workspace(seed)) as sandbox, caplog.at_level(logging.WARNING):
        assets = load_airbyte_cloud_assets(airbyte=sandbox_resource(sandbox))

    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    named = [m for m in warnings if "'Shop → Warehouse'" in m]
    assert len(named) == 1 and "no enabled streams" in named[0] and "Schema tab" in named[0]
    assert [a.op.name for a in assets] == ["airbyte_sync_shop_again_warehouse"]
    assert {key.to_user_string() for a in assets for key in a.keys} == {"raw/charges"}
