"""Self-managed Airbyte behind Basic auth, an access proxy (Cloudflare Access, IAP), a
corporate proxy or a private certificate authority: each option over real HTTP, against a
sandbox that requires it."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteAuthError,
    AirbyteClient,
    AirbyteConfigurationError,
    AirbyteConnectionError,
    PollPolicy,
)
from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster_tests.api.helpers import token_requests
from airbyte_cloud_dagster_tests.helpers import STRIPE
from airbyte_cloud_dagster_tests.network import (
    Certificates,
    ForwardProxy,
    clean_network_environment,
    free_port,
    make_certificates,
)

BASIC = ("airbyte", "basic-pw-7f3a")
GATE_HEADERS = {"CF-Access-Client-Id": "cf-id.access", "CF-Access-Client-Secret": "cf-s3cret-91b"}
FAST = PollPolicy(poll_interval=0.05, poll_interval_max=0.1)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch) -> None:
    clean_network_environment(monkeypatch)


@pytest.fixture
def basic_sandbox(tmp_path) -> Iterator[Sandbox]:
    """Airbyte with its own auth off behind a Basic-auth proxy."""
    with Sandbox(basic_auth=BASIC, job_duration=0.3, warehouse_path=tmp_path / "w.db") as sb:
        yield sb


@pytest.fixture
def gated_sandbox(tmp_path) -> Iterator[Sandbox]:
    """Airbyte (client credentials) behind an access proxy that asks for two headers."""
    with Sandbox(required_headers=GATE_HEADERS, warehouse_path=tmp_path / "w.db") as sb:
        yield sb


@pytest.fixture
def certificates(tmp_path) -> Certificates:
    pytest.importorskip("cryptography", reason="the cryptography package makes the test CA")
    return make_certificates(tmp_path / "tls")


@pytest.fixture
def https_sandbox(tmp_path, certificates) -> Iterator[Sandbox]:
    """Airbyte over HTTPS, its certificate signed by a private CA nobody trusts by default."""
    with Sandbox(
        ssl_certfile=certificates.server_cert,
        ssl_keyfile=certificates.server_key,
        warehouse_path=tmp_path / "w.db",
    ) as sb:
        yield sb


# --------------------------------------------------------------------------- Basic auth


def test_basic_auth_goes_on_every_request_and_no_token_is_asked_for(basic_sandbox, make_client):
    client = make_client(
        basic_sandbox,
        api_url=basic_sandbox.self_managed_url,
        client_id=None,
        client_secret=None,
        username=BASIC[0],
        password=BASIC[1],
    )

    job = client.sync_and_wait(basic_sandbox.connection_id(STRIPE), poll=FAST, timeout=30)

    assert job.succeeded
    assert basic_sandbox.requests and all(r.status < 400 for r in basic_sandbox.requests)
    assert token_requests(basic_sandbox) == []


def test_a_wrong_basic_password_is_a_401_that_names_username_and_password(
    basic_sandbox, make_client
):
    client = make_client(
        basic_sandbox, client_id=None, client_secret=None, username=BASIC[0], password="nope"
    )

    with pytest.raises(AirbyteAuthError) as raised:
        client.list_connections()

    message = str(raised.value)
    assert raised.value.status_code == 401
    assert "refused the username 'airbyte' and its password" in message
    assert "check username and password" in message
    assert "nope" not in message
    assert [r.status for r in basic_sandbox.requests] == [401]  # a 401 here is final


def test_a_client_without_basic_auth_is_told_to_pass_username_and_password(
    basic_sandbox, make_client
):
    with pytest.raises(AirbyteAuthError) as raised:
        make_client(basic_sandbox).list_connections()  # application credentials, no Basic

    assert "401 asking for HTTP Basic auth" in str(raised.value)
    assert "pass username and password" in str(raised.value)
    assert [r.path for r in basic_sandbox.requests] == ["/v1/applications/token"]


# --------------------------------------------------------------------------- an access proxy


def test_the_headers_an_access_proxy_asks_for_go_with_every_request_the_token_request_too(
    gated_sandbox, make_client
):
    client = make_client(gated_sandbox, extra_headers=GATE_HEADERS)

    client.list_connections()
    client.get_connection(gated_sandbox.connection_id(STRIPE))

    assert [r.status for r in token_requests(gated_sandbox)] == [200]
    assert len(gated_sandbox.requests) == 3
    assert all(r.status == 200 for r in gated_sandbox.requests)


def test_a_missing_header_is_a_403_that_names_extra_headers(gated_sandbox, make_client):
    client = make_client(
        gated_sandbox, extra_headers={"CF-Access-Client-Id": GATE_HEADERS["CF-Access-Client-Id"]}
    )

    with pytest.raises(AirbyteAuthError) as raised:
        client.list_connections()

    message = str(raised.value)
    assert raised.value.status_code == 403
    assert "returned 403, and not from the Airbyte API ('Access denied')" in message
    assert "pass the headers it expects in extra_headers" in message
    assert "refused the client id" not in message  # the gate refused, not Airbyte
    assert [r.status for r in gated_sandbox.requests] == [403]


# --------------------------------------------------------------------------- a forward proxy


def test_an_explicit_proxy_carries_every_request_whatever_the_environment_says(
    airbyte_sandbox, make_client, monkeypatch
):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nothing there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with ForwardProxy() as proxy:
        client = make_client(proxy_url=proxy.url)
        client.list_connections()
        client.get_connection(airbyte_sandbox.connection_id(STRIPE))
        client.close()

    # The proxy relayed every request the sandbox served: the token, the list, the connection.
    assert [urlsplit(p.target).path for p in proxy.seen] == [
        r.path for r in airbyte_sandbox.requests
    ]
    assert len(proxy.seen) == 3 and all(p.status == 200 for p in proxy.seen)


def test_without_proxy_url_the_proxy_comes_from_the_environment_as_requests_reads_it(
    airbyte_sandbox, make_client, monkeypatch
):
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client = make_client()
        client.list_workspaces()
        client.close()

    assert [p.method for p in proxy.seen] == ["POST", "GET"]  # the token, the workspaces


def test_a_proxy_that_asks_for_credentials_gets_those_of_proxy_url(airbyte_sandbox, make_client):
    with ForwardProxy(credentials=("corp-user", "proxy-pw-5e1")) as proxy:
        client = make_client(proxy_url=proxy.url)
        assert client.list_workspaces()
        wrong = make_client(proxy_url=proxy.url.replace("proxy-pw-5e1", "wrong-pw"))
        with pytest.raises(AirbyteAuthError) as raised:
            wrong.list_workspaces()
        client.close()
        wrong.close()

    message = str(raised.value)
    assert raised.value.status_code == 407
    assert "returned 407 from the proxy" in message
    assert "check the user and password in proxy_url" in message
    assert "wrong-pw" not in message and "proxy-pw-5e1" not in message
    assert sorted(p.status for p in proxy.seen) == [200, 200, 407]


def test_a_proxy_that_does_not_answer_is_named_with_proxy_url(airbyte_sandbox, make_client):
    port = free_port()
    client = make_client(proxy_url=f"http://corp-user:proxy-pw-5e1@127.0.0.1:{port}")

    with pytest.raises(AirbyteConnectionError) as raised:
        client.list_workspaces()

    message = str(raised.value)
    assert raised.value.reason == "proxy"
    assert f"the proxy could not be reached: 127.0.0.1:{port} refused the connection" in message
    assert message.endswith("check proxy_url.")
    assert "proxy-pw-5e1" not in message
    assert airbyte_sandbox.requests == []


# --------------------------------------------------------------------------- a private CA


def test_a_ca_bundle_makes_a_certificate_of_a_private_authority_trusted(
    https_sandbox, certificates, make_client
):
    client = make_client(https_sandbox, verify=str(certificates.ca))

    assert https_sandbox.base_url.startswith("https://")
    assert {c.name for c in client.list_connections()} >= {STRIPE}


def test_without_the_ca_bundle_the_certificate_is_not_trusted_and_the_message_says_verify(
    https_sandbox, make_client
):
    with pytest.raises(AirbyteConnectionError) as raised:
        make_client(https_sandbox).list_connections()

    message = str(raised.value)
    assert raised.value.reason == "tls"
    assert f"the TLS certificate of 127.0.0.1:{https_sandbox.port} is not trusted" in message
    assert "pass verify='<path of a PEM file of that authority's certificate>'" in message
    assert https_sandbox.requests == []


def test_a_bundle_of_another_authority_is_named_in_the_error(https_sandbox, make_client, tmp_path):
    other = make_certificates(tmp_path / "other", name="Other Corp").ca

    with pytest.raises(AirbyteConnectionError) as raised:
        make_client(https_sandbox, verify=str(other)).list_connections()

    assert f"is not trusted by verify={str(other)!r}" in str(raised.value)
    assert "holds the certificate of the authority that signed" in str(raised.value)


def test_https_through_a_proxy_is_a_tunnel_checked_against_the_ca_bundle(
    https_sandbox, certificates, make_client
):
    with ForwardProxy() as proxy:
        client = make_client(https_sandbox, verify=str(certificates.ca), proxy_url=proxy.url)
        assert client.list_workspaces()
        client.close()

    assert proxy.seen and {p.method for p in proxy.seen} == {"CONNECT"}
    assert {p.target for p in proxy.seen} == {f"127.0.0.1:{https_sandbox.port}"}


def test_verify_false_connects_with_one_warning_instead_of_one_per_request(
    https_sandbox, make_client, caplog
):
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        client = make_client(https_sandbox, verify=False)
        for _ in range(3):
            client.list_workspaces()

    said = [r.getMessage() for r in caplog.records if "verify=False" in r.getMessage()]
    assert len(said) == 1
    assert "pass verify='<path of your CA's PEM file>' instead" in said[0]
    assert not [w for w in caught if "Unverified HTTPS request" in str(w.message)]


# --------------------------------------------------------------------------- refused settings


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (
            {"verify": "/nonexistent/corp-ca.pem"},
            "verify='/nonexistent/corp-ca.pem' is not a file or folder of CA certificates",
        ),
        ({"verify": "yes"}, "verify='yes' is not a file or folder of CA certificates"),
        ({"proxy_url": "proxy.corp:3128"}, "proxy_url='proxy.corp:3128' is not a proxy URL"),
        (
            {"proxy_url": "ftp://u:proxy-pw-5e1@proxy.corp"},
            "proxy_url='ftp://***@proxy.corp' is not a proxy URL",
        ),
        (
            {"extra_headers": {"CF Access Client Id": "x"}},
            "extra_headers has the key 'CF Access Client Id', which is not an HTTP header name",
        ),
        (
            {"extra_headers": {"CF-Access-Client-Secret": "proxy-pw-5e1\n"}},
            "extra_headers['CF-Access-Client-Secret'] has a line break",
        ),
        (
            {"extra_headers": {"Authorization": "Bearer proxy-pw-5e1"}},
            "extra_headers sets Authorization, and so does client_id and client_secret",
        ),
        (
            {"username": "airbyte", "client_id": None, "client_secret": None},
            "password is missing; Basic auth needs both",
        ),
        (
            {"password": "proxy-pw-5e1", "client_id": None, "client_secret": None},
            "username is missing; Basic auth needs both",
        ),
        (
            {"username": "airbyte", "password": "proxy-pw-5e1"},
            "Both client_id/client_secret and username/password were given; pass one kind of "
            "credentials, not both",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused_before_any_request(
    airbyte_sandbox, make_client, settings, said
):
    with pytest.raises(AirbyteConfigurationError) as raised:
        make_client(**settings)

    assert said in str(raised.value)
    assert "proxy-pw-5e1" not in str(raised.value)
    assert airbyte_sandbox.requests == []


def test_headers_for_a_remote_plain_http_airbyte_are_refused_like_credentials():
    with pytest.raises(AirbyteConfigurationError, match="plain http://"):
        AirbyteClient("http://airbyte.corp.example/api/public/v1", extra_headers=GATE_HEADERS)
    AirbyteClient(
        "http://airbyte.corp.example/api/public/v1",
        extra_headers=GATE_HEADERS,
        allow_insecure_http=True,
    ).close()
