"""Many Airbyte connections in one step: one multi-asset that syncs every selected connection.

``load_airbyte_cloud_assets(execution="one_step")`` builds it. Its body is the one sync body
(``sync/body.py``), which starts every selected connection's sync, follows them all with one
jobs-list request per poll, and records each connection's tables as soon as its job ends.

- The multi-asset can be subset, but the public API syncs whole connections: any selected table
  syncs its connection, once, and every table of that connection is recorded as materialized,
  the ones not selected saying so (``multi_asset.py`` says why). Dagster has no public way to
  make a subset of a multi-asset's keys selectable only together (its "execution sets" are all
  or nothing per multi-asset), so every table's description says so.
- A failed connection does not stop the others: the step fails at the end with one
  ``dagster.Failure`` listing every failed connection, its job and its page.

Measured (``dagster asset materialize --select '*'``, 10 connections x 20 s syncs, shared
2-core machine): per-connection 167 s and 418 MiB peak RSS; one step 34 s and 277 MiB
(147 MiB with ``executor=dg.in_process_executor``); docs/one-step.md.

Example::

    defs = dg.Definitions(
        assets=load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step"),
        resources={"airbyte": airbyte},
    )
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteConnection
from airbyte_cloud_dagster.assets.multi_asset import SyncBody, sync_multi_asset

ONE_STEP_NAME = "airbyte_sync_all"


def one_step_asset(
    connections: Sequence[AirbyteConnection],
    specs_by_connection: Mapping[str, Sequence[dg.AssetSpec]],
    *,
    name: str = ONE_STEP_NAME,
    resource_key: str = "airbyte",
    pool: str | None = "airbyte",
    body: SyncBody | None = None,
) -> dg.AssetsDefinition:
    """One multi-asset over the tables of all ``connections``, subsettable by connection.

    ``specs_by_connection`` is what ``assets.specs.build_specs`` returns. Most users call
    ``build_airbyte_assets(data, execution="one_step")`` instead::

        asset = one_step_asset(data.connections, build_specs(data), name="airbyte_eu")
    """
    names = {c.connection_id: c.name for c in connections}
    specs = [
        _with_note(spec, names.get(connection_id, connection_id), len(group), name)
        for connection_id, group in specs_by_connection.items()
        for spec in group
    ]
    return sync_multi_asset(specs, name=name, resource_key=resource_key, pool=pool, body=body)


def _with_note(spec: dg.AssetSpec, connection: str, tables: int, name: str) -> dg.AssetSpec:
    note = (
        f"Synced by the one-step asset '{name}' together with the {tables - 1} other table(s) of "
        f"the Airbyte connection '{connection}': Airbyte syncs whole connections, so selecting "
        "any of its tables syncs all of them, and each is recorded as materialized (the ones "
        "not selected say so)."
        if tables > 1
        else f"Synced by the one-step asset '{name}' (Airbyte connection '{connection}')."
    )
    description = f"{spec.description}\n\n{note}" if spec.description else note
    return spec.replace_attributes(description=description)
