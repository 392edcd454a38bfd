"""Schedules for Airbyte assets: your own cron, or the schedules already set in Airbyte.

Where an Airflow DAG carries a cron and an operator starts the sync, a Dagster schedule runs an
asset job over the connection's assets; the asset step starts the sync (``wait_mode`` decides
whether it also waits for it). ``build_airbyte_schedules_from_airbyte`` reads each connection's
Airbyte schedule from its assets' metadata (no API call) and translates it with ``cron.py``.

Example::

    assets = load_airbyte_cloud_assets(airbyte=airbyte)
    defs = dg.Definitions(
        assets=assets,
        schedules=[
            *build_airbyte_schedules_from_airbyte(assets, on_unsupported="warn"),
            build_airbyte_schedule(assets, connection_ids=[stripe_id], cron_schedule="0 6 * * *"),
        ],
        resources={"airbyte": airbyte},
    )
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import ConnectionSchedule
from airbyte_cloud_dagster.automation.cron import UnsupportedSchedule, schedule_to_cron
from airbyte_cloud_dagster.workspace.naming import short_hash, sync_op_names
from airbyte_cloud_dagster.workspace.specs import tables_by_connection


class AirbyteScheduleWarning(UserWarning):
    """A connection's Airbyte schedule was not mirrored (``on_unsupported="warn"``)."""


@dataclass(frozen=True)
class _Connection:
    """One connection's tables among the assets given, and the name its schedule starts from."""

    connection_id: str
    specs: list[dg.AssetSpec]
    sync_name: str

    @property
    def label(self) -> str:
        return f"'{self.specs[0].metadata.get(md.CONNECTION_NAME)}' ({self.connection_id})"


def build_airbyte_schedule(
    assets: Sequence[dg.AssetsDefinition],
    *,
    cron_schedule: str,
    execution_timezone: str = "UTC",
    connection_ids: Sequence[str] | None = None,
    name: str | None = None,
    description: str | None = None,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
) -> dg.ScheduleDefinition:
    """A schedule that materializes the tables of the chosen connections (default: all).

    ``assets`` may be per-connection multi-assets or the one-step multi-asset; either way the
    schedule's job selects the chosen connections' tables. Its default name is
    ``<op name>_schedule`` for one connection (``airbyte_sync_stripe_warehouse_schedule``) and
    ``airbyte_sync_<n>_connections_<hash>_schedule`` for several; its asset job is named
    alike, ending in ``_job``.

    >>> build_airbyte_schedule(assets, connection_ids=[stripe_id], cron_schedule="0 6 * * *")
    """
    return _schedule(
        _chosen(connections_in(assets), connection_ids),
        cron_schedule=cron_schedule,
        execution_timezone=execution_timezone,
        name=name,
        description=description,
        default_status=default_status,
    )


def _schedule(
    chosen: list[_Connection],
    *,
    cron_schedule: str,
    execution_timezone: str,
    name: str | None,
    description: str | None,
    default_status: dg.DefaultScheduleStatus,
) -> dg.ScheduleDefinition:
    """:func:`build_airbyte_schedule` for connections already grouped (:func:`connections_in`)."""
    base = name.removesuffix("_schedule") if name else _default_name(chosen)
    job = dg.define_asset_job(
        f"{base}_job",
        selection=dg.AssetSelection.assets(*(spec.key for c in chosen for spec in c.specs)),
        description=f"Sync {', '.join(c.label for c in chosen)} and record their tables.",
    )
    return dg.ScheduleDefinition(
        name=name or f"{base}_schedule",
        job=job,
        cron_schedule=cron_schedule,
        execution_timezone=execution_timezone,
        description=description,
        default_status=default_status,
    )


def build_airbyte_schedules_from_airbyte(
    assets: Sequence[dg.AssetsDefinition],
    *,
    on_unsupported: Literal["warn", "fail"] = "fail",
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
) -> list[dg.ScheduleDefinition]:
    """One schedule per connection that Airbyte runs on a ``cron`` or ``basic`` schedule.

    Manual connections get none. A schedule with no exact cron equivalent (Quartz ``L``,
    ``W``, ``#``, seconds other than 0, a restricting year, ``?`` misuse, uneven basic
    intervals) fails the load with a message naming the connection and the expression, or,
    with ``on_unsupported="warn"``, is skipped with an ``AirbyteScheduleWarning``. Works on
    per-connection multi-assets and on the one-step multi-asset alike.

    Once the schedules show in Dagster's UI, set the Airbyte connections to manual so each
    sync runs once.
    """
    if on_unsupported not in ("warn", "fail"):
        raise dg.DagsterInvalidDefinitionError(
            f"on_unsupported={on_unsupported!r}; use 'warn' or 'fail'."
        )
    return mirrored_schedules(
        connections_in(assets).values(),
        on_unsupported=on_unsupported,
        default_status=default_status,
    )


