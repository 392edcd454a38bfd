"""``AirbyteClient.patch_connection`` and the request bodies behind it: what the public API can
set (docs/airbyte/behaviour.md, "Changing a connection"), checked before any request."""

from __future__ import annotations

import time

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteBadRequest,
    AirbyteClient,
    AirbyteConfigurationError,
    AirbyteConnection,
    AirbyteConnectionError,
    ConnectionSchedule,
)
from airbyte_cloud_dagster.api.models.connections import (
    MANUAL_CRON_EXPRESSION,
    connection_patch_body,
)
from airbyte_cloud_dagster_tests.helpers import APP_POSTGRES, STRIPE, patch_requests


@pytest.mark.parametrize(
    ("served", "zone"),
    [
        ("0 0 12 * * ? UTC", "UTC"),
        ("0 0 12 * * ?", None),
        ("0 0 12 * * ? 2030", None),
        ("0 0 12 * * ? * America/New_York", "America/New_York"),
        ("0 0/30 9-17 ? * MON-FRI Europe/Paris", "Europe/Paris"),
    ],
)
def test_the_time_zone_after_a_quartz_expression(served: str, zone: str | None) -> None:
    assert ConnectionSchedule("cron", cron_expression=served).time_zone == zone


def test_a_schedule_reads_back_as_airbyte_served_it() -> None:
    for served in (
        {"scheduleType": "cron", "cronExpression": "0 0 12 * * ? UTC"},
        {"scheduleType": "basic", "basicTiming": "Every 24 HOURS"},
        {"scheduleType": "manual"},
    ):
        assert ConnectionSchedule.from_api(served).to_api() == served


def test_what_the_public_api_can_set() -> None:
    assert ConnectionSchedule("manual").to_request() == {
        "scheduleType": "manual",
        "cronExpression": MANUAL_CRON_EXPRESSION,  # without it Airbyte ignores the schedule
    }
    assert ConnectionSchedule("cron", "0 0 12 * * ? UTC").to_request() == {
        "scheduleType": "cron",
        "cronExpression": "0 0 12 * * ? UTC",
    }
    for cannot, reason in [
        (ConnectionSchedule("basic", basic_timing="Every 24 HOURS"), "cannot set a basic"),
        (ConnectionSchedule("cron", "0 0 9 ? * MON-FRI America/New_York"), "in UTC only"),
        (ConnectionSchedule("cron"), "needs a cron expression"),
    ]:
        assert reason in str(cannot.unsettable_reason)
        with pytest.raises(AirbyteConfigurationError, match=reason):
            cannot.to_request()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "Nothing to change"),
        ({"name": " "}, "non-empty string"),
        ({"status": "deprecated"}, "use 'active' or 'inactive'"),
        ({"schedule": "manual"}, "must be a ConnectionSchedule"),
    ],
)
def test_patch_bodies_refused_before_any_request(arguments: dict, message: str) -> None:
    with pytest.raises(AirbyteConfigurationError, match=message):
        connection_patch_body(**arguments)


def test_patch_connection_returns_the_connection_as_airbyte_serves_it(
    airbyte_sandbox, client: AirbyteClient
) -> None:
    app_postgres = airbyte_sandbox.connection_id(APP_POSTGRES)
    before = client.get_connection(app_postgres)

    manual = client.patch_connection(app_postgres, schedule=ConnectionSchedule("manual"))
    back = client.patch_connection(app_postgres, schedule=before.schedule)
    renamed = client.patch_connection(app_postgres, name="App DB", status="inactive")

    assert isinstance(manual, AirbyteConnection)
    assert manual.schedule == ConnectionSchedule("manual")
    assert manual.streams == before.streams
    assert back == before
    assert (renamed.name, renamed.status) == ("App DB", "inactive")
    assert client.get_connection(app_postgres) == renamed


def test_schedules_the_api_cannot_set_send_nothing(airbyte_sandbox, client: AirbyteClient) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)
    basic = client.get_connection(stripe).schedule
    before = len(airbyte_sandbox.requests)

    with pytest.raises(AirbyteConfigurationError, match="basic"):
        client.patch_connection(stripe, schedule=basic)
    with pytest.raises(AirbyteConfigurationError, match="connection_id"):
        client.patch_connection("not-a-uuid", name="x")

    assert airbyte_sandbox.requests[before:] == []


def test_a_refused_patch_raises_bad_request(airbyte_sandbox, client: AirbyteClient) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)

    with pytest.raises(AirbyteBadRequest, match="one hour minimum"):
        client.patch_connection(stripe, schedule=ConnectionSchedule("cron", "0 * * * * ?"))


def test_a_patch_is_not_retried(airbyte_sandbox, make_client) -> None:
    client = make_client(max_retries=3)
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.drop("/connections/*", method="PATCH")

    with pytest.raises(AirbyteConnectionError):
        client.patch_connection(stripe, name="Stripe 2")

    # The sandbox logs a dropped request once the connection is closed: give it a moment.
    deadline = time.monotonic() + 5
    while not patch_requests(airbyte_sandbox) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [r.status for r in patch_requests(airbyte_sandbox)] == [0]  # 0: dropped
    # The request was handled before the answer was lost: read the connection to know.
    assert client.get_connection(stripe).name == "Stripe 2"
