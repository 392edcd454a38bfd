"""The component's ``workspace:`` block for a self-managed Airbyte behind Basic auth, an access
proxy and a corporate proxy: the password, each header value and the proxy URL stay
``{{ env.X }}`` -> ``dagster.EnvVar``; a wrong mix is named by its YAML path."""

from __future__ import annotations

import dagster as dg
import pytest

from airbyte_cloud_dagster.sandbox import Sandbox

from ..helpers import STRIPE
from ..network import ForwardProxy, clean_network_environment
from .project import error_chain, sandbox_workspace

HEADERS = {"CF-Access-Client-Id": "cf-id.access", "CF-Access-Client-Secret": "cf-s3cret-77d2"}


def load_error(project) -> str:
    with pytest.raises(Exception) as raised:
        project.load()
    return error_chain(raised.value)


@pytest.mark.slow  # dg refresh-defs-state and a load, about 2 s
def test_basic_auth_headers_and_a_proxy_from_the_environment_stay_env_vars(
    make_project, monkeypatch, tmp_path
):
    clean_network_environment(monkeypatch)
    with (
        Sandbox(
            basic_auth=("airbyte", "basic-pw-0c4e"),
            required_headers=HEADERS,
            warehouse_path=tmp_path / "w.db",
        ) as sandbox,
        ForwardProxy(credentials=("corp-user", "proxy-pw-5e1")) as proxy,
    ):
        monkeypatch.setenv("TEST_AIRBYTE_PASSWORD", "basic-pw-0c4e")
        monkeypatch.setenv("TEST_CF_ACCESS_CLIENT_SECRET", HEADERS["CF-Access-Client-Secret"])
        monkeypatch.setenv("TEST_AIRBYTE_PROXY_URL", proxy.url)
        project = make_project(
            {
                "workspace": {
                    "api_url": sandbox.self_managed_url,
                    "username": "airbyte",
                    "password": "{{ env.TEST_AIRBYTE_PASSWORD }}",
                    "extra_headers": {
                        "CF-Access-Client-Id": HEADERS["CF-Access-Client-Id"],
                        "CF-Access-Client-Secret": "{{ env.TEST_CF_ACCESS_CLIENT_SECRET }}",
                    },
                    "proxy_url": "{{ env.TEST_AIRBYTE_PROXY_URL }}",
                    "verify": True,
                },
                "connection_selector": {"by_name": [STRIPE]},
            }
        )

        project.refresh_state()
        defs = project.load()
        resource = defs.resources["airbyte"]
        names = [connection.name for connection in resource.list_connections()]
        resource.get_client().close()

    assert names and STRIPE in names
    assert resource.password == dg.EnvVar("TEST_AIRBYTE_PASSWORD")
    assert resource.proxy_url == dg.EnvVar("TEST_AIRBYTE_PROXY_URL")
    assert resource.extra_headers == {
        "CF-Access-Client-Id": "cf-id.access",
        "CF-Access-Client-Secret": dg.EnvVar("TEST_CF_ACCESS_CLIENT_SECRET"),
    }
    assert isinstance(resource.extra_headers["CF-Access-Client-Secret"], dg.EnvVar)
    assert proxy.seen and all(p.status == 200 for p in proxy.seen)
    assert all(r.status == 200 for r in sandbox.requests)


@pytest.mark.parametrize(
    ("workspace", "said"),
    [
        (
            {"api_token": "{{ env.AIRBYTE_API_TOKEN }}", "username": "airbyte"},
            "workspace: Both api_token and username/password were given; pass one kind of "
            "credentials, not both",
        ),
        ({"username": "airbyte"}, "workspace.password is missing; Basic auth needs both"),
        (
            {
                "client_id": "{{ env.AIRBYTE_CLIENT_ID }}",
                "client_secret": "{{ env.AIRBYTE_CLIENT_SECRET }}",
                "extra_headers": {"Authorization": "{{ env.GATE_TOKEN }}"},
            },
            "workspace.extra_headers sets Authorization, and so does client_id and client_secret",
        ),
        (
            {"verify": "/etc/corp/missing-ca.pem"},
            "verify='/etc/corp/missing-ca.pem' is not a file or folder of CA certificates",
        ),
        ({"extra_headers": {"CF Access": "x"}}, "'CF Access', which is not an HTTP header name"),
    ],
)
def test_a_wrong_auth_or_network_setting_in_yaml_is_named(make_project, workspace, said):
    assert said in load_error(make_project({"workspace": workspace}))


def test_verify_takes_a_ca_bundle_path_or_false_in_yaml(airbyte_sandbox, make_project, tmp_path):
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("")  # only checked to exist when the resource is built
    as_path = make_project({"workspace": sandbox_workspace(airbyte_sandbox, verify=str(bundle))})
    as_false = make_project({"workspace": sandbox_workspace(airbyte_sandbox, verify=False)})

    # No state refreshed: each load fetches the workspace (plain http://, so verify is unused).
    assert as_path.load().resources["airbyte"].verify == str(bundle)
    assert as_false.load().resources["airbyte"].verify is False
