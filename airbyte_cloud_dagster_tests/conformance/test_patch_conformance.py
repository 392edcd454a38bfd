"""``patchConnection`` both ways against the official spec: the bodies the sandbox serves back
(``ConnectionResponse``, problem objects) and the bodies the client sends
(``ConnectionPatchRequest``), under both API prefixes. Same machinery as
test_openapi_conformance.py: the schema is looked up in openapi.yaml from path and method."""

from __future__ import annotations

import uuid

import pytest

from airbyte_cloud_dagster.api import ConnectionSchedule
from airbyte_cloud_dagster.api.models.connections import connection_patch_body
from airbyte_cloud_dagster_tests.openapi_schemas import require_spec, response_schema_name, validate

from .test_openapi_conformance import DEMO_CONNECTIONS, Api, api, assert_problem

__all__ = ["api"]  # the fixture, shared with test_openapi_conformance.py


@pytest.fixture(autouse=True)
def _spec_present() -> None:
    require_spec()


def test_the_spec_answers_a_patch_with_a_connection() -> None:
    assert response_schema_name("PATCH", "/connections/{connectionId}") == "ConnectionResponse"


@pytest.mark.parametrize("variant", list(DEMO_CONNECTIONS))
@pytest.mark.parametrize(
    "schedule",
    [
        {"scheduleType": "manual", "cronExpression": "0 0 0 * * ?"},
        {"scheduleType": "cron", "cronExpression": "0 15 3 ? * SUN UTC"},
    ],
    ids=["manual", "cron"],
)
def test_patched_connection_bodies(api: Api, variant: str, schedule: dict) -> None:
    name, _ = DEMO_CONNECTIONS[variant]
    connection_id = api.sandbox.connection_id(name)

    patched = api.call("PATCH", f"/connections/{connection_id}", json={"schedule": schedule})
    read = api.call("GET", f"/connections/{connection_id}")

    assert patched == read
    assert patched["schedule"]["scheduleType"] == schedule["scheduleType"]


def test_renamed_and_paused_connection_body(api: Api) -> None:
    connection_id = api.sandbox.connection_id("Stripe → Warehouse")

    body = api.call(
        "PATCH", f"/connections/{connection_id}", json={"name": "Stripe", "status": "inactive"}
    )

    assert (body["name"], body["status"]) == ("Stripe", "inactive")


@pytest.mark.parametrize(
    ("body", "status", "title"),
    [
        ({"schedule": {"scheduleType": "basic"}}, 400, "bad-request"),
        (
            {"schedule": {"scheduleType": "cron", "cronExpression": "0 * * * * ?"}},
            400,
            "bad-request",
        ),
        ({"schedule": {"scheduleType": "cron"}}, 400, "bad-request"),
        ({"prefix": "x_"}, 422, "unprocessable-entity"),
    ],
    ids=["basic", "every-minute", "no-expression", "unsupported-field"],
)
def test_refused_patch_problem_bodies(api: Api, body: dict, status: int, title: str) -> None:
    connection_id = api.sandbox.connection_id("App Postgres → Warehouse")

    problem = api.call("PATCH", f"/connections/{connection_id}", status=status, json=body)

    assert_problem(problem, title)


def test_patching_an_unknown_connection_is_a_not_found_problem(api: Api) -> None:
    problem = api.call("PATCH", f"/connections/{uuid.uuid4()}", status=404, json={"name": "x"})

    assert_problem(problem, "resource-not-found")


@pytest.mark.parametrize(
    "arguments",
    [
        {"schedule": ConnectionSchedule("manual")},
        {"schedule": ConnectionSchedule("cron", cron_expression="0 0 12 * * ? UTC")},
        {"schedule": ConnectionSchedule("cron", cron_expression="0 0 12 * * ?")},
        {"name": "Renamed", "status": "active"},
    ],
    ids=["manual", "cron-utc", "cron-bare", "name-status"],
)
def test_the_client_sends_connection_patch_requests(arguments: dict) -> None:
    validate(connection_patch_body(**arguments), "ConnectionPatchRequest")
