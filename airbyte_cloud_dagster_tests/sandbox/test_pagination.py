"""Lists paginate like the real server, quirks included.

See docs/airbyte/behaviour.md, "Pagination".
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox

from .conftest import APP_POSTGRES, S3_FILES, STRIPE, start_job, wait_for_job


def query_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_walking_next_links_ends_with_one_extra_empty_page(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    pages = []
    url = f"{airbyte_sandbox.base_url}/connections?limit=2"
    while url:
        body = api.get(url).json()
        pages.append([c["name"] for c in body["data"]])
        url = body["next"]
    assert [len(p) for p in pages] == [2, 2, 0]


def test_empty_links_are_empty_strings_not_null(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    first = api.get(f"{airbyte_sandbox.base_url}/connections").json()
    assert first["previous"] == ""
    empty = api.get(f"{airbyte_sandbox.base_url}/connections?offset=20").json()
    assert empty["data"] == [] and empty["next"] == ""
    assert query_of(empty["previous"])["offset"] == ["0"]


def test_previous_link_steps_back_one_page(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    body = api.get(f"{airbyte_sandbox.base_url}/sources?limit=1&offset=2").json()
    assert query_of(body["previous"]) == {"limit": ["1"], "offset": ["1"]}
    assert query_of(body["next"]) == {"limit": ["1"], "offset": ["3"]}


def test_links_keep_the_prefix_the_client_used(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    body = api.get(f"{airbyte_sandbox.self_managed_url}/connections?limit=1").json()
    assert body["next"].startswith(f"{airbyte_sandbox.self_managed_url}/connections?")


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_a_limit_out_of_range_is_a_bad_request(
    airbyte_sandbox: Sandbox, api: requests.Session, limit: str
) -> None:
    response = api.get(f"{airbyte_sandbox.base_url}/connections", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["title"] == "bad-request"


def test_a_negative_offset_is_a_bad_request(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    response = api.get(f"{airbyte_sandbox.base_url}/jobs", params={"offset": "-1"})
    assert response.status_code == 400


def test_job_links_drop_status_dates_and_order_but_keep_id_filters(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    start_job(airbyte_sandbox, api, STRIPE)
    connection_id = airbyte_sandbox.connection_id(STRIPE)
    params = {
        "connectionId": connection_id,
        "jobType": "sync",
        "status": "pending",
        "createdAtStart": "2000-01-01T00:00:00Z",
        "updatedAtEnd": "2100-01-01T00:00:00Z",
        "orderBy": "createdAt|DESC",
        "limit": "1",
        "offset": "1",
    }
    body = api.get(f"{airbyte_sandbox.base_url}/jobs", params=params).json()
    # offset 1 of a single job is empty, so only previous is set
    assert body["next"] == ""
    assert query_of(body["previous"]) == {
        "connectionId": [connection_id],
        "jobType": ["sync"],
        "limit": ["1"],
        "offset": ["0"],
    }


def test_jobs_are_listed_oldest_first_by_default(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    ids = [start_job(airbyte_sandbox, api, name)["jobId"] for name in (STRIPE, S3_FILES)]
    listed = [j["jobId"] for j in api.get(f"{airbyte_sandbox.base_url}/jobs").json()["data"]]
    assert listed == ids


def test_jobs_can_be_listed_newest_first(airbyte_sandbox: Sandbox, api: requests.Session) -> None:
    ids = [start_job(airbyte_sandbox, api, name)["jobId"] for name in (STRIPE, S3_FILES)]
    body = api.get(f"{airbyte_sandbox.base_url}/jobs", params={"orderBy": "createdAt|DESC"}).json()
    assert [j["jobId"] for j in body["data"]] == ids[::-1]


@pytest.mark.parametrize("order_by", ["createdAt", "createdAt|desc", "jobId|ASC", "updatedAt|"])
def test_an_unknown_order_is_a_bad_request(
    airbyte_sandbox: Sandbox, api: requests.Session, order_by: str
) -> None:
    response = api.get(f"{airbyte_sandbox.base_url}/jobs", params={"orderBy": order_by})
    assert response.status_code == 400


def test_jobs_filter_by_connection_status_and_type(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(STRIPE), duration=0.2)
    done = start_job(airbyte_sandbox, api, STRIPE)
    wait_for_job(airbyte_sandbox, api, done["jobId"])
    airbyte_sandbox.configure_connection(airbyte_sandbox.connection_id(APP_POSTGRES), duration=30)
    running = start_job(airbyte_sandbox, api, APP_POSTGRES)
    time.sleep(0.15)  # past pending
    url = f"{airbyte_sandbox.base_url}/jobs"

    def ids(**params: str) -> list[int]:
        return [j["jobId"] for j in api.get(url, params=params).json()["data"]]

    assert ids(connectionId=airbyte_sandbox.connection_id(STRIPE)) == [done["jobId"]]
    assert ids(status="succeeded") == [done["jobId"]]
    assert ids(status="running") == [running["jobId"]]
    assert ids(jobType="reset") == []
    assert ids(workspaceIds=airbyte_sandbox.workspace_id) == [done["jobId"], running["jobId"]]


def test_jobs_filter_by_creation_and_update_window(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    job = start_job(airbyte_sandbox, api, STRIPE)
    url = f"{airbyte_sandbox.base_url}/jobs"
    now = datetime.now(timezone.utc)
    past = (now - timedelta(hours=1)).isoformat()
    future = (now + timedelta(hours=1)).isoformat()
    assert len(api.get(url, params={"createdAtStart": past}).json()["data"]) == 1
    assert api.get(url, params={"createdAtStart": future}).json()["data"] == []
    assert api.get(url, params={"createdAtEnd": past}).json()["data"] == []
    body = api.get(url, params={"updatedAtStart": past, "updatedAtEnd": future}).json()
    assert [j["jobId"] for j in body["data"]] == [job["jobId"]]


def test_a_date_filter_without_time_zone_is_a_bad_request(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    response = api.get(
        f"{airbyte_sandbox.base_url}/jobs", params={"createdAtStart": "2024-01-01T00:00:00"}
    )
    assert response.status_code == 400


def test_an_unknown_status_filter_is_a_bad_request(
    airbyte_sandbox: Sandbox, api: requests.Session
) -> None:
    response = api.get(f"{airbyte_sandbox.base_url}/jobs", params={"status": "done"})
    assert response.status_code == 400
