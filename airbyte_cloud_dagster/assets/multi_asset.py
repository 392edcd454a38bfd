"""The one multi-asset shape of this package: a connection's (or many connections') tables,
synced by one body, ``sync.body.sync_asset_step`` unless a body is given.

Every such multi-asset can be subset (Dagster's ``can_subset=True``), so a job like
``AssetSelection.assets(my_dbt_model).upstream()`` that picks one table of a connection builds
and runs. Airbyte cannot sync less than a connection, so the step syncs each connection behind
the selected tables once and records every table of the multi-asset that the sync refreshed:

- a selected table: the step's ``MaterializeResult``, with ``airbyte/selected: True`` when only
  some of its connection's tables were selected;
- a table not selected: a ``dg.AssetMaterialization`` of the same job in the same run (its
  figures too), ``airbyte/selected: False``, its description naming the job and the tables
  that were selected.

Why a materialization, in the run, for the tables not selected (with Dagster 1.13's public
API):

- Dagster refuses a ``MaterializeResult`` for a key the step was not asked for, but accepts an
  ``AssetMaterialization`` for it: the event is stored with the run and step that caused it, so
  the UI shows the table as materialized by that run, and its page's event names the job.
- An ``AssetObservation`` would be truthful but leaves the table looking older than it is:
  freshness policies, "last materialized" and automation conditions read materializations.
- ``DagsterInstance.report_runless_asset_event`` (public) would record it outside the run: no
  run to link to, and not part of the step's events if the step then fails.
- The sync sensor (``automation/sensor.py``) skips a job a run already materialized (it reads
  the connection's first table), so recording every table means it never records them again;
  the job-started observation is on every table too, so the sensor holds the job while the run
  follows it.

What the run does not do for a table not selected: run its asset checks (Dagster runs only the
selected checks, so their last result stays, older than the table's new materialization) or
materialize anything downstream of it. In one-step mode (``one_step.py``) the same holds per
connection: selecting tables of two connections syncs both, once each, and records each one's
tables; the connections not selected are not synced. Only the tables of this multi-asset are
recorded: a user whose own multi-assets split one connection records the rest with the sensor.

Example::

    sync_multi_asset(specs, name="airbyte_sync_stripe", resource_key="airbyte", pool="airbyte")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dagster as dg

from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.sync.body import sync_asset_step

# Run config of every sync step, set in the launchpad as
# ops: {<op name>: {config: {resync: true}}} (sync/clearing.py).
RESYNC_CONFIG = {
    "resync": dg.Field(
        bool,
        default_value=False,
        description=(
            "Resync from scratch: clear the connections' tables in Airbyte (a clear job, which "
            "Airbyte runs as a reset), then sync them."
        ),
    )
}
# The body of a sync step: (context, resource) -> events.
SyncBody = Callable[[dg.AssetExecutionContext, AirbyteCloudResource], Iterator[Any]]


def sync_multi_asset(
    specs: Sequence[dg.AssetSpec],
    *,
    name: str,
    resource_key: str,
    pool: str | None,
    body: SyncBody | None = None,
) -> dg.AssetsDefinition:
    """The one multi-asset shape of this package: ``specs`` synced by ``body``; always
    subsettable (see the module's docstring)."""

    @dg.multi_asset(
        name=name,
        specs=list(specs),
        can_subset=True,
        pool=pool,
        required_resource_keys={resource_key},
        config_schema=RESYNC_CONFIG,
    )
    def _sync(context):  # no annotation: Dagster reads annotations when it builds the op
        airbyte: AirbyteCloudResource = getattr(context.resources, resource_key)
        if body is not None:
            yield from body(context, airbyte)
        else:
            yield from sync_asset_step(airbyte, context)

    return _sync
