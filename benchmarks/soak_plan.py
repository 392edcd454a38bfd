"""What the soak asks for, drawn from its seed: sizes, fault rates, and each lane's next task.

A *lane* is one worker process with its own connections; a *task* is one sync request made
through one path (per-connection assets, the one-step asset, the op, ``wait_mode="sensor"``,
the dg component, the plain client, the plain client behind HTTP Basic auth), sometimes with a
twist: the run is terminated mid-sync, the sync outlives its timeout, the step is retried
after losing track of its job, or the connection is resynced (cleared, then synced). Each task
also says how Airbyte will run its jobs (duration, queueing, ``incomplete`` attempts, failed or
cancelled outcomes): the sandbox's job plan, set just before the task is handed out.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from airbyte_cloud_dagster.sandbox.chaos import ChaosRates

PATHS = ("assets", "one_step", "op", "sensor", "component", "client", "basic")
# How often each path is drawn (the one-step path syncs all of a lane's connections at once).
PATH_WEIGHTS = {
    "assets": 24,
    "one_step": 10,
    "op": 13,
    "sensor": 16,
    "component": 13,
    "client": 14,
    "basic": 10,
}
# The twists each path can take, and how often a task takes one.
TWISTS = {
    "assets": ("terminate", "timeout", "retry", "resync"),
    "one_step": ("terminate", "timeout", "retry", "resync"),
    "op": ("terminate", "timeout", "resync"),
    "component": ("terminate", "resync"),
    "sensor": ("timeout",),
    "client": ("timeout", "back_to_back", "back_to_back"),
    "basic": ("back_to_back",),
}
TWIST_RATE = 0.35
# The back-to-back twist: the plain client syncs the same connection this many times in a row,
# each sync short, so each start comes moments after the last job was created and ended.
BACK_TO_BACK_CALLS = 3
BACK_TO_BACK_SYNC_SECONDS = 0.3
DAGSTER_PATHS = ("assets", "one_step", "op", "sensor", "component")

# Job plans (the sandbox's JobPlan fields) by twist.
TERMINATED_SYNC_SECONDS = 30.0  # long: the run is stopped while it runs
TIMEOUT_SYNC_SECONDS = 9.0
# wait_mode="sensor": the sensor's resource has this sync_timeout (cancel_on_timeout on), and
# the syncs that outlive it would run this long; it cancels them on a tick in between.
SENSOR_TIMEOUT = 6.0
SENSOR_TIMEOUT_SYNC_SECONDS = 40.0  # several ticks must fail for it to be missed


@dataclass(frozen=True)
class Size:
    """How big a soak is: lanes at once, seconds of new tasks, and the fault rates."""

    name: str
    lanes: int
    drive_seconds: float
    connections_per_lane: int = 3
    external_connections: int = 3
    sensor_interval: float = 2.0
    external_every: tuple[float, float] = (1.5, 4.0)


FULL = Size("full", lanes=5, drive_seconds=240.0)
QUICK = Size("quick", lanes=3, drive_seconds=30.0)

RATES = ChaosRates(
    server_error=0.03,
    drop=0.01,
    lose=0.01,
    delay=0.02,
    lost_reply=0.08,
    lost_request=0.15,
    delay_seconds=(0.3, 2.0),
    burst_every=(8.0, 20.0),
    burst_seconds=(1.0, 8.0),
    expire_tokens_every=(1.0, 3.0),
    no_lifetime_every=(8.0, 15.0),
    no_lifetime_seconds=2.0,
)


@dataclass
class Task:
    """One sync request: ``connections`` (several for the one-step path), each with the job
    plan the sandbox follows for it; ``sync_timeout`` for the timeout twist."""

    task_id: int
    lane: int
    path: str
    twist: str | None
    connections: list[str]
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    sync_timeout: float | None = None
    calls: int = 1  # the plain client's syncs of the connection, one after the other

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def job_plan(rng: random.Random, twist: str | None, path: str = "") -> dict[str, Any]:
    """How Airbyte runs the task's jobs (``Sandbox.configure_connection`` keywords)."""
    if twist == "terminate":
        return {"duration": TERMINATED_SYNC_SECONDS}
    if twist == "back_to_back":
        return {"duration": BACK_TO_BACK_SYNC_SECONDS}
    if twist == "timeout":
        return {
            "duration": SENSOR_TIMEOUT_SYNC_SECONDS if path == "sensor" else TIMEOUT_SYNC_SECONDS
        }
    plan: dict[str, Any] = {"duration": round(rng.uniform(0.5, 2.5), 2)}
    if twist != "retry":  # a retried step must find its job still running, and succeeding
        draw = rng.random()
        plan["outcome"] = "failed" if draw < 0.10 else "cancelled" if draw < 0.16 else "succeeded"
    else:
        plan["duration"] = round(rng.uniform(3.0, 5.0), 2)
    if rng.random() < 0.2:
        plan["incomplete_attempts"] = rng.choice((1, 2))
    if rng.random() < 0.15:
        plan["queued_for"] = round(rng.uniform(0.5, 2.0), 2)
    return plan


class LanePlanner:
    """The seeded sequence of tasks of one lane; which connections is decided when one is
    handed out (only idle ones: a sync still running would be attached to, not started)."""

    def __init__(self, seed: int, lane: int, connections: list[str], basic_connection: str):
        self.lane = lane
        self.connections = connections
        self.basic_connection = basic_connection
        self._rng = random.Random(f"{seed}:{lane}")
        self._next: tuple[str, str | None] | None = None

    def peek(self) -> tuple[str, str | None]:
        """The next task's path and twist."""
        if self._next is None:
            rng = self._rng
            path = rng.choices(PATHS, weights=[PATH_WEIGHTS[p] for p in PATHS])[0]
            twists = TWISTS[path]
            twist = rng.choice(twists) if twists and rng.random() < TWIST_RATE else None
            self._next = (path, twist)
        return self._next

    def take(self, task_id: int, idle: set[str]) -> Task | None:
        """The next task on idle connections, or None while the connections it needs run."""
        path, twist = self.peek()
        if path == "basic":
            if self.basic_connection not in idle:
                return None
            chosen = [self.basic_connection]
        elif path == "one_step":
            if not all(c in idle for c in self.connections):
                return None
            chosen = list(self.connections)
        else:
            free = [c for c in self.connections if c in idle]
            if not free:
                return None
            chosen = [self._rng.choice(free)]
        self._next = None
        rng = self._rng
        plans = {c: job_plan(rng, twist, path) for c in chosen}
        timeout = round(rng.uniform(1.5, 3.0), 2) if twist == "timeout" else None
        if path == "sensor" and twist == "timeout":
            timeout = SENSOR_TIMEOUT  # the sensor's own sync_timeout cancels it
        calls = BACK_TO_BACK_CALLS if twist == "back_to_back" else 1
        return Task(task_id, self.lane, path, twist, chosen, plans, timeout, calls)


def external_plan(rng: random.Random) -> dict[str, Any]:
    """How a sync or clear started outside Dagster runs."""
    return job_plan(rng, None)
