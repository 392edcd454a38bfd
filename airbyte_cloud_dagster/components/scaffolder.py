"""``dg scaffold defs airbyte_cloud_dagster.components.AirbyteWorkspaceComponent PATH``.

Writes ``PATH/defs.yaml`` with the credentials read from environment variables (never a
secret in the file) and only the settings given on the command line::

    dg scaffold defs airbyte_cloud_dagster.components.AirbyteWorkspaceComponent airbyte \\
        --workspace-id 7c1f... --connection-name-pattern "* → Warehouse" --execution one_step \\
        --key-scheme dagster_airbyte
"""

from __future__ import annotations

from typing import Any, Literal

import dagster as dg
import yaml
from dagster.components import scaffold_component
from pydantic import BaseModel, Field

HEADER = """\
# Airbyte connections as Dagster assets. Load the workspace into the component's state with
#   dg utils refresh-defs-state
# (again whenever connections change in Airbyte); loading definitions then makes no API call.
"""

DEFAULT_ENV = {
    "client_id": "AIRBYTE_CLIENT_ID",
    "client_secret": "AIRBYTE_CLIENT_SECRET",
    "api_token": "AIRBYTE_API_TOKEN",
}


class AirbyteScaffoldParams(BaseModel):
    """The options of ``dg scaffold defs ...AirbyteWorkspaceComponent``."""

    api_url: str | None = Field(
        default=None,
        description="Airbyte API URL; default Airbyte Cloud (https://api.airbyte.com/v1).",
    )
    workspace_id: str | None = Field(default=None, description="The Airbyte workspace id.")
    auth: Literal["client_credentials", "api_token", "none"] = Field(
        default="client_credentials",
        description=(
            "client_credentials: AIRBYTE_CLIENT_ID / AIRBYTE_CLIENT_SECRET; api_token: "
            "AIRBYTE_API_TOKEN; none: self-managed Airbyte with auth off."
        ),
    )
    connection_id: list[str] | None = Field(default=None, description="Select by id.")
    connection_name: list[str] | None = Field(default=None, description="Select by name.")
    connection_name_pattern: list[str] | None = Field(
        default=None, description="Select by a name pattern such as '* → Warehouse'."
    )
    execution: Literal["per_connection", "one_step"] | None = None
    wait_mode: Literal["blocking", "sensor"] | None = None
    mirror_schedules: bool | None = Field(
        default=None, description="Mirror the schedules Airbyte runs connections on."
    )
    key_scheme: Literal["namespace_table", "dagster_airbyte"] | None = Field(
        default=None,
        description="dagster_airbyte: keep the asset keys dagster-airbyte gave the tables.",
    )


class AirbyteWorkspaceComponentScaffolder(dg.Scaffolder[AirbyteScaffoldParams]):
    """Writes a ``defs.yaml`` that loads from state and keeps secrets in the environment."""

    @classmethod
    def get_scaffold_params(cls) -> type[AirbyteScaffoldParams]:
        return AirbyteScaffoldParams

    def scaffold(self, request: dg.ScaffoldRequest[AirbyteScaffoldParams]) -> None:
        attributes = scaffold_attributes(request.params or AirbyteScaffoldParams())
        if request.scaffold_format != "yaml" or request.append:
            scaffold_component(request, attributes)
            return
        # Written here rather than by scaffold_component to keep names like "A → B" readable.
        document = yaml.safe_dump(
            {"type": request.type_name, "attributes": attributes},
            allow_unicode=True,
            sort_keys=False,
        )
        (request.target_path / "defs.yaml").write_text(HEADER + document, encoding="utf-8")


def scaffold_attributes(params: AirbyteScaffoldParams) -> dict[str, Any]:
    """The ``attributes:`` of the scaffolded ``defs.yaml``."""
    workspace: dict[str, Any] = {}
    if params.api_url:
        workspace["api_url"] = params.api_url
    if params.workspace_id:
        workspace["workspace_id"] = params.workspace_id
    secrets = {
        "client_credentials": ("client_id", "client_secret"),
        "api_token": ("api_token",),
        "none": (),
    }[params.auth]
    for name in secrets:
        workspace[name] = f"{{{{ env.{DEFAULT_ENV[name]} }}}}"
    if params.wait_mode:
        workspace["wait_mode"] = params.wait_mode
    attributes: dict[str, Any] = {"workspace": workspace}
    selectors = {
        "by_id": params.connection_id,
        "by_name": params.connection_name,
        "by_name_pattern": params.connection_name_pattern,
    }
    chosen = {field: list(values) for field, values in selectors.items() if values}
    if len(chosen) > 1:
        raise dg.DagsterInvalidDefinitionError(
            "Give one of --connection-id, --connection-name, --connection-name-pattern."
        )
    if chosen:
        attributes["connection_selector"] = chosen
    if params.execution:
        attributes["execution"] = params.execution
    if params.mirror_schedules:
        attributes["schedules"] = {"mirror_airbyte": True}
    if params.key_scheme:
        attributes["key_scheme"] = params.key_scheme
    return attributes
