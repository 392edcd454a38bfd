"""The one multi-asset shape of this package: a connection's (or many connections') tables,
synced by one body, ``airbyte.sync_and_poll(context)`` unless a body is given.

Example::

    sync_multi_asset(specs, name="airbyte_sync_stripe", can_subset=False,
                     resource_key="airbyte", pool="airbyte")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dagster as dg

from airbyte_cloud_dagster.resource import AirbyteCloudResource

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
    can_subset: bool,
    resource_key: str,
    pool: str | None,
    body: SyncBody | None = None,
) -> dg.AssetsDefinition:
    """The one multi-asset shape of this package: ``specs`` synced by ``body``."""

    @dg.multi_asset(
        name=name,
        specs=list(specs),
        can_subset=can_subset,
        pool=pool,
        required_resource_keys={resource_key},
        config_schema=RESYNC_CONFIG,
    )
    def _sync(context):  # no annotation: Dagster reads annotations when it builds the op
        airbyte: AirbyteCloudResource = getattr(context.resources, resource_key)
        if body is not None:
            yield from body(context, airbyte)
        else:
            yield from airbyte.sync_and_poll(context)

    return _sync
