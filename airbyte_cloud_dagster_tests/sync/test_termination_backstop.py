"""A termination Dagster raises outside the step's generator still cancels the step's jobs.

Dagster defers an interrupt that lands while it stores an event the step yielded, and raises it
in its own frame before resuming the step (sync/in_flight.py): the step's ``except`` never runs.
Here the interrupt is sent from the instance's event storage, exactly then, every time, and
the backstop is the step process's exit (sync/in_flight.py).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import dagster as dg
import pytest

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_asset_specs, sync_connections
from airbyte_cloud_dagster.sync import in_flight
from airbyte_cloud_dagster.sync.following import SyncSettings, on_termination

from ..helpers import (
    ACTIVE,
    APP_POSTGRES,
    STRIPE,
    sandbox_environment,
    sandbox_jobs,
    sandbox_resource,
    wait_until_ended,
)

# A step process: its run's termination lands while Dagster stores the first job-started
# observation (sent from the instance's event storage, exactly then, every time); then the
# process exits with the interrupt, as a terminated step process does. Garbage collection is
# off, so only an explicit backstop can close the abandoned step body.
_STEP_PROCESS = """
import gc, os, signal, sys
import dagster as dg
from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets

gc.disable()
airbyte = AirbyteCloudResource(
    api_url=os.environ["AIRBYTE_API_URL"],
    client_id=os.environ["AIRBYTE_CLIENT_ID"],
    client_secret=os.environ["AIRBYTE_CLIENT_SECRET"],
    poll_interval=0.05,
)
(one_step,) = load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step")
instance = dg.DagsterInstance.ephemeral()
store = instance.handle_new_event

def handle_new_event(event, *args, **kwargs):
    store(event, *args, **kwargs)
    if event.dagster_event_type == dg.DagsterEventType.ASSET_OBSERVATION:
        os.kill(os.getpid(), signal.SIGINT)

instance.handle_new_event = handle_new_event
try:
    dg.materialize([one_step], resources={"airbyte": airbyte}, instance=instance)
except dg.DagsterExecutionInterruptedError:
    sys.exit(3)
"""


@pytest.mark.slow
def test_a_termination_raised_while_dagster_stores_an_event_cancels_every_job(airbyte_sandbox):
    ids = [airbyte_sandbox.connection_id(name) for name in ACTIVE]
    for connection_id in ids:
        airbyte_sandbox.configure_connection(connection_id, duration=30)

    step = subprocess.run(
        [sys.executable, "-c", _STEP_PROCESS],
        env={**os.environ, **sandbox_environment(airbyte_sandbox)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert step.returncode == 3, step.stderr[-3000:]  # interrupted outside the step's body
    jobs = [job for cid in ids for job in sandbox_jobs(airbyte_sandbox, cid)]
    assert jobs  # at least the one whose observation was stored had started
    assert {job["status"] for job in jobs} == {"cancelled"}


def test_a_job_that_ended_before_the_termination_is_not_reported_cancelled(
    airbyte: AirbyteCloudResource, airbyte_sandbox, caplog
):
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=0.05)
    client = airbyte.get_client()
    job = client.start_job(stripe_id)
    wait_until_ended(airbyte_sandbox, job.job_id)
    log = logging.getLogger("termination-backstop-test")

    with caplog.at_level(logging.INFO, logger=log.name):
        on_termination(client, [job], SyncSettings(), log)

    said = [r.getMessage() for r in caplog.records if r.name == log.name]
    assert said == [
        f"Run terminated; Airbyte job {job.job_id} had already ended (succeeded), "
        "nothing to cancel."
    ]
    (recorded,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert recorded["status"] == "succeeded"


class _LogNeedingALock(logging.Handler):
    """A run's log whose storage needs a lock, as Dagster's SQLite event log does."""

    def __init__(self, storage_lock: threading.Lock) -> None:
        super().__init__(logging.DEBUG)
        self.storage_lock = storage_lock

    def emit(self, record: logging.LogRecord) -> None:
        with self.storage_lock:
            pass


def _close_in_a_thread(body, lock: threading.Lock) -> bool:
    """Close ``body`` holding ``lock``, as a garbage collection that starts inside the
    storage's critical section closes an abandoned body; True if it came back."""

    def close() -> None:
        with lock:
            body.close()

    closer = threading.Thread(target=close, daemon=True)
    closer.start()
    closer.join(timeout=30)
    return not closer.is_alive()


@pytest.mark.parametrize("names", [(STRIPE,), (STRIPE, APP_POSTGRES)])
def test_a_body_closed_where_the_runs_log_is_locked_still_cancels_its_jobs(airbyte_sandbox, names):
    # Seen in the soak: a body garbage-collected while its thread stored an event waited
    # forever for the storage's lock, to log the cancel into the run it had outlived.
    ids = [airbyte_sandbox.connection_id(name) for name in names]
    for connection_id in ids:
        airbyte_sandbox.configure_connection(connection_id, duration=30)
    airbyte = sandbox_resource(airbyte_sandbox)
    lock = threading.Lock()
    run_log = logging.getLogger(f"a-run-log-{len(names)}")
    run_log.setLevel(logging.DEBUG)
    run_log.addHandler(_LogNeedingALock(lock))
    specs = [
        s
        for s in load_airbyte_asset_specs(airbyte=airbyte)
        if s.metadata["airbyte/connection_id"] in ids
    ]
    body = sync_connections(airbyte, specs, log=run_log)
    for _ in ids:  # each job started, recorded
        assert isinstance(next(body), dg.AssetObservation)

    assert _close_in_a_thread(body, lock)  # no deadlock

    for connection_id in ids:
        (job,) = sandbox_jobs(airbyte_sandbox, connection_id)
        assert job["status"] == "cancelled"


def test_a_body_garbage_collected_under_the_trackers_lock_forgets_itself(airbyte_sandbox):
    # A collection can start on any allocation, also one made while in_flight holds its lock.
    stripe_id = airbyte_sandbox.connection_id(STRIPE)
    airbyte_sandbox.configure_connection(stripe_id, duration=30)
    airbyte = sandbox_resource(airbyte_sandbox)
    specs = [
        s
        for s in load_airbyte_asset_specs(airbyte=airbyte)
        if s.metadata["airbyte/connection_id"] == stripe_id
    ]
    body = sync_connections(airbyte, specs)
    assert isinstance(next(body), dg.AssetObservation)

    assert _close_in_a_thread(body, in_flight._lock)

    (job,) = sandbox_jobs(airbyte_sandbox, stripe_id)
    assert job["status"] == "cancelled"
    assert in_flight.close_left_behind(airbyte) == 0  # forgotten
