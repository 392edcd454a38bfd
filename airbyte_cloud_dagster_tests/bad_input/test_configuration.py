"""Settings of AirbyteClient and AirbyteCloudResource refused before any request, each in one
sentence that names the setting and says what to write instead."""

from __future__ import annotations

import math

import dagster as dg
import pydantic
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets
from airbyte_cloud_dagster.api import AirbyteAuthError, AirbyteClient, AirbyteConfigurationError

from ..helpers import sandbox_resource
from .expect import assert_clear, refusal

API_URL = "https://api.airbyte.com/v1"
REMOTE_HTTP = "http://airbyte.corp.example/api/public/v1"
SECRETS = ["s3cret", "t0ken"]
UNSET = "AIRBYTE_BAD_INPUT_UNSET"

TWO_KINDS = (
    {"client_id": "app", "client_secret": "s3cret", "api_token": "t0ken"},
    ["client_id/client_secret and api_token were given"],
    ["pass one kind of credentials, not both"],
)
HALF_APPLICATION = (
    {"client_secret": "s3cret"},
    ["client_id is missing"],
    ["need both client_id and client_secret"],
)
NO_SCHEME = (
    {"api_url": "api.airbyte.com/v1"},
    ["api_url='api.airbyte.com/v1' is not an absolute http(s) URL"],
    ["use e.g. 'https://api.airbyte.com/v1'"],
)
PLAIN_HTTP = (
    {"api_url": REMOTE_HTTP, "api_token": "t0ken"},
    ["plain http:// to a host that is not this machine"],
    ["use https://, or pass allow_insecure_http=True"],
)


def _timeout(name: str, value: float, *fix: str):
    return pytest.param(
        {name: value},
        [f"{name}={value!r}"],
        ["must be a finite number of seconds > 0", *fix],
        id=f"{name}={value}",
    )


# Refused alike by the client and the resource.
BOTH = [
    pytest.param(*TWO_KINDS, id="two-auth-modes"),
    pytest.param(*HALF_APPLICATION, id="secret-without-id"),
    pytest.param(*NO_SCHEME, id="url-without-scheme"),
    pytest.param(*PLAIN_HTTP, id="plain-http-to-a-remote-host"),
]


@pytest.mark.parametrize(
    ("settings", "problem", "fix"),
    [
        *BOTH,
        _timeout("request_timeout", -1),
        _timeout("request_timeout", math.nan),
        _timeout("request_timeout", math.inf),
        pytest.param(
            {"client_id": "app", "client_secert": "s3cret"},
            ["client_secert is not a setting of AirbyteClient"],
            ["did you mean client_secret?"],
            id="misspelt-keyword",
        ),
    ],
)
def test_the_client_refuses_a_bad_setting_when_built(settings, problem, fix):
    settings = {"api_url": API_URL, **settings}

    with pytest.raises(AirbyteConfigurationError) as raised:
        AirbyteClient(settings.pop("api_url"), **settings)

    assert_clear(raised.value, AirbyteConfigurationError, problem=problem, fix=fix, secrets=SECRETS)


@pytest.mark.parametrize(
    ("settings", "problem", "fix"),
    [
        *BOTH,
        _timeout("sync_timeout", -1.0, "leave sync_timeout unset for no limit"),
        _timeout("sync_timeout", math.nan, "leave sync_timeout unset for no limit"),
        _timeout("sync_timeout", math.inf, "leave sync_timeout unset for no limit"),
        _timeout("request_timeout", -5.0),
        pytest.param(
            {"workspaceId": "9924bcd0-99be-453d-ba47-c2c9766f7da5"},
            ["workspaceId is not a setting of AirbyteCloudResource"],
            ["did you mean workspace_id?"],
            id="workspaceId",
        ),
        pytest.param(
            {"sync_timout": 5},
            ["sync_timout is not a setting of AirbyteCloudResource"],
            ["did you mean sync_timeout?"],
            id="sync_timout",
        ),
        pytest.param(
            {"client_id": "app", "client_secert": "s3cret"},
            ["client_secert is not a setting of AirbyteCloudResource"],
            ["did you mean client_secret?"],
            id="client_secert",
        ),
    ],
)
def test_the_resource_refuses_a_bad_setting_when_built(settings, problem, fix):
    with pytest.raises(pydantic.ValidationError) as raised:
        AirbyteCloudResource(**{"api_url": API_URL, **settings})

    assert_clear(
        refusal(raised.value), AirbyteConfigurationError, problem=problem, fix=fix, secrets=SECRETS
    )
    assert not any(secret in str(raised.value) for secret in SECRETS)


@pytest.mark.parametrize(
    ("field", "fix"),
    [
        ("client_secret", "set it where the definitions load and where runs execute"),
        # Not taken for "every workspace": the variable is named.
        ("workspace_id", "set it where the definitions load"),
    ],
)
def test_an_unset_env_var_is_named_before_any_request(airbyte_sandbox, monkeypatch, field, fix):
    monkeypatch.delenv(UNSET, raising=False)
    airbyte = sandbox_resource(airbyte_sandbox, **{field: dg.EnvVar(UNSET)})

    with pytest.raises(AirbyteConfigurationError) as raised:
        load_airbyte_cloud_assets(airbyte=airbyte)

    assert_clear(
        raised.value,
        AirbyteConfigurationError,
        problem=[f"{field} reads the environment variable {UNSET}, which is not set"],
        fix=[fix],
    )
    assert airbyte_sandbox.requests == []


def test_no_credentials_where_airbyte_requires_them_says_which_to_pass(airbyte_sandbox):
    with (
        AirbyteClient(airbyte_sandbox.base_url) as client,
        pytest.raises(AirbyteAuthError) as raised,
    ):
        client.list_connections()

    assert_clear(
        raised.value,
        AirbyteAuthError,
        problem=["returned 401 to a client configured without credentials"],
        fix=["pass client_id and client_secret (or api_token"],
    )
