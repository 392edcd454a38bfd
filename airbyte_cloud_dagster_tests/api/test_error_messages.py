"""The first hour: an error says which thing was not found, and a wrong api_url says so."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from airbyte_cloud_dagster.api import (
    AirbyteConfigurationError,
    AirbyteNotFound,
    AirbyteRequestError,
)
from airbyte_cloud_dagster_tests.api.fake_http import FixedAnswers, serving

EXPECTED_FORMS = ("https://api.airbyte.com/v1", "https://<host>/api/public/v1")


def test_a_404_names_the_connection_that_was_not_found(airbyte_sandbox, client):
    missing = str(uuid.uuid4())
    raw = requests.post(
        f"{airbyte_sandbox.base_url}/jobs",
        json={"connectionId": missing, "jobType": "sync"},
        headers={"Authorization": f"Bearer {airbyte_sandbox.issue_token()}"},
        timeout=10,
    )
    # The sandbox's problem body names the resource, as Airbyte's does
    # (docs/airbyte/behaviour.md, "Errors").
    assert raw.json()["data"] == {"resourceType": "connection", "resourceId": missing}

    with pytest.raises(AirbyteNotFound) as raised:
        client.trigger_sync(missing)

    assert f"connection {missing} was not found" in str(raised.value)
    assert (raised.value.resource_type, raised.value.resource_id) == ("connection", missing)
    assert "api_url" not in str(raised.value)


def _assert_names_wrong_api_url(error: Exception, api_url: str) -> None:
    message = str(error)
    assert f"api_url={api_url!r} looks wrong" in message
    for form in EXPECTED_FORMS:
        assert form in message
    assert "check that the id is right" not in message


def test_api_url_without_v1_is_named_as_wrong_when_fetching_a_token(airbyte_sandbox, make_client):
    client = make_client(api_url=airbyte_sandbox.root_url)

    with pytest.raises(AirbyteNotFound) as raised:
        client.list_connections()

    assert "POST /applications/token returned 404" in str(raised.value)
    _assert_names_wrong_api_url(raised.value, airbyte_sandbox.root_url)
    assert raised.value.resource_type is None


def test_api_url_without_v1_is_named_as_wrong_on_a_list_endpoint(airbyte_sandbox, make_client):
    client = make_client(
        api_url=airbyte_sandbox.root_url,
        client_id=None,
        client_secret=None,
        api_token=airbyte_sandbox.issue_token(),
    )

    with pytest.raises(AirbyteNotFound) as raised:
        client.list_connections()

    assert "GET /connections returned 404" in str(raised.value)
    _assert_names_wrong_api_url(raised.value, airbyte_sandbox.root_url)


class _WebApp(FixedAnswers):
    """A web UI (like Dagster's on its port): HTML for GET, 405 for POST."""

    def do_GET(self) -> None:
        self.answer(200, "text/html", b"<!doctype html><html><body>Dagster</body></html>")

    def do_POST(self) -> None:
        self.answer(405, "text/plain", b"Method Not Allowed")


@pytest.fixture
def web_app_url() -> Iterator[str]:
    with serving(_WebApp) as port:
        yield f"http://127.0.0.1:{port}"


def test_api_url_at_a_web_ui_port_is_named_as_wrong(make_client, web_app_url):
    with pytest.raises(AirbyteRequestError) as raised:
        make_client(api_url=web_app_url).list_connections()  # the token POST is answered 405

    assert raised.value.status_code == 405
    _assert_names_wrong_api_url(raised.value, web_app_url)


def test_api_url_at_a_web_ui_port_answering_html_is_named_as_wrong(make_client, web_app_url):
    client = make_client(api_url=web_app_url, client_id=None, client_secret=None)

    with pytest.raises(Exception) as raised:
        client.list_connections()  # GET answered 200 with an HTML page

    _assert_names_wrong_api_url(raised.value, web_app_url)


@pytest.mark.parametrize("tail", ["?", "#", "?x=1"])
def test_api_url_with_a_bare_query_or_fragment_is_refused(airbyte_sandbox, make_client, tail):
    with pytest.raises(AirbyteConfigurationError) as raised:
        make_client(api_url=airbyte_sandbox.base_url + tail)

    assert "has a query or fragment" in str(raised.value)
    assert airbyte_sandbox.requests == []


def test_a_bool_job_id_is_named_as_given(client):
    with pytest.raises(AirbyteConfigurationError) as raised:
        client.get_job(True)

    assert str(raised.value).startswith("job_id=True is not a job id")
