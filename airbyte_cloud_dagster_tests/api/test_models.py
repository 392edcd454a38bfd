"""Payloads are checked at the edge: a bad one fails with a message naming the field."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteJob,
    AirbyteResponseError,
    AirbyteStreamProperties,
    JobStatus,
)
from airbyte_cloud_dagster.api.models import parse_iso_duration

CONNECTION_ID = "9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f"
JOB = {
    "jobId": 12,
    "status": "succeeded",
    "jobType": "sync",
    "startTime": "2023-03-25 01:30:50+00:00",
    "lastUpdatedAt": "2023-03-25T09:37:02.123456789Z",
    "connectionId": CONNECTION_ID,
    "duration": "PT8H6M12S",
    "rowsSynced": 1200,
    "bytesSynced": 34000,
}


def test_a_finished_job_is_read_with_its_totals_and_duration():
    job = AirbyteJob.from_api(JOB)
    assert job.job_id == 12 and job.succeeded and job.is_terminal
    assert job.duration == timedelta(hours=8, minutes=6, seconds=12)
    assert job.start_time.tzinfo == timezone.utc
    assert job.last_updated_at.microsecond == 123456
    assert (job.rows_synced, job.bytes_synced) == (1200, 34000)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT8H6M12S", 29172), ("PT1.5S", 1.5), ("PT0S", 0), ("P1DT2H", 93600), ("PT2M", 120)],
)
def test_iso_durations_as_airbyte_writes_them(text, seconds):
    assert parse_iso_duration(text).total_seconds() == seconds


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({k: v for k, v in JOB.items() if k != "jobId"}, "'jobId'"),
        ({**JOB, "jobId": "12"}, "'jobId'"),
        ({**JOB, "status": 3}, "'status'"),
        ({**JOB, "duration": "8 hours"}, "'duration'"),
        ({**JOB, "startTime": "yesterday"}, "'startTime'"),
        ({**JOB, "rowsSynced": True}, "'rowsSynced'"),
    ],
)
def test_a_malformed_job_names_the_field(payload, field):
    with pytest.raises(AirbyteResponseError, match=field):
        AirbyteJob.from_api(payload)


def test_only_succeeded_failed_and_cancelled_are_terminal():
    terminal = {status.value for status in JobStatus if status.is_terminal}
    assert terminal == {"succeeded", "failed", "cancelled"}
    assert not JobStatus("paused-for-maintenance").is_terminal


def test_a_connection_reads_schedule_namespace_and_streams():
    connection = AirbyteConnection.from_api(
        {
            "connectionId": CONNECTION_ID,
            "name": "Stripe → Warehouse",
            "sourceId": "s",
            "destinationId": "d",
            "workspaceId": "w",
            "status": "inactive",
            "schedule": {"scheduleType": "cron", "cronExpression": "0 0 12 * * ? UTC"},
            "namespaceDefinition": "custom_format",
            "namespaceFormat": "app_${SOURCE_NAMESPACE}",
            "prefix": "stripe_",
            "configurations": {
                "streams": [
                    {
                        "name": "orders/2024-items",
                        "namespace": "public",
                        "syncMode": "incremental_deduped_history",
                        "cursorField": ["updated_at"],
                        "primaryKey": [["id"]],
                        "selectedFields": [{"fieldPath": ["id"]}, {"fieldPath": ["a", "b"]}],
                    }
                ]
            },
            "createdAt": 1700000000,
            "tags": [],
        }
    )
    assert not connection.is_active
    assert connection.schedule.cron_expression == "0 0 12 * * ? UTC"
    assert connection.prefix == "stripe_"
    (stream,) = connection.streams
    assert stream.primary_key == (("id",),)
    assert stream.selected_fields == (("id",), ("a", "b"))


def test_a_connection_without_a_field_the_assets_need_names_the_field_and_connection():
    # Strict about what the assets need (here the destination), lenient about the schedule,
    # which only mirroring needs (workspace/test_lenient_schedule.py).
    with pytest.raises(AirbyteResponseError, match=r"'Stripe'.*'destinationId'"):
        AirbyteConnection.from_api(
            {
                "connectionId": CONNECTION_ID,
                "name": "Stripe",
                "sourceId": "s",
                "workspaceId": "w",
                "status": "active",
                "schedule": {"scheduleType": "manual"},
            }
        )


def test_a_connection_without_schedule_loads_with_an_unknown_schedule():
    connection = AirbyteConnection.from_api(
        {
            "connectionId": CONNECTION_ID,
            "name": "Stripe",
            "sourceId": "s",
            "destinationId": "d",
            "workspaceId": "w",
            "status": "active",
        }
    )
    assert connection.schedule.schedule_type == "unknown"


@pytest.mark.parametrize(
    ("configuration", "database", "schema"),
    [
        ({"database": "analytics", "schema": "raw", "password": "**********"}, "analytics", "raw"),
        ({"project_id": "my-project", "dataset_id": "airbyte"}, "my-project", "airbyte"),
        ({}, None, None),
    ],
)
def test_a_destination_default_schema_comes_from_schema_or_dataset_id(
    configuration, database, schema
):
    destination = AirbyteDestination.from_api(
        {
            "destinationId": "d",
            "name": "Warehouse",
            "destinationType": "",
            "definitionId": "def",
            "workspaceId": "w",
            "configuration": configuration,
        }
    )
    assert (destination.database, destination.default_schema) == (database, schema)
    assert destination.destination_type == ""


def test_stream_properties_read_the_lower_case_streamnamespace():
    properties = AirbyteStreamProperties.from_api(
        {
            "streamName": "customers",
            "streamnamespace": "billing",
            "syncModes": ["full_refresh_overwrite"],
            "propertyFields": [["id"], ["address", "city"]],
        }
    )
    assert properties.stream_namespace == "billing"
    assert properties.property_fields == (("id",), ("address", "city"))
