"""Client credentials, bearer tokens and the gateway's 401s.

See docs/airbyte/behaviour.md, "Authentication".
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import requests

from airbyte_cloud_dagster.sandbox import Sandbox


def token_response(sandbox: Sandbox, **kwargs: object) -> requests.Response:
    return requests.post(f"{sandbox.base_url}/applications/token", **kwargs)  # type: ignore[arg-type]


def test_client_credentials_as_json_get_a_bearer_token(airbyte_sandbox: Sandbox) -> None:
    response = token_response(
        airbyte_sandbox,
        json={
            "client_id": airbyte_sandbox.client_id,
            "client_secret": airbyte_sandbox.client_secret,
            "grant-type": "client_credentials",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert requests.get(f"{airbyte_sandbox.base_url}/workspaces", headers=headers).ok


def test_form_encoded_camel_case_credentials_are_accepted(airbyte_sandbox: Sandbox) -> None:
    response = token_response(
        airbyte_sandbox,
        data={"clientId": airbyte_sandbox.client_id, "clientSecret": airbyte_sandbox.client_secret},
    )
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_each_token_request_gets_a_different_token(airbyte_sandbox: Sandbox) -> None:
    credentials = {
        "client_id": airbyte_sandbox.client_id,
        "client_secret": airbyte_sandbox.client_secret,
    }
    first = token_response(airbyte_sandbox, json=credentials).json()["access_token"]
    second = token_response(airbyte_sandbox, json=credentials).json()["access_token"]
    assert first != second


def test_wrong_credentials_get_a_401_with_an_error_id(airbyte_sandbox: Sandbox) -> None:
    response = token_response(
        airbyte_sandbox, json={"client_id": airbyte_sandbox.client_id, "client_secret": "wrong"}
    )
    assert response.status_code == 401
    assert set(response.json()) == {"errorId"}
    uuid.UUID(response.json()["errorId"])


def test_a_request_without_a_token_gets_a_plain_text_401(airbyte_sandbox: Sandbox) -> None:
    response = requests.get(f"{airbyte_sandbox.base_url}/connections")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")


def test_an_unknown_token_is_refused(airbyte_sandbox: Sandbox) -> None:
    headers = {"Authorization": "Bearer made-up"}
    response = requests.get(f"{airbyte_sandbox.self_managed_url}/jobs", headers=headers)
    assert response.status_code == 401


def test_a_token_stops_working_after_its_lifetime(tmp_path: Path) -> None:
    with Sandbox(token_lifetime=0.3, warehouse_path=tmp_path / "w.sqlite") as sandbox:
        body = token_response(
            sandbox, json={"client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
        ).json()
        assert body["expires_in"] == 1  # whole seconds, at least one
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert requests.get(f"{sandbox.base_url}/workspaces", headers=headers).status_code == 200
        time.sleep(0.4)
        assert requests.get(f"{sandbox.base_url}/workspaces", headers=headers).status_code == 401


def test_expiring_all_tokens_forces_clients_to_fetch_a_new_one(airbyte_sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {airbyte_sandbox.issue_token()}"}
    airbyte_sandbox.faults.expire_tokens()
    assert (
        requests.get(f"{airbyte_sandbox.base_url}/workspaces", headers=headers).status_code == 401
    )
    fresh = {"Authorization": f"Bearer {airbyte_sandbox.issue_token()}"}
    assert requests.get(f"{airbyte_sandbox.base_url}/workspaces", headers=fresh).status_code == 200


def test_self_managed_without_auth_needs_no_token(tmp_path: Path) -> None:
    with Sandbox(auth=False, warehouse_path=tmp_path / "w.sqlite") as sandbox:
        response = requests.get(f"{sandbox.self_managed_url}/connections")
        assert response.status_code == 200
        assert len(response.json()["data"]) == 4


def test_issued_tokens_lists_every_token_handed_out(airbyte_sandbox: Sandbox) -> None:
    credentials = {
        "client_id": airbyte_sandbox.client_id,
        "client_secret": airbyte_sandbox.client_secret,
    }
    served = token_response(airbyte_sandbox, json=credentials).json()["access_token"]
    direct = airbyte_sandbox.issue_token()
    assert airbyte_sandbox.issued_tokens() == [served, direct]
