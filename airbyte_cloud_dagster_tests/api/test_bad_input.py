"""Bad input and unusable answers: each gives one clear sentence, most before any request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteConfigurationError,
    AirbyteNotFound,
    AirbyteResponseError,
    AirbyteServerError,
)

CONNECTION_ID = "9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f"


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and len(message) < 400


def test_a_connection_id_that_is_not_a_uuid_is_refused_without_a_request(airbyte_sandbox, client):
    with pytest.raises(AirbyteConfigurationError) as raised:
        client.trigger_sync("stripe-to-warehouse")
    assert "connection_id='stripe-to-warehouse' is not a UUID" in str(raised.value)
    assert one_sentence(str(raised.value))
    assert airbyte_sandbox.requests == []


def test_an_unknown_job_id_names_the_job(client):
    with pytest.raises(AirbyteNotFound) as raised:
        client.get_job(424242)
    assert "/jobs/424242" in str(raised.value) and one_sentence(str(raised.value))


@pytest.mark.parametrize("api_url", ["api.airbyte.com/v1", "localhost:8000/api/public/v1", ""])
def test_an_api_url_without_scheme_or_host_is_refused_at_construction(api_url):
    with pytest.raises(AirbyteConfigurationError, match="not an absolute http") as raised:
        AirbyteClient(api_url)
    assert one_sentence(str(raised.value))


def test_credentials_are_not_sent_over_plain_http_to_another_machine():
    with pytest.raises(AirbyteConfigurationError, match="allow_insecure_http=True"):
        AirbyteClient("http://airbyte.internal:8000/api/public/v1", api_token="t0ken")
    AirbyteClient("http://airbyte.internal:8000/api/public/v1")  # no credentials: fine
    AirbyteClient("http://airbyte.internal/v1", api_token="t0ken", allow_insecure_http=True)
    for loopback in ("http://localhost:8000/v1", "http://127.0.0.2/v1", "http://[::1]:8000/v1"):
        AirbyteClient(loopback, client_id="id", client_secret="secret")


def test_a_proxy_serving_html_where_json_was_expected_is_named(airbyte_sandbox, client):
    airbyte_sandbox.faults.fail("/workspaces", 503, times=10, method="GET")
    with pytest.raises(AirbyteServerError) as raised:
        client.list_workspaces()
    assert "<" in str(raised.value) and one_sentence(str(raised.value))


# A 200 with a malformed body is something the sandbox (a correct server) cannot produce,
# so these two cases use a tiny local server.


class _Scripted(BaseHTTPRequestHandler):
    body = b""
    content_type = "application/json"

    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def do_GET(self) -> None:
        if self.path.startswith("/v1/jobs?"):  # the newest job, read before a start: none
            self.body = b'{"data": [], "next": "", "previous": ""}'
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted_server() -> Iterator[type[_Scripted]]:
    handler = type("Handler", (_Scripted,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}/v1"
    yield handler
    server.shutdown()
    server.server_close()


def test_a_200_whose_body_is_not_json_is_reported_with_its_start(scripted_server):
    scripted_server.body = b"<html>\n  <body>Welcome to   nginx!</body>\n</html>"
    scripted_server.content_type = "text/html"
    with (
        AirbyteClient(scripted_server.url) as client,
        pytest.raises(AirbyteResponseError) as raised,
    ):
        client.get_job(3)
    message = str(raised.value)
    assert message.startswith("GET /v1/jobs/3 returned 200 but the body is not JSON")
    assert "<html> <body>Welcome to nginx!</body> </html>" in message
    assert one_sentence(message)


def test_a_started_job_without_job_id_is_reported(scripted_server):
    scripted_server.body = json.dumps({"status": "running", "jobType": "sync"}).encode()
    with (
        AirbyteClient(scripted_server.url) as client,
        pytest.raises(AirbyteResponseError) as raised,
    ):
        client.trigger_sync(CONNECTION_ID)
    assert "has no 'jobId'" in str(raised.value) and one_sentence(str(raised.value))
