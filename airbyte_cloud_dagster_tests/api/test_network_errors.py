"""The first hour: no answer at all names the host and port, tells the causes apart, and a
wrong host or port fails within a couple of seconds."""

from __future__ import annotations

import functools
import json
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airbyte_cloud_dagster.api import AirbyteClient, AirbyteConnectionError
from airbyte_cloud_dagster_tests.api.fake_http import FixedAnswers, serving
from airbyte_cloud_dagster_tests.network import free_port


@pytest.mark.slow
def test_a_refused_connection_names_host_and_port_and_fails_fast():
    port = free_port()  # nothing listens there any more
    # The defaults a user gets (backoff 0.5 s, 5 retries), not the fast test settings.
    client = AirbyteClient(f"http://127.0.0.1:{port}/v1", client_id="id", client_secret="s")
    started = time.monotonic()

    with pytest.raises(AirbyteConnectionError) as raised, client:
        client.list_connections()

    assert time.monotonic() - started < 3.0  # it took ~15 s when connects shared the retries
    assert raised.value.reason == "refused"
    assert f"127.0.0.1:{port} refused the connection" in str(raised.value)
    assert "request_timeout" not in str(raised.value)


@pytest.mark.slow
def test_an_unknown_host_name_is_named_and_fails_fast():
    client = AirbyteClient("https://airbyte.nonexistent.invalid/v1", api_token="t")
    started = time.monotonic()

    with pytest.raises(AirbyteConnectionError) as raised, client:
        client.list_connections()

    assert time.monotonic() - started < 5.0
    assert raised.value.reason == "unresolved"
    assert "'airbyte.nonexistent.invalid' could not be resolved" in str(raised.value)
    assert "request_timeout" not in str(raised.value)


def test_https_to_a_plain_http_port_is_a_tls_handshake_failure(airbyte_sandbox, make_client):
    url = airbyte_sandbox.base_url.replace("http://", "https://")

    with pytest.raises(AirbyteConnectionError) as raised:
        make_client(api_url=url).list_connections()

    assert raised.value.reason == "tls"
    assert f"TLS handshake with 127.0.0.1:{airbyte_sandbox.port} failed" in str(raised.value)
    assert "http://" in str(raised.value)
    assert "request_timeout" not in str(raised.value)


@pytest.mark.slow
def test_a_slow_answer_is_a_timeout_and_only_then_is_request_timeout_advised(
    airbyte_sandbox, make_client
):
    airbyte_sandbox.faults.delay("/connections", 2.0, times=1)
    client = make_client(request_timeout=0.5, max_retries=0)

    with pytest.raises(AirbyteConnectionError) as raised:
        client.list_connections()

    assert raised.value.reason == "read-timeout"
    assert f"127.0.0.1:{airbyte_sandbox.port} did not answer within request_timeout=0.5 s" in str(
        raised.value
    )
    assert "raise request_timeout" in str(raised.value)


# --------------------------------------------------------------------- a self-signed HTTPS server


class _EmptyApi(FixedAnswers):
    def do_GET(self) -> None:
        body = json.dumps({"data": [], "previous": None, "next": None}).encode()
        self.answer(200, "application/json", body)


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(API URL, certificate path) of a local HTTPS server whose certificate nobody trusts."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    wrap = functools.partial(context.wrap_socket, server_side=True)
    with serving(_EmptyApi, wrap) as port:
        yield f"https://127.0.0.1:{port}/v1", cert


@pytest.mark.slow
def test_an_untrusted_certificate_points_at_the_ca_bundle_settings(self_signed_https, monkeypatch):
    url, cert = self_signed_https
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    with pytest.raises(AirbyteConnectionError) as raised, AirbyteClient(url, api_token="t") as c:
        c.list_connections()

    message = str(raised.value)
    assert raised.value.reason == "tls"
    assert f"TLS certificate of {url.split('/')[2]} is not trusted" in message
    assert "REQUESTS_CA_BUNDLE" in message and "CURL_CA_BUNDLE" in message
    assert "request_timeout" not in message

    # And the advice works: trusting that certificate through the variable is enough.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    with AirbyteClient(url, api_token="t") as client:
        assert client.list_connections() == []
