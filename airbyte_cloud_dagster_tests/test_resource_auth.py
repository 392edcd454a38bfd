"""The resource in front of a self-managed Airbyte behind Basic auth, an access proxy, a
corporate proxy or a private CA: settings refused when it is built, a sync through each, and
no password, header value or proxy credential in what Dagster shows."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import dagster as dg
import pydantic
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource
from airbyte_cloud_dagster.api import AirbyteConfigurationError
from airbyte_cloud_dagster.sandbox import Sandbox

from .helpers import STRIPE, sandbox_resource, stripe_assets
from .network import ForwardProxy, clean_network_environment, make_certificates

PASSWORD = "basic-pw-0c4e"
HEADER_SECRET = "cf-s3cret-77d2"
PROXY_PASSWORD = "proxy-pw-5e1"
HEADERS = {"CF-Access-Client-Id": "cf-id.access", "CF-Access-Client-Secret": HEADER_SECRET}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch) -> None:
    clean_network_environment(monkeypatch)


@pytest.fixture
def gated_sandbox(tmp_path) -> Iterator[Sandbox]:
    """Airbyte with its own auth off behind Basic auth and an access proxy's headers."""
    with Sandbox(
        basic_auth=("airbyte", PASSWORD),
        required_headers=HEADERS,
        job_duration=0.3,
        warehouse_path=tmp_path / "w.db",
    ) as sandbox:
        yield sandbox


def gated_resource(sandbox: Sandbox, **settings) -> AirbyteCloudResource:
    """What a user writes for the gated sandbox, secrets as EnvVars."""
    defaults = {
        "api_url": sandbox.self_managed_url,
        "client_id": None,
        "client_secret": None,
        "username": "airbyte",
        "password": dg.EnvVar("TEST_AIRBYTE_PASSWORD"),
        "extra_headers": {
            "CF-Access-Client-Id": HEADERS["CF-Access-Client-Id"],
            "CF-Access-Client-Secret": dg.EnvVar("TEST_CF_ACCESS_CLIENT_SECRET"),
        },
    }
    return sandbox_resource(sandbox, **{**defaults, **settings})


@pytest.fixture
def secrets_in_environment(monkeypatch) -> None:
    monkeypatch.setenv("TEST_AIRBYTE_PASSWORD", PASSWORD)
    monkeypatch.setenv("TEST_CF_ACCESS_CLIENT_SECRET", HEADER_SECRET)


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (
            {"api_token": "tok", "username": "airbyte", "password": PASSWORD},
            "client_id/client_secret, api_token and username/password were all given; pass only "
            "one kind",
        ),
        (
            {"client_id": None, "client_secret": None, "username": "airbyte"},
            "password is missing; Basic auth needs both username and password.",
        ),
        (
            {"client_id": None, "client_secret": None, "password": PASSWORD},
            "username is missing; Basic auth needs both username and password.",
        ),
        (
            {"username": "airbyte", "password": PASSWORD},
            "Both client_id/client_secret and username/password were given; pass one kind of "
            "credentials, not both",
        ),
        (
            {"extra_headers": {"Authorization": f"Bearer {HEADER_SECRET}"}},
            "extra_headers sets Authorization, and so does client_id and client_secret; leave "
            "Authorization out of extra_headers, or drop client_id and client_secret.",
        ),
        (
            {"extra_headers": {"CF-Access-Client-Secret": f" {HEADER_SECRET}"}},
            "extra_headers['CF-Access-Client-Secret'] has a line break, a leading or trailing "
            "blank",
        ),
        (
            {"verify": "/etc/corp/missing-ca.pem"},
            "verify='/etc/corp/missing-ca.pem' is not a file or folder of CA certificates",
        ),
        (
            {"verify": dg.EnvVar("CORP_CA_BUNDLE")},
            "verify=EnvVar('CORP_CA_BUNDLE') is not supported",
        ),
        (
            {"proxy_url": f"corp-user:{PROXY_PASSWORD}@proxy.corp:3128"},
            "proxy_url='***@proxy.corp:3128' is not a proxy URL; use e.g. 'http://proxy.corp:3128'",
        ),
    ],
)
def test_a_wrong_auth_or_network_setting_is_refused_when_the_resource_is_built(
    airbyte_sandbox, settings, said
):
    with pytest.raises(pydantic.ValidationError) as raised:
        sandbox_resource(airbyte_sandbox, **settings)

    message = str(raised.value)
    assert said in message
    for secret in (PASSWORD, HEADER_SECRET, PROXY_PASSWORD):
        assert secret not in message
    assert airbyte_sandbox.requests == []


