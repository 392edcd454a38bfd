"""The snapshot command reaches a self-managed Airbyte behind Basic auth, from the environment."""

import json

from airbyte_cloud_dagster.cli import main
from airbyte_cloud_dagster.sandbox import Sandbox


def test_the_snapshot_command_uses_basic_auth_from_the_environment(tmp_path, monkeypatch, capsys):
    with Sandbox(basic_auth=("airbyte", "s3cret-basic")) as sandbox:
        monkeypatch.setenv("AIRBYTE_API_URL", sandbox.base_url)
        monkeypatch.setenv("AIRBYTE_USERNAME", "airbyte")
        monkeypatch.setenv("AIRBYTE_PASSWORD", "s3cret-basic")
        out = tmp_path / "snapshot.json"
        status = main(["snapshot", "--out", str(out)])

        monkeypatch.setenv("AIRBYTE_PASSWORD", "wrong-password")
        refused = main(["snapshot", "--out", str(tmp_path / "refused.json")])

    printed = capsys.readouterr()
    assert status == 0 and len(json.loads(out.read_text())["connections"]) == 3
    assert refused == 1 and "username" in printed.err
    assert "s3cret-basic" not in printed.err + printed.out
    assert "wrong-password" not in printed.err + printed.out
