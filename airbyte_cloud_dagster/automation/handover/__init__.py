"""Handing Airbyte's own schedules over to Dagster, explicitly and reversibly.

Once the Dagster schedules that mirror Airbyte's (``build_airbyte_schedules_from_airbyte``) are
on, each of those connections must be set to manual in Airbyte, or every sync runs twice.
:func:`hand_over_schedules` sets them to manual through the public API (``patchConnection``),
after writing what it is about to change to a JSON record; :func:`restore_schedules` reads that
record and puts back each previous schedule, only on connections still manual;
:func:`build_airbyte_schedules_from_handover` rebuilds the mirrored Dagster schedules from it.
A dry run is the default: it reads from Airbyte and changes nothing, in Airbyte or on disk::

    print(hand_over_schedules(airbyte, assets))              # the plan
    print(hand_over_schedules(airbyte, assets, apply=True))  # record written, then PATCHes
    print(restore_schedules(airbyte, apply=True))            # back as it was

This package and the CLI's ``schedules hand-over|restore --apply`` are the only code in
``airbyte_cloud_dagster`` that writes to Airbyte; loading definitions and running assets never
do. Modules: ``plan`` (what would be or was done), ``text`` (schedules in words, the plan
logged), ``record`` (the JSON record, written atomically), ``inputs`` (the client, the record
and the assets acted on), ``patch`` (the one PATCH and its check), ``hand_over``, ``restore``,
and ``definitions`` (the Dagster schedules rebuilt from the record).
"""

from airbyte_cloud_dagster.automation.handover.definitions import (
    build_airbyte_schedules_from_handover,
)
from airbyte_cloud_dagster.automation.handover.hand_over import hand_over_schedules
from airbyte_cloud_dagster.automation.handover.plan import (
    AirbyteHandOverError,
    HandOverPlan,
    Outcome,
    ScheduleChange,
)
from airbyte_cloud_dagster.automation.handover.record import DEFAULT_RECORD_PATH, RECORD_VERSION
from airbyte_cloud_dagster.automation.handover.restore import restore_schedules

__all__ = [
    "DEFAULT_RECORD_PATH",
    "RECORD_VERSION",
    "AirbyteHandOverError",
    "HandOverPlan",
    "Outcome",
    "ScheduleChange",
    "build_airbyte_schedules_from_handover",
    "hand_over_schedules",
    "restore_schedules",
]
