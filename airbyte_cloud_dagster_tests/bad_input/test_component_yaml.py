"""A malformed ``defs.yaml`` of the component fails the load at its line, with our sentence:
a misspelt key names the closest one, a value of the wrong kind says what to write, two kinds
of credentials say to keep one. Reuses components/'s project helpers."""

from __future__ import annotations

import pytest

from airbyte_cloud_dagster.api import AirbyteConfigurationError

from ..components.test_yaml_errors import CLOUD
from ..helpers import STRIPE
from .expect import assert_clear, refusal

CASES = [
    pytest.param(
        {"workspace": {**CLOUD, "sync_timout": 60}},
        "workspace.sync_timout is not a setting of AirbyteCloudResource",
        "did you mean sync_timeout?",
        id="misspelt-workspace-setting",
    ),
    pytest.param(
        {"workspace": CLOUD, "connection_selector": {"by_names": [STRIPE]}},
        "connection_selector.by_names is not one of by_id, by_name, by_name_pattern",
        "did you mean by_name?",
        id="misspelt-selector",
    ),
    pytest.param(
        {"workspace": {**CLOUD, "request_timeout": "soon"}},
        "workspace.request_timeout='soon' is not a number of seconds",
        "write e.g. request_timeout: 30",
        id="word-for-a-number",
    ),
    pytest.param(
        {"workspace": {**CLOUD, "cancel_on_timeout": "sometimes"}},
        "workspace.cancel_on_timeout='sometimes' is not true or false",
        "write e.g. cancel_on_timeout: true",
        id="word-for-a-switch",
    ),
    pytest.param(
        {"workspace": CLOUD, "connection_selector": {"by_name": STRIPE}},
        "connection_selector.by_name is one text, not a list",
        f"write it as a list, e.g. by_name: [{STRIPE!r}]",
        id="text-for-a-list",
    ),
    pytest.param(
        {"workspace": {**CLOUD, "api_token": "{{ env.AIRBYTE_API_TOKEN }}"}},
        "workspace: Both client_id/client_secret and api_token were given",
        "pass one kind of credentials, not both",
        id="two-auth-modes",
    ),
    pytest.param(
        {"workspace": CLOUD, "freshness": {"from_airbyte_schedule": True}},
        "freshness.grace_minutes is required with from_airbyte_schedule: true",
        "e.g. 30",
        id="freshness-without-grace",
    ),
]


@pytest.mark.parametrize(("attributes", "problem", "fix"), CASES)
def test_a_malformed_defs_yaml_fails_the_load_with_our_sentence(
    make_project, attributes, problem, fix
):
    project = make_project(attributes)

    with pytest.raises(Exception) as raised:
        project.load()

    assert type(raised.value).__name__ == "ComponentTreeException"  # Dagster's, not public
    assert "defs.yaml" in str(raised.value)  # the file, and its line, as dg reports them
    assert_clear(refusal(raised.value), AirbyteConfigurationError, problem=[problem], fix=[fix])
