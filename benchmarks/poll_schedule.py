"""What waiting for a sync costs: GET /jobs/{id} requests and detection latency, on a simulated
clock (no network, no sleeping).

Runs the real ``wait_for_job`` loop of ``airbyte_cloud_dagster.api.polling`` against a fake job
that finishes after a given number of seconds, for the default adaptive ``PollPolicy`` and for a
fixed 10-second poll.

    python benchmarks/poll_schedule.py
"""

from __future__ import annotations

import itertools

from airbyte_cloud_dagster.api.models import AirbyteJob, JobStatus
from airbyte_cloud_dagster.api.polling import PollPolicy, poll_schedule, wait_for_job

SYNC_DURATIONS = {"1 minute": 60.0, "10 minutes": 600.0, "1 hour": 3600.0}
POLICIES = {
    "adaptive (1 s x1.5, max 30 s)": PollPolicy(),
    "fixed 10 s": PollPolicy(poll_interval=10.0, factor=1.0, poll_interval_max=10.0),
}


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def simulate(policy: PollPolicy, sync_seconds: float) -> tuple[int, float]:
    """(requests, seconds between the job finishing and the wait noticing) for one sync."""
    clock = SimulatedClock()
    requests = 0

    def get_job(job_id: int) -> AirbyteJob:
        nonlocal requests
        requests += 1
        done = clock.now >= sync_seconds
        status = JobStatus.SUCCEEDED if done else JobStatus.RUNNING
        return AirbyteJob(job_id=job_id, status=status, job_type="sync", connection_id="c")

    wait_for_job(get_job, 1, poll=policy, clock=clock, sleep=clock.sleep)
    return requests, clock.now - sync_seconds


def worst_latency(policy: PollPolicy, sync_seconds: float) -> float:
    """The longest gap between polls around ``sync_seconds``: a sync that ends just after one
    poll is noticed only at the next."""
    poll_times = itertools.accumulate(poll_schedule(policy), initial=0.0)
    previous = 0.0
    for poll_time in poll_times:
        if poll_time >= sync_seconds:
            return poll_time - previous
        previous = poll_time
    raise AssertionError("unreachable")


def main() -> None:
    print("GET /jobs/{id} requests per sync, and the worst-case delay before the end is noticed")
    print()
    print(
        "| sync length | "
        + " | ".join(f"{name}: requests | worst latency" for name in POLICIES)
        + " |"
    )
    print("|---" * (1 + 2 * len(POLICIES)) + "|")
    for label, seconds in SYNC_DURATIONS.items():
        cells = [label]
        for policy in POLICIES.values():
            requests, _ = simulate(policy, seconds)
            cells += [str(requests), f"{worst_latency(policy, seconds):.1f} s"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
