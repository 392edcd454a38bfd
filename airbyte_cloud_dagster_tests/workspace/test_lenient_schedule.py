"""Strict about what the assets need, lenient about the rest: a schedule that cannot be read
(no scheduleType, as a fixture in dagster-airbyte's own tests spells it) does not stop the
load; only mirroring it is refused, naming the connection."""

import warnings

import dagster as dg
import pytest

from airbyte_cloud_dagster import (
    AirbyteScheduleWarning,
    AirbyteWorkspaceData,
    build_airbyte_assets,
    build_airbyte_schedules_from_airbyte,
)
from airbyte_cloud_dagster.api import AirbyteConnection

CONNECTION = {
    "connectionId": "9924bcd0-99be-453d-ba47-c2c9766f7da5",
    "name": "Shop → Warehouse",
    "sourceId": "0f0e8a5c-3c1e-4f3a-9d5a-2b8f2f1a0c01",
    "destinationId": "5a2b8c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "workspaceId": "7c1b2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    "status": "active",
    "schedule": {"schedule_type": "cron", "cron_expression": "0 0 12 * * ? UTC"},
    "configurations": {"streams": [{"name": "charges", "syncMode": "full_refresh_overwrite"}]},
}


def _assets(connection: dict) -> list[dg.AssetsDefinition]:
    data = AirbyteWorkspaceData(
        api_url="https://api.airbyte.com/v1",
        connections=(AirbyteConnection.from_api(connection),),
        destinations={},
        stream_properties={},
    )
    return build_airbyte_assets(data)


def test_a_schedule_without_schedule_type_still_loads_the_tables():
    (assets,) = _assets(CONNECTION)

    assert [key.to_user_string() for key in assets.keys] == ["charges"]
    (spec,) = assets.specs
    assert spec.metadata["airbyte/schedule_type"] == "unknown"


def test_a_connection_with_no_schedule_at_all_still_loads():
    connection = {key: value for key, value in CONNECTION.items() if key != "schedule"}

    (assets,) = _assets(connection)

    assert len(list(assets.specs)) == 1


def test_mirroring_says_which_schedule_it_could_not_read():
    assets = _assets(CONNECTION)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        schedules = build_airbyte_schedules_from_airbyte(assets, on_unsupported="warn")
    with pytest.raises(dg.DagsterInvalidDefinitionError) as raised:
        build_airbyte_schedules_from_airbyte(assets, on_unsupported="fail")

    assert schedules == []
    (warning,) = [w for w in caught if issubclass(w.category, AirbyteScheduleWarning)]
    for message in (str(warning.message), str(raised.value)):
        assert "'Shop → Warehouse'" in message and "no readable schedule" in message
