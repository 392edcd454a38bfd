"""A malformed defs.yaml fails the load with a message that names the field to fix."""

from __future__ import annotations

import pytest

from ..helpers import STRIPE
from .project import error_chain, sandbox_workspace

CLOUD = {
    "client_id": "{{ env.AIRBYTE_CLIENT_ID }}",
    "client_secret": "{{ env.AIRBYTE_CLIENT_SECRET }}",
}


def load_error(project) -> str:
    with pytest.raises(Exception) as raised:
        project.load()
    return error_chain(raised.value)


def test_an_unknown_field_is_named(make_project):
    project = make_project({"workspace": CLOUD, "conection_selector": {"by_name": [STRIPE]}})

    message = load_error(project)

    assert "conection_selector" in message
    assert "defs.yaml" in message


def test_an_unknown_workspace_setting_is_named(make_project):
    project = make_project({"workspace": {**CLOUD, "poll_intervall": 5}})

    assert "poll_intervall" in load_error(project)


def test_a_selector_with_no_known_list_is_named(make_project):
    project = make_project({"workspace": CLOUD, "connection_selector": {"by_title": [STRIPE]}})

    assert "by_title" in load_error(project)


def test_two_selectors_at_once_are_refused(make_project):
    project = make_project(
        {"workspace": CLOUD, "connection_selector": {"by_name": [STRIPE], "by_id": ["x"]}}
    )

    assert "connection_selector takes exactly one of by_id, by_name, by_name_pattern" in (
        load_error(project)
    )


def test_a_connection_id_that_is_not_an_id_is_named(make_project):
    project = make_project({"workspace": CLOUD, "connection_selector": {"by_id": [STRIPE]}})

    message = load_error(project)

    assert "connection_selector.by_id: 'Stripe → Warehouse' is not a connection id" in message
    assert "use connection_selector.by_name" in message


def test_a_client_id_without_its_secret_is_named(make_project):
    project = make_project({"workspace": {"client_id": "{{ env.AIRBYTE_CLIENT_ID }}"}})

    assert "workspace.client_secret is missing" in load_error(project)


def test_a_wrong_execution_style_lists_the_choices(make_project):
    project = make_project({"workspace": CLOUD, "execution": "parallel"})

    message = load_error(project)

    assert "execution" in message and "per_connection" in message and "one_step" in message


def test_an_unset_secret_variable_is_named_before_any_request(
    airbyte_sandbox, make_project, monkeypatch
):
    monkeypatch.delenv("AIRBYTE_TEST_UNSET_SECRET", raising=False)
    workspace = sandbox_workspace(
        airbyte_sandbox, client_secret="{{ env.AIRBYTE_TEST_UNSET_SECRET }}"
    )
    project = make_project({"workspace": workspace})

    with pytest.raises(AssertionError) as raised:
        project.refresh_state()

    message = error_chain(raised.value)
    assert "workspace.client_secret reads the environment variable AIRBYTE_TEST_UNSET_SECRET" in (
        message
    )
    assert airbyte_sandbox.requests == []


def test_a_translation_template_naming_a_missing_attribute_points_at_its_line(
    airbyte_sandbox, make_project
):
    project = make_project(
        {
            "workspace": sandbox_workspace(airbyte_sandbox),
            "translation": {"group_name": "{{ props.conection.name }}"},
        }
    )
    project.refresh_state()

    message = load_error(project)

    assert "attributes.translation.group_name" in message
    assert "has no attribute 'conection'" in message