def test_an_unset_header_variable_is_named_before_any_request(gated_sandbox, monkeypatch):
    monkeypatch.setenv("TEST_AIRBYTE_PASSWORD", PASSWORD)
    monkeypatch.delenv("TEST_CF_ACCESS_CLIENT_SECRET", raising=False)

    with pytest.raises(AirbyteConfigurationError) as raised:
        gated_resource(gated_sandbox).list_connections()

    assert str(raised.value) == (
        "extra_headers['CF-Access-Client-Secret'] reads the environment variable "
        "TEST_CF_ACCESS_CLIENT_SECRET, which is not set; set it where the definitions load and "
        "where runs execute."
    )
    assert gated_sandbox.requests == []


# --------------------------------------------------------------------------- syncs


def test_a_sync_through_the_resource_with_basic_auth(gated_sandbox, secrets_in_environment):
    airbyte = gated_resource(gated_sandbox)
    connection_id = gated_sandbox.connection_id(STRIPE)

    job = airbyte.sync_and_wait(connection_id)

    assert job.succeeded
    assert job.rows_synced == gated_sandbox.job(job.job_id)["rowsSynced"] > 0
    assert all(r.status < 400 for r in gated_sandbox.requests)
    assert not [r for r in gated_sandbox.requests if r.path.endswith("/applications/token")]


def test_a_ca_bundle_and_a_proxy_through_the_resource(tmp_path):
    pytest.importorskip("cryptography", reason="the cryptography package makes the test CA")
    certificates = make_certificates(tmp_path / "tls")
    with (
        Sandbox(
            ssl_certfile=certificates.server_cert,
            ssl_keyfile=certificates.server_key,
            warehouse_path=tmp_path / "w.db",
        ) as sandbox,
        ForwardProxy() as proxy,
    ):
        airbyte = sandbox_resource(sandbox, verify=str(certificates.ca), proxy_url=proxy.url)
        names = {connection.name for connection in airbyte.list_connections()}
        airbyte.get_client().close()

    assert STRIPE in names
    assert [p.method for p in proxy.seen] == ["CONNECT", "CONNECT"]  # the token, the API


@pytest.mark.slow  # two runs and a load, about 1.5 s
def test_no_password_header_value_or_proxy_credential_in_what_dagster_shows(
    gated_sandbox, secrets_in_environment, caplog
):
    caplog.set_level(logging.DEBUG)
    with ForwardProxy(credentials=("corp-user", PROXY_PASSWORD)) as proxy:
        airbyte = gated_resource(gated_sandbox, proxy_url=proxy.url)
        assets = stripe_assets(airbyte)
        synced = dg.materialize(assets, resources={"airbyte": airbyte})
        # The same assets, the gate's secret header now wrong: the step fails.
        refused = dg.materialize(
            assets,
            resources={
                "airbyte": gated_resource(
                    gated_sandbox,
                    proxy_url=proxy.url,
                    extra_headers={**HEADERS, "CF-Access-Client-Secret": "wrong"},
                )
            },
            raise_on_error=False,
        )

    assert synced.success and not refused.success
    assert proxy.seen and all(p.status in (200, 403) for p in proxy.seen)
    failure = next(e for e in refused.all_events if e.event_type_value == "STEP_FAILURE")
    assert "extra_headers" in str(failure.step_failure_data.error)
    shown = "\n".join(
        [
            *(str(event) for result in (synced, refused) for event in result.all_events),
            *(record.getMessage() for record in caplog.records),
            repr(airbyte),
            str(airbyte),
            repr(airbyte.get_client()),
        ]
    )
    for secret in (PASSWORD, HEADER_SECRET, PROXY_PASSWORD):
        assert secret not in shown, secret
