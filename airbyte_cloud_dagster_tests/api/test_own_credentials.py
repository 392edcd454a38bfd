"""The client sends the credentials it was given, whatever ~/.netrc or the URL say."""

import pytest

from airbyte_cloud_dagster.api import AirbyteClient, AirbyteConfigurationError


def test_a_netrc_entry_for_the_host_does_not_replace_the_token(
    airbyte_sandbox, tmp_path, monkeypatch
):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-the-token\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))  # requests reads it when a session has no auth
    client = AirbyteClient(
        airbyte_sandbox.base_url,
        client_id=airbyte_sandbox.client_id,
        client_secret=airbyte_sandbox.client_secret,
    )

    with client:
        assert client.list_connections()  # a 401 (Basic from netrc) would raise


def test_credentials_in_the_api_url_are_refused_without_being_shown():
    with pytest.raises(AirbyteConfigurationError) as raised:
        AirbyteClient("https://airbyte:s3cret@airbyte.example.com/api/public/v1")

    message = str(raised.value)
    assert "username= and password=" in message and "s3cret" not in message
