"""Waiting for a job, on a simulated clock: what ends a wait, what does not, and what it costs."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable

import pytest

from airbyte_cloud_dagster.api import (
    AirbyteJob,
    AirbyteJobFailed,
    AirbyteTimeout,
    JobStatus,
    PollPolicy,
    poll_schedule,
)
from airbyte_cloud_dagster.api.errors import AirbyteServerError
from airbyte_cloud_dagster.api.polling import wait_for_job

CONNECTION_ID = "9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f"


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def job(status: str, job_id: int = 7) -> AirbyteJob:
    return AirbyteJob.from_api(
        {
            "jobId": job_id,
            "status": status,
            "jobType": "sync",
            "startTime": "2025-01-01T00:00:00Z",
            "connectionId": CONNECTION_ID,
        }
    )


class ScriptedJob:
    """Serves the given statuses in order, then repeats the last one."""

    def __init__(self, statuses: Iterable[str]) -> None:
        self.statuses = list(statuses)
        self.polls = 0
        self.cancelled = False

    def get(self, job_id: int) -> AirbyteJob:
        index = min(self.polls, len(self.statuses) - 1)
        self.polls += 1
        return job("cancelled" if self.cancelled else self.statuses[index], job_id)

    def cancel(self, job_id: int) -> AirbyteJob:
        self.cancelled = True
        return job("cancelled", job_id)


def wait(script: ScriptedJob, clock: SimulatedClock, **kwargs) -> AirbyteJob:
    return wait_for_job(script.get, 7, clock=clock, sleep=clock.sleep, **kwargs)


def test_default_schedule_starts_at_one_second_and_backs_off_to_thirty():
    delays = list(itertools.islice(poll_schedule(PollPolicy()), 12))
    assert delays[:4] == [1.0, 1.5, 2.25, 3.375]
    assert delays[-1] == 30.0
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    assert max(delays) == 30.0


def test_a_one_hour_sync_costs_about_a_third_of_a_fixed_ten_second_poll():
    def requests_for(policy: PollPolicy, sync_seconds: float) -> int:
        clock = SimulatedClock()
        polls = 0

        def get_job(job_id: int) -> AirbyteJob:
            nonlocal polls
            polls += 1
            return job("succeeded" if clock.now >= sync_seconds else "running")

        wait_for_job(get_job, 7, poll=policy, clock=clock, sleep=clock.sleep)
        return polls

    fixed = PollPolicy(poll_interval=10.0, factor=1.0, poll_interval_max=10.0)
    assert requests_for(PollPolicy(), 60) == 10
    assert requests_for(PollPolicy(), 600) == 28
    assert requests_for(PollPolicy(), 3600) == 128
    assert requests_for(fixed, 3600) == 361


def test_a_quick_sync_is_noticed_within_a_second_or_two():
    clock = SimulatedClock()
    script = ScriptedJob(["pending", "running", "succeeded"])
    finished = wait(script, clock)
    assert finished.succeeded
    assert clock.now == pytest.approx(2.5)


def test_incomplete_queued_and_pending_never_end_the_wait():
    clock = SimulatedClock()
    script = ScriptedJob(["pending", "queued", "running", "incomplete", "running", "succeeded"])
    seen: list[str] = []
    finished = wait(script, clock, on_progress=lambda j: seen.append(j.status.value))
    assert seen == ["pending", "queued", "running", "incomplete", "running", "succeeded"]
    assert finished.status is JobStatus.SUCCEEDED


def test_an_unknown_status_keeps_the_wait_going_and_is_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="airbyte_cloud_dagster")
    clock = SimulatedClock()
    script = ScriptedJob(["running", "rebalancing", "rebalancing", "rebalancing", "succeeded"])
    finished = wait(script, clock)
    assert finished.succeeded
    assert script.polls == 5
    mentions = [r for r in caplog.records if "rebalancing" in r.getMessage()]
    assert len(mentions) == 1
    assert "does not know" in mentions[0].getMessage()


@pytest.mark.parametrize("final", ["failed", "cancelled"])
def test_a_failed_or_cancelled_job_raises_naming_job_and_connection(final):
    clock = SimulatedClock()
    with pytest.raises(AirbyteJobFailed) as raised:
        wait(ScriptedJob(["running", final]), clock)
    message = str(raised.value)
    assert "job 7" in message and CONNECTION_ID in message and final in message
    assert raised.value.job.status.value == final


def test_a_wait_that_times_out_says_the_job_keeps_running():
    clock = SimulatedClock()
    script = ScriptedJob(["running"])
    with pytest.raises(AirbyteTimeout) as raised:
        wait(script, clock, timeout=100)
    assert clock.now == pytest.approx(100)
    assert not script.cancelled
    assert "job 7" in str(raised.value) and "keeps running" in str(raised.value)


def test_a_wait_that_times_out_can_cancel_the_job():
    clock = SimulatedClock()
    script = ScriptedJob(["running"])
    with pytest.raises(AirbyteTimeout) as raised:
        wait(script, clock, timeout=10, cancel_job=script.cancel)
    assert script.cancelled
    assert raised.value.job.status is JobStatus.CANCELLED
    assert "was cancelled" in str(raised.value)


def test_an_error_while_polling_propagates():
    def get_job(job_id: int) -> AirbyteJob:
        raise AirbyteServerError("502", status_code=502, method="GET", path="/v1/jobs/7")

    clock = SimulatedClock()
    with pytest.raises(AirbyteServerError):
        wait_for_job(get_job, 7, clock=clock, sleep=clock.sleep)


def test_a_poll_policy_that_would_spin_is_refused():
    from airbyte_cloud_dagster.api import AirbyteConfigurationError

    with pytest.raises(AirbyteConfigurationError, match="poll_interval > 0"):
        PollPolicy(poll_interval=0)