def mirrored_schedules(
    connections: Iterable[_Connection],
    *,
    on_unsupported: Literal["warn", "fail"],
    default_status: dg.DefaultScheduleStatus,
) -> list[dg.ScheduleDefinition]:
    """:func:`build_airbyte_schedules_from_airbyte` for connections already grouped."""
    schedules = []
    for connection in connections:
        schedule = connection_schedule(connection)
        try:
            cron = schedule_to_cron(schedule)
        except UnsupportedSchedule as error:
            message = (
                f"The Airbyte schedule of connection {connection.label} cannot be mirrored in "
                f"Dagster: {error}; schedule its assets with build_airbyte_schedule(...) "
                "instead, or keep Airbyte scheduling it and record its syncs with "
                "build_airbyte_sync_sensor."
            )
            if on_unsupported == "fail":
                raise dg.DagsterInvalidDefinitionError(message) from error
            warnings.warn(message, AirbyteScheduleWarning, stacklevel=3)  # the caller's call
            continue
        if cron is None:  # manual: Airbyte never runs it by itself
            continue
        expression = connection.specs[0].metadata[md.SCHEDULE]
        schedules.append(
            # Not build_airbyte_schedule(assets, ...): that groups every spec again, per connection.
            _schedule(
                [connection],
                name=f"{connection.sync_name}_schedule",
                cron_schedule=cron.cron,
                execution_timezone=cron.timezone,
                description=(
                    f"Mirrors the Airbyte {schedule.schedule_type} schedule {expression!r} of "
                    f"connection {connection.label}."
                ),
                default_status=default_status,
            )
        )
    return schedules


def connections_in(assets: Sequence[dg.AssetsDefinition]) -> dict[str, _Connection]:
    """Every connection among ``assets``. A per-connection multi-asset lends its op name to
    its connection's schedule; in the one-step multi-asset, the name is made as
    ``load_airbyte_cloud_assets`` names per-connection ops, so both give the same schedules."""
    grouped = tables_by_connection(assets)
    op_names: dict[str, str] = {}
    for assets_def in assets:
        ids = {str(spec.metadata.get(md.CONNECTION_ID)) for spec in assets_def.specs}
        if len(ids) == 1:
            op_names[ids.pop()] = assets_def.op.name
    names = {
        cid: str(specs[0].metadata.get(md.CONNECTION_NAME, cid)) for cid, specs in grouped.items()
    }
    derived = sync_op_names(names)
    return {
        cid: _Connection(cid, specs, op_names.get(cid, derived[cid]))
        for cid, specs in grouped.items()
    }


def _chosen(
    connections: dict[str, _Connection], connection_ids: Sequence[str] | None
) -> list[_Connection]:
    if connection_ids is None:
        return list(connections.values())
    if isinstance(connection_ids, str):
        connection_ids = [connection_ids]
    unknown = [c for c in connection_ids if c not in connections]
    if unknown or not connection_ids:
        raise dg.DagsterInvalidDefinitionError(
            f"No Airbyte assets for connection ids {unknown or '[]'}; the assets given cover "
            f"{sorted(connections)}."
        )
    return [connections[c] for c in dict.fromkeys(connection_ids)]


def connection_schedule(connection: _Connection) -> ConnectionSchedule:
    """The connection's Airbyte schedule, as its assets' metadata has it (no API call)."""
    return md.schedule_of(
        connection.specs[0].metadata, f"The assets of connection {connection.label}"
    )


def _default_name(chosen: list[_Connection]) -> str:
    if len(chosen) == 1:
        return chosen[0].sync_name
    ids = sorted(c.connection_id for c in chosen)
    return f"airbyte_sync_{len(ids)}_connections_{short_hash(*ids)}"
