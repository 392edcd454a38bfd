"""The gate a sandbox can stand behind: the headers an access proxy asks for, a Basic-auth
proxy, HTTPS; what raw HTTP gets from each. The client's side is in api/test_gates_and_proxies.py.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import requests

from airbyte_cloud_dagster.sandbox import Sandbox
from airbyte_cloud_dagster.sandbox.__main__ import parse_args

HEADERS = {"CF-Access-Client-Id": "cf-id", "CF-Access-Client-Secret": "cf-secret"}


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_an_access_proxy_answers_403_html_without_its_headers_and_lets_them_through(
    tmp_path: Path,
) -> None:
    with Sandbox(required_headers=HEADERS, warehouse_path=tmp_path / "w.db") as sb:
        token = sb.issue_token()
        bearer = {"Authorization": f"Bearer {token}"}
        wrong = {**HEADERS, "CF-Access-Client-Secret": "other"}
        lower = {name.lower(): value for name, value in HEADERS.items()}

        refused = requests.get(f"{sb.base_url}/workspaces", headers=bearer, timeout=5)
        wrong_value = requests.get(
            f"{sb.base_url}/workspaces", headers={**bearer, **wrong}, timeout=5
        )
        allowed = requests.get(f"{sb.base_url}/workspaces", headers={**bearer, **lower}, timeout=5)
        admin = requests.get(f"{sb.root_url}/_sandbox/requests", timeout=5)

    assert refused.status_code == wrong_value.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "<title>Access denied</title>" in refused.text
    assert allowed.status_code == 200  # header names are case-insensitive
    assert admin.status_code == 200  # the sandbox's own controls stay open
    assert [r.status for r in sb.requests] == [403, 403, 200]


def test_basic_auth_replaces_bearer_tokens_and_asks_for_itself(tmp_path: Path) -> None:
    with Sandbox(basic_auth=("airbyte", "pw"), warehouse_path=tmp_path / "w.db") as sb:
        missing = requests.get(f"{sb.self_managed_url}/workspaces", timeout=5)
        wrong = requests.get(
            f"{sb.self_managed_url}/workspaces", headers=_basic("airbyte", "nope"), timeout=5
        )
        right = requests.get(
            f"{sb.self_managed_url}/workspaces", headers=_basic("airbyte", "pw"), timeout=5
        )
        wrong_user = requests.get(
            f"{sb.self_managed_url}/workspaces", headers=_basic("admin", "pw"), timeout=5
        )
        token = requests.post(
            f"{sb.self_managed_url}/applications/token",
            json={"client_id": sb.client_id, "client_secret": sb.client_secret},
            timeout=5,
        )

    assert missing.status_code == wrong.status_code == token.status_code == 401
    assert wrong_user.status_code == 401  # the right password under another name
    assert missing.headers["www-authenticate"] == 'Basic realm="Airbyte"'
    assert "401 Authorization Required" in missing.text
    assert right.status_code == 200  # no bearer token needed
    assert [r.status for r in sb.requests] == [401, 401, 200, 401, 401]


def test_the_command_line_takes_the_gate_and_https_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parse_args(
        [
            *("--basic-auth", "airbyte:pw:with:colons"),
            *("--require-header", "CF-Access-Client-Id=cf-id"),
            *("--require-header", "X-Token=a=b"),
            *("--ssl-certfile", "cert.pem", "--ssl-keyfile", "key.pem"),
        ]
    )

    assert args.basic_auth == ("airbyte", "pw:with:colons")
    assert dict(args.require_header) == {"CF-Access-Client-Id": "cf-id", "X-Token": "a=b"}
    assert (args.ssl_certfile, args.ssl_keyfile) == (Path("cert.pem"), Path("key.pem"))
    with pytest.raises(SystemExit):
        parse_args(["--ssl-certfile", "cert.pem"])  # the key goes with it
    assert "--ssl-certfile and --ssl-keyfile go together" in capsys.readouterr().err
