"""``AirbyteWorkspaceComponent``: the whole Airbyte workspace from a few lines of YAML.

A state-backed Dagster component. Its state is the workspace snapshot (``snapshot.py``) of the
selected connections: ``dg utils refresh-defs-state`` fetches it (so does each ``dg dev`` load
with ``defs_state.refresh_if_dev: true``); loading definitions reads it and makes no API call.
The assets, schedules and sensor are the ones the Python API builds (``assets.py``,
``schedules.py``, ``sensor.py``) from the same data, so a YAML user and a Python user get the
same definitions. What lives elsewhere: the schedules, sensor, checks and freshness in
``automation.py``; the YAML blocks in ``models.py`` and ``translation.py``; fetching and
reading the state in ``state.py``, the ``dg scaffold`` options in ``scaffolder.py``.

Example ``defs.yaml``::

    type: airbyte_cloud_dagster.components.AirbyteWorkspaceComponent
    attributes:
      workspace:
        workspace_id: 7c1f4a8e-...
        client_id: "{{ env.AIRBYTE_CLIENT_ID }}"
        client_secret: "{{ env.AIRBYTE_CLIENT_SECRET }}"
      connection_selector:
        by_name_pattern: ["* → Warehouse"]

Two methods are made to be overridden in a subclass: ``get_asset_spec(props)`` (the spec of
one stream, before ``translation``) and ``execute(context, airbyte)`` (the body of a sync step).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import dagster as dg
from dagster.components import DefsStateConfig, DefsStateConfigArgs, ResolvedDefsStateConfig
from pydantic import Field

from airbyte_cloud_dagster.assets.loader import (
    DEFAULT_POOL,
    DEFAULT_RESOURCE_KEY,
    build_airbyte_assets,
)
from airbyte_cloud_dagster.assets.specs import translator_for
from airbyte_cloud_dagster.components.automation import definitions_with_automation
from airbyte_cloud_dagster.components.models import (
    AirbyteConnectionSelector,
    AirbyteConnectionSelectorArgs,
    AirbyteFreshnessArgs,
    AirbyteScheduleArgs,
    AirbyteWorkspaceArgs,
    resolve_connection_selector,
    resolve_workspace,
)
from airbyte_cloud_dagster.components.scaffolder import AirbyteWorkspaceComponentScaffolder
from airbyte_cloud_dagster.components.state import (
    REFRESH_COMMAND,
    fetch_selected,
    read_selected,
)
from airbyte_cloud_dagster.components.translation import (
    AirbyteTranslation,
    AirbyteTranslationArgs,
    check_one_freshness,
    resolve_translation,
)
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.degraded import degraded_summary
from airbyte_cloud_dagster.workspace.loading import snapshot_or_fetch
from airbyte_cloud_dagster.workspace.naming import short_hash
from airbyte_cloud_dagster.workspace.snapshot import AirbyteSnapshotError, write_snapshot
from airbyte_cloud_dagster.workspace.specs import (
    AirbyteConnectionTableProps,
    AirbyteTranslator,
    KeyScheme,
)


@dg.scaffold_with(AirbyteWorkspaceComponentScaffolder)
class AirbyteWorkspaceComponent(dg.StateBackedComponent, dg.Model, dg.Resolvable):
    """Every selected Airbyte connection as assets, one per destination table.

    Materializing a connection's assets starts its sync in Airbyte and follows it (or, with
    ``wait_mode: sensor``, only starts it). Definitions load from the component's state,
    the workspace snapshot, without any API call; refresh it with
    ``dg utils refresh-defs-state``.
    """

    workspace: Annotated[
        AirbyteCloudResource,
        dg.Resolver(
            resolve_workspace,
            model_field_type=AirbyteWorkspaceArgs,
            description=(
                "The Airbyte API, credentials and sync settings (AirbyteCloudResource's "
                'fields). Secrets as "{{ env.AIRBYTE_CLIENT_SECRET }}" stay in the environment.'
            ),
        ),
    ]
    connection_selector: Annotated[
        AirbyteConnectionSelector | None,
        dg.Resolver(
            resolve_connection_selector,
            model_field_type=AirbyteConnectionSelectorArgs,
            description=(
                "Which connections: by_id, by_name, by_name_pattern or by_tag; default all active."
            ),
        ),
    ] = None
    translation: Annotated[
        AirbyteTranslation | None,
        dg.Resolver(
            resolve_translation,
            model_field_type=AirbyteTranslationArgs,
            inject_before_resolve=False,
            description=(
                "Dagster's asset attributes to set (key, deps, automation_condition, "
                "freshness_policy, ...), templated with {{ props.* }} and {{ spec.* }}."
            ),
        ),
    ] = None
    key_scheme: KeyScheme = Field(
        default="namespace_table",
        description=(
            "'namespace_table': keys [namespace, table], groups per connection. "
            "'dagster_airbyte': dagster-airbyte's default keys (stream prefix + stream name, "
            "one part), group and kinds, so a project moving from it keeps its assets' history."
        ),
    )
    execution: Literal["per_connection", "one_step"] = Field(
        default="per_connection",
        description=(
            "'per_connection': one step per connection. 'one_step': one multi-asset whose step "
            "syncs every selected connection at once (subset by connection)."
        ),
    )
    pool: str | None = Field(
        default=DEFAULT_POOL,
        description="Dagster concurrency pool of the sync steps; caps syncs running at once.",
    )
    schedules: AirbyteScheduleArgs = Field(
        default_factory=AirbyteScheduleArgs,
        description="Whether to mirror the schedules Airbyte runs the connections on.",
    )
    freshness: AirbyteFreshnessArgs = Field(
        default_factory=AirbyteFreshnessArgs,
        description="Whether each table gets a freshness policy from its Airbyte schedule.",
    )
    resource_key: str = Field(
        default=DEFAULT_RESOURCE_KEY,
        description="Resource key of the Airbyte resource; unique per component in a project.",
    )
    fetch_column_schema: bool = Field(
        default=True,
        description="Read each stream's columns when the state is refreshed.",
    )
    on_missing_snapshot: Literal["fetch", "fail"] = Field(
        default="fetch",
        description=(
            "No usable state: 'fetch' reads the workspace from the API (with a warning), "
            f"'fail' fails the load. Refresh the state with `{REFRESH_COMMAND}`."
        ),
    )
    defs_state: ResolvedDefsStateConfig = Field(
        default_factory=lambda: DefsStateConfigArgs.local_filesystem().model_copy(
            update={"refresh_if_dev": False}
        ),
        description=(
            "Where the state lives: by default a file in the project (LOCAL_FILESYSTEM), "
            "refreshed only by `dg utils refresh-defs-state`, not by each `dg dev` load."
        ),
    )

    # ------------------------------------------------------------------ hooks

    def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
        """The spec of one stream before ``translation``; override to change any part::

        class MyAirbyte(AirbyteWorkspaceComponent):
            def get_asset_spec(self, props):
                spec = super().get_asset_spec(props)
                return spec.replace_attributes(owners=["team:ingest"])
        """
        return self._key_scheme_translator.get_asset_spec(props)

    def execute(
        self, context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource
    ) -> Iterator[Any]:
        """The body of a sync step: sync the selected connections, yield their events.

        Override to run code around each sync::

            class MyAirbyte(AirbyteWorkspaceComponent):
                def execute(self, context, airbyte):
                    context.log.info("before")
                    yield from super().execute(context, airbyte)
        """
        return airbyte.sync_and_poll(context)

    # ------------------------------------------------------------------ state

    @property
    def defs_state_config(self) -> DefsStateConfig:
        """Keyed by what the state holds, so two components never share a state by mistake."""
        workspace_id = self.workspace.resolved_workspace_id or "all"
        settings = (
            str(self.workspace.api_url),
            workspace_id,
            self.selector.describe(),
            str(self.fetch_column_schema),
        )
        default_key = f"{type(self).__name__}[{workspace_id}-{short_hash(*settings)}]"
        return DefsStateConfig.from_args(self.defs_state, default_key=default_key)

    def write_state_to_path(self, state_path: Path) -> None:
        """Fetch the selected connections and write their snapshot: the component's state."""
        data = self._fetch()
        write_snapshot(data, state_path)
        summary = degraded_summary(data.degraded)
        if summary:  # each failed read was a warning already; say how to heal the state
            _logger().warning(
                f"{summary}; run `dg utils refresh-defs-state` again once Airbyte answers to "
                "heal it."
            )

    def build_defs_from_state(
        self, context: dg.ComponentLoadContext, state_path: Path | None
    ) -> dg.Definitions:
        check_one_freshness(self.translation, self.freshness.from_airbyte_schedule)
        data = self._load_state(state_path)
        assets = build_airbyte_assets(
            data,
            translator=self.translator,
            resource_key=self.resource_key,
            pool=self.pool,
            execution=self.execution,
            body=self.execute,
        )
        return definitions_with_automation(
            assets,
            workspace=self.workspace,
            schedules=self.schedules,
            freshness=self.freshness,
            resource_key=self.resource_key,
        )

    # ------------------------------------------------------------------ internals

    @property
    def selector(self) -> AirbyteConnectionSelector:
        return self.connection_selector or AirbyteConnectionSelector()

    @cached_property
    def _key_scheme_translator(self) -> AirbyteTranslator:
        return translator_for(None, self.key_scheme)

    @cached_property
    def translator(self) -> AirbyteTranslator:
        """``get_asset_spec`` then ``translation``, as the asset builders' translator."""
        return _ComponentTranslator(self)

    def _fetch(self) -> AirbyteWorkspaceData:
        return fetch_selected(
            self.workspace, self.selector, fetch_column_schema=self.fetch_column_schema
        )

    def _load_state(self, state_path: Path | None) -> AirbyteWorkspaceData:
        """The snapshot in the state (no API call), or the policy for a missing or bad one."""
        key = self.defs_state_config.key
        refresh = f"refresh it with `{REFRESH_COMMAND} --defs-state-key '{key}'`"

        def read() -> AirbyteWorkspaceData:
            if state_path is None:
                raise AirbyteSnapshotError(f"No state has been written for {key} yet; {refresh}.")
            try:
                return read_selected(state_path, self.workspace, self.selector)
            except AirbyteSnapshotError as error:
                raise AirbyteSnapshotError(
                    f"The state of {key} cannot be used ({error}); {refresh}."
                ) from error

        try:
            return snapshot_or_fetch(read, self._fetch, self.on_missing_snapshot, _logger())
        except AirbyteSnapshotError as error:  # on_missing_snapshot: fail
            raise dg.DagsterInvalidDefinitionError(str(error)) from error


class _ComponentTranslator(AirbyteTranslator):
    def __init__(self, component: AirbyteWorkspaceComponent) -> None:
        self._component = component

    def get_asset_spec(self, props: AirbyteConnectionTableProps) -> dg.AssetSpec:
        spec = self._component.get_asset_spec(props)
        translation = self._component.translation
        return translation(spec, props) if translation is not None else spec


def _logger() -> logging.Logger:
    return dg.get_dagster_logger("airbyte")
