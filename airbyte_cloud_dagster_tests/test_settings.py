"""Every setting of the resource is checked: a misspelt one is refused with the closest name,
and an EnvVar that is not set is named, not reported as a setting left out."""

import dagster as dg
import pydantic
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource
from airbyte_cloud_dagster.api import AirbyteConfigurationError

API_URL = "http://127.0.0.1:9/v1"  # never reached: these fail before any request


@pytest.mark.parametrize(
    ("misspelt", "meant"),
    [
        ({"sync_timout": 5}, "sync_timeout"),
        ({"workspaceId": "9924bcd0-99be-453d-ba47-c2c9766f7da5"}, "workspace_id"),
        ({"client_id": "app", "client_secert": "s3cret"}, "client_secret"),
    ],
)
def test_a_misspelt_setting_is_refused_with_the_closest_name(misspelt, meant):
    with pytest.raises(pydantic.ValidationError) as raised:
        AirbyteCloudResource(api_url=API_URL, **misspelt)

    message = str(raised.value)
    (name,) = [key for key in misspelt if key != "client_id"]
    assert f"{name} is not a setting of AirbyteCloudResource; did you mean {meant}?" in message
    assert "s3cret" not in message


def test_an_env_var_that_is_not_set_is_named(airbyte_sandbox, monkeypatch):
    monkeypatch.setenv("TEST_AIRBYTE_CLIENT_ID", airbyte_sandbox.client_id)
    monkeypatch.delenv("TEST_AIRBYTE_CLIENT_SECRET", raising=False)
    airbyte = AirbyteCloudResource(
        api_url=airbyte_sandbox.base_url,
        client_id=dg.EnvVar("TEST_AIRBYTE_CLIENT_ID"),
        client_secret=dg.EnvVar("TEST_AIRBYTE_CLIENT_SECRET"),
    )
    before = len(airbyte_sandbox.requests)

    with pytest.raises(AirbyteConfigurationError) as raised:
        airbyte.get_client()

    assert str(raised.value).startswith(
        "client_secret reads the environment variable TEST_AIRBYTE_CLIENT_SECRET, which is not set"
    )
    assert len(airbyte_sandbox.requests) == before
