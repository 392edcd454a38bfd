"""Times as Airbyte writes them are read, its own without seconds (``2024-05-01T19:31Z``, as
Java prints a whole minute) included; a garbage time in a field the client needs is one clear
sentence, and one in a field nothing needs (a connection's ``createdAt``) is let through."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airbyte_cloud_dagster.api import AirbyteResponseError

from .answers import CONNECTION_ID, JOB
from .expect import CHECK_API_URL, assert_clear

CONNECTION = {
    "connectionId": CONNECTION_ID,
    "name": "Stripe → Warehouse",
    "sourceId": "2c9b7e9a-0a0b-4c55-9a44-6f7d1b2f9c01",
    "destinationId": "7d3c1f52-5b1e-4a7e-8e0c-9c0d2f6b1a02",
    "workspaceId": "b1f0a0c2-3d4e-4f5a-8b6c-7d8e9f0a1b03",
    "status": "active",
    "schedule": {"scheduleType": "manual"},
    "configurations": {"streams": [{"name": "charges"}]},
}


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2024-05-01T19:31Z", datetime(2024, 5, 1, 19, 31, tzinfo=timezone.utc)),
        ("2024-05-01T19:31:00.5Z", datetime(2024, 5, 1, 19, 31, 0, 500000, tzinfo=timezone.utc)),
        ("2024-05-01 19:31:07+00:00", datetime(2024, 5, 1, 19, 31, 7, tzinfo=timezone.utc)),
        ("2024-05-01T21:31+02:00", datetime(2024, 5, 1, 19, 31, tzinfo=timezone.utc)),
    ],
    ids=["no-seconds", "one-fraction-digit", "space-and-offset", "no-seconds-other-zone"],
)
def test_airbyte_times_are_read_in_every_form_it_writes(scripted, scripted_client, written, read):
    scripted.reply_json(
        {**JOB, "status": "succeeded", "startTime": written, "lastUpdatedAt": written}
    )

    job = scripted_client.get_job(3)

    assert job.start_time == read and job.last_updated_at == read


@pytest.mark.parametrize(
    ("field", "garbage", "problem"),
    [
        ("startTime", "yesterday", "field 'startTime' is not an ISO-8601 time ('yesterday')"),
        ("lastUpdatedAt", "05/01/2024 7:31 PM", "field 'lastUpdatedAt' is not an ISO-8601 time"),
        ("startTime", 1714591860, "field 'startTime' is malformed (expected str, got int"),
        ("duration", "8 hours", "field 'duration' is not an ISO-8601 duration ('8 hours')"),
    ],
    ids=["word", "us-format", "epoch-number", "duration"],
)
def test_a_garbage_time_the_client_needs_is_named(
    scripted, scripted_client, field, garbage, problem
):
    scripted.reply_json({**JOB, field: garbage})

    with pytest.raises(AirbyteResponseError) as raised:
        scripted_client.get_job(3)

    assert_clear(
        raised.value, AirbyteResponseError, problem=["job 3", problem], fix=[CHECK_API_URL]
    )


@pytest.mark.parametrize("created_at", ["2024-05-01T19:31Z", "yesterday", 1.5e9])
def test_a_garbage_time_nothing_needs_does_not_refuse_the_connection(
    scripted, scripted_client, created_at
):
    scripted.reply_json({"data": [{**CONNECTION, "createdAt": created_at}]})

    (connection,) = scripted_client.list_connections()

    assert connection.name == "Stripe → Warehouse" and connection.created_at is None


def test_a_whole_minute_duration_is_read(scripted, scripted_client):
    scripted.reply_json({**JOB, "status": "succeeded", "duration": "PT1M"})

    assert scripted_client.get_job(3).duration == timedelta(minutes=1)
