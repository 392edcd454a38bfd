"""The sync sensor's cursor: what it has seen, as JSON in Dagster's cursor, so it survives
restarts and code reloads.

Example::

    cursor = SyncSensorCursor.parse(context.cursor, default_since=an_hour_ago)
    ...
    return dg.SensorResult(asset_events=events, cursor=cursor.dumps())
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SyncSensorCursor:
    """What the sensor has seen: JSON in Dagster's cursor, so it survives restarts."""

    updated_since: datetime  # the next tick's updatedAtStart
    reported: dict[int, float] = field(default_factory=dict)  # job id -> its end (epoch s)
    held: list[int] = field(default_factory=list)  # ended, but a blocking run follows them
    # still running past sync_timeout and looked at once: reported as a failed check (not
    # cancelled), or not started by a Dagster run; their end is recorded as any other
    timed_out: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None, *, default_since: datetime) -> SyncSensorCursor:
        if not text:
            return cls(updated_since=default_since)
        doc = json.loads(text)
        return cls(
            updated_since=datetime.fromisoformat(doc["updated_since"]),
            reported={int(job_id): float(at) for job_id, at in doc.get("reported", {}).items()},
            held=[int(job_id) for job_id in doc.get("held", [])],
            timed_out=[int(job_id) for job_id in doc.get("timed_out", [])],
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "updated_since": self.updated_since.isoformat(),
                "reported": {str(job_id): at for job_id, at in sorted(self.reported.items())},
                "held": sorted(self.held),
                "timed_out": sorted(self.timed_out),
            }
        )
