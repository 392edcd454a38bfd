"""``PATCH /connections/{connectionId}`` over HTTP: what it changes, what it refuses, and the
real server's quirks it keeps (docs/airbyte/behaviour.md, "Changing a connection")."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox

from .conftest import APP_POSTGRES, HUBSPOT, STRIPE

PREFIXES = ["/v1", "/api/public/v1"]


def patch(
    sandbox: Sandbox, session: requests.Session, connection_id: str, body: Any, prefix: str = "/v1"
) -> requests.Response:
    return session.patch(f"{sandbox.root_url}{prefix}/connections/{connection_id}", json=body)


def served(sandbox: Sandbox, session: requests.Session, connection_id: str) -> dict[str, Any]:
    response = session.get(f"{sandbox.base_url}/connections/{connection_id}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_cron_schedule_is_set_in_utc_and_served_back(
    airbyte_sandbox: Sandbox, api: requests.Session, prefix: str
) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)

    response = patch(
        airbyte_sandbox,
        api,
        stripe,
        {"schedule": {"scheduleType": "cron", "cronExpression": "0 30 6 ? * MON-FRI"}},
        prefix,
    )

    assert response.status_code == 200, response.text
    expected = {"scheduleType": "cron", "cronExpression": "0 30 6 ? * MON-FRI UTC"}
    assert response.json()["schedule"] == expected
    assert served(airbyte_sandbox, api, stripe) == response.json()


def test_a_trailing_utc_is_not_doubled(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)
    body = {"schedule": {"scheduleType": "cron", "cronExpression": "0 0 12 * * ? UTC"}}

    response = patch(airbyte_sandbox, api, stripe, body)

    assert response.json()["schedule"]["cronExpression"] == "0 0 12 * * ? UTC"


def test_manual_needs_a_cron_expression_to_take_effect(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    app_postgres = airbyte_sandbox.connection_id(APP_POSTGRES)
    before = served(airbyte_sandbox, api, app_postgres)

    ignored = patch(airbyte_sandbox, api, app_postgres, {"schedule": {"scheduleType": "manual"}})
    taken = patch(
        airbyte_sandbox,
        api,
        app_postgres,
        {"schedule": {"scheduleType": "manual", "cronExpression": "0 0 0 * * ?"}},
    )

    # The real server drops a schedule without cronExpression and answers 200 regardless.
    assert ignored.status_code == 200 and ignored.json() == before
    assert taken.status_code == 200
    assert taken.json()["schedule"] == {"scheduleType": "manual"}
    assert {**taken.json(), "schedule": before["schedule"]} == before  # nothing else changed


def test_name_and_status_change_and_the_seed_does_not(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)

    response = patch(
        airbyte_sandbox, api, stripe, {"name": "Stripe (paused)", "status": "inactive"}
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["status"]) == ("Stripe (paused)", "inactive")
    assert served(airbyte_sandbox, api, stripe)["name"] == "Stripe (paused)"
    # The sandbox's own seed still reads as it was written, and names still find ids.
    assert airbyte_sandbox.seed.connection_by_name(STRIPE).status == "active"
    assert airbyte_sandbox.connection_id(STRIPE) == stripe


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"schedule": {"scheduleType": "basic"}}, "must be one of manual, cron"),
        ({"schedule": {"scheduleType": "weekly"}}, "must be one of manual, cron"),
        ({"schedule": {"scheduleType": "cron"}}, "Missing cron expression in the schedule."),
        (
            {"schedule": {"scheduleType": "cron", "cronExpression": "0 0 25 * * ?"}},
            "The cron expression 0 0 25 * * ? is not valid.",
        ),
        (
            {"schedule": {"scheduleType": "cron", "cronExpression": "0 0 12 * * ? Europe/Paris"}},
            "The cron expression 0 0 12 * * ? Europe/Paris is not valid.",
        ),
        (
            {"schedule": {"scheduleType": "cron", "cronExpression": "0 0 12 * * *"}},
            "is not valid",  # Quartz wants '?' in one day field
        ),
        (
            {"schedule": {"scheduleType": "cron", "cronExpression": "0 */15 * * * ?"}},
            "less than the one hour minimum",
        ),
        ({"schedule": "manual"}, "'schedule' must be an object"),
        ({"status": "paused"}, "'status' must be one of"),
        ({"name": 42}, "'name' must be a string"),
        ([], "must be a JSON object"),
    ],
)
def test_bad_bodies_are_a_400_problem_and_change_nothing(
    airbyte_sandbox: Sandbox, api: requests.Session, body: Any, message: str
) -> None:
    app_postgres = airbyte_sandbox.connection_id(APP_POSTGRES)
    before = served(airbyte_sandbox, api, app_postgres)

    response = patch(airbyte_sandbox, api, app_postgres, body)

    assert response.status_code == 400, response.text
    assert response.json()["title"] == "bad-request"
    assert message in response.json()["data"]["message"]
    assert served(airbyte_sandbox, api, app_postgres) == before


def test_fields_the_sandbox_does_not_change_are_a_422(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    response = patch(
        airbyte_sandbox, api, airbyte_sandbox.connection_id(HUBSPOT), {"prefix": "crm_"}
    )

    assert response.status_code == 422
    assert response.json()["title"] == "unprocessable-entity"
    assert "prefix" in response.json()["data"]["message"]


def test_unknown_and_malformed_ids(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    unknown = str(uuid.uuid4())

    missing = patch(airbyte_sandbox, api, unknown, {"name": "x"})
    malformed = patch(airbyte_sandbox, api, "not-a-uuid", {"name": "x"})

    assert missing.status_code == 404
    assert missing.json()["data"] == {"resourceType": "connection", "resourceId": unknown}
    assert malformed.status_code == 400


def test_patch_needs_a_token_and_is_in_the_request_log(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)

    anonymous = requests.patch(
        f"{airbyte_sandbox.base_url}/connections/{stripe}", json={"name": "x"}, timeout=10
    )
    patch(airbyte_sandbox, api, stripe, {"name": "Stripe"}, "/api/public/v1")

    assert anonymous.status_code == 401
    patches = [r for r in airbyte_sandbox.requests if r.method == "PATCH"]
    assert [(r.path, r.status) for r in patches] == [
        (f"/v1/connections/{stripe}", 401),
        (f"/api/public/v1/connections/{stripe}", 200),
    ]


def test_a_patch_fault_can_be_injected(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    stripe = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.faults.fail("/connections/*", 503, method="PATCH")

    failed = patch(airbyte_sandbox, api, stripe, {"name": "Stripe 2"})
    read = served(airbyte_sandbox, api, stripe)

    assert failed.status_code == 503
    assert read["name"] == STRIPE
