"""A user's subclass of the component, as the README shows: both hooks overridden."""

from __future__ import annotations

import dagster as dg

from airbyte_cloud_dagster.components import AirbyteWorkspaceComponent


class AuditedAirbyteComponent(AirbyteWorkspaceComponent):
    def get_asset_spec(self, props):
        return super().get_asset_spec(props).replace_attributes(owners=["team:ingest"])

    def execute(self, context, airbyte):
        for event in super().execute(context, airbyte):
            if isinstance(event, dg.MaterializeResult):
                event = event._replace(metadata={**(event.metadata or {}), "audited": True})
            yield event
