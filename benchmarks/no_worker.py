"""What ``wait_mode="sensor"`` saves, and how late the sync sensor records a finished job.

Against the sandbox, with a real ``dagster-daemon`` evaluating the sync sensor
(``benchmarks/no_worker_location.py``) on a SQLite instance in a temporary ``DAGSTER_HOME``:

1. Run-worker seconds for one sync of ``--sync-seconds`` (default 600, the 10-minute sync):
   a run in the default ``wait_mode="blocking"`` (default polling: 1 s, backing off to 30 s)
   and a run in ``wait_mode="sensor"``, on two connections at the same time. Both are timed
   on the wall clock: the in-process executor *is* the run worker.
2. The delay between a job ending (the first moment ``GET /jobs/{id}`` says so, watched every
   50 ms) and its materialization appearing in the instance (the event's timestamp), for the
   sensor-mode run's job and ``--jobs`` syncs started as if by Airbyte's own scheduler at random
   moments. Target: p95 under the sensor's interval + 5 s.

It also checks that no job is recorded twice (the blocking run's job is recorded by the run,
and the sensor holds it back until the run ends).

    .venv/bin/python benchmarks/no_worker.py                     # ~11 minutes
    .venv/bin/python benchmarks/no_worker.py --sync-seconds 60   # a shorter sync
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dagster as dg

from airbyte_cloud_dagster import AirbyteCloudResource, load_airbyte_cloud_assets
from airbyte_cloud_dagster.sandbox import Sandbox, generate_workspace

HERE = Path(__file__).resolve().parent
TERMINAL = ("succeeded", "failed", "cancelled")


class JobWatch:
    """Notes the wall-clock moment each watched job is first served as finished."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.ended: dict[int, float] = {}
        self._watched: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def watch(self, job_id: int) -> None:
        with self._lock:
            self._watched.add(job_id)

    def pending(self) -> int:
        with self._lock:
            return len(self._watched - set(self.ended))

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                waiting = self._watched - set(self.ended)
            for job_id in waiting:
                if self.sandbox.job(job_id)["status"] in TERMINAL:
                    self.ended[job_id] = time.time()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def recorded_at(instance: dg.DagsterInstance, assets: list[dg.AssetsDefinition]) -> dict:
    """job id -> [timestamps of its materializations of the first table of its connection]."""
    seen: dict[int, list[float]] = {}
    for assets_def in assets:
        key = next(iter(assets_def.keys))
        for record in instance.fetch_materializations(key, limit=1000).records:
            job_id = record.asset_materialization.metadata["airbyte/job_id"].value
            seen.setdefault(job_id, []).append(record.timestamp)
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync-seconds", type=float, default=600.0)
    parser.add_argument("--sensor-interval", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=12, help="external syncs to time")
    parser.add_argument("--external-job-seconds", type=float, default=3.0)
    args = parser.parse_args()
    # Stopped from outside: still stop the daemon (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    home = tempfile.mkdtemp(prefix="bench-no-worker-")
    Path(home, "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    seed = generate_workspace(6, 2, seed=1)
    active = [c.connection_id for c in seed.connections if c.status == "active"]
    blocking_id, sensor_id, *external_ids = active
    with Sandbox(seed, job_duration=args.external_job_seconds) as sandbox:
        for connection_id in (blocking_id, sensor_id):
            sandbox.configure_connection(connection_id, duration=args.sync_seconds)
        os.environ.update(
            DAGSTER_HOME=home,
            AIRBYTE_API_URL=sandbox.base_url,
            AIRBYTE_CLIENT_ID=sandbox.client_id,
            AIRBYTE_CLIENT_SECRET=sandbox.client_secret,
            BENCH_SENSOR_INTERVAL=str(args.sensor_interval),
        )
        daemon_log = Path(home, "daemon.log").open("w")  # noqa: SIM115 (open while it runs)
        print(f"dagster-daemon log: {daemon_log.name}", flush=True)
        daemon = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster-daemon")),
                "run",
                "-f",
                str(HERE / "no_worker_location.py"),
            ],
            env=os.environ.copy(),
            stdout=daemon_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            return measure(args, sandbox, blocking_id, sensor_id, external_ids)
        finally:
            os.killpg(daemon.pid, signal.SIGINT)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)


def measure(args, sandbox: Sandbox, blocking_id: str, sensor_id: str, external_ids: list[str]):
    instance = dg.DagsterInstance.get()
    watch = JobWatch(sandbox)
    base = {
        "api_url": sandbox.base_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
    }
    blocking = AirbyteCloudResource(**base)
    no_worker = AirbyteCloudResource(**base, wait_mode="sensor")
    assets = load_airbyte_cloud_assets(airbyte=blocking, fetch_column_schema=False)
    by_connection = {str(next(iter(a.specs)).metadata["airbyte/connection_id"]): a for a in assets}

    # Warm-up: the sensor is ticking once a first external sync is recorded.
    warm_up = sandbox.start_external_sync(external_ids[0])["jobId"]
    while warm_up not in recorded_at(instance, assets):
        time.sleep(0.5)
    print("sensor is ticking; starting the runs", flush=True)

    run_seconds: dict[str, float] = {}
    started_jobs: dict[str, int] = {}

    def timed_run(mode: str, resource: AirbyteCloudResource, connection_id: str) -> None:
        started = time.monotonic()
        result = dg.materialize(
            [by_connection[connection_id]], resources={"airbyte": resource}, instance=instance
        )
        run_seconds[mode] = time.monotonic() - started
        assert result.success
        (observation, *_) = [
            e for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION
        ]
        metadata = observation.asset_observation_data.asset_observation.metadata
        started_jobs[mode] = metadata["airbyte/job_id"].value

    # One run at a time in this process: the sensor-mode run, then the blocking run, while
    # Airbyte's "own scheduler" starts syncs on the other connections in the background.
    timed_run("sensor", no_worker, sensor_id)
    print(f"sensor-mode run ended after {run_seconds['sensor']:.2f} s", flush=True)
    sensor_job = started_jobs["sensor"]
    watch.watch(sensor_job)
    external: list[int] = []

    def airbyte_scheduler() -> None:
        rng = random.Random(7)
        for n in range(args.jobs):
            time.sleep(rng.uniform(2.0, 2.0 * args.sensor_interval / 3))
            try:
                job_id = sandbox.start_external_sync(external_ids[n % len(external_ids)])["jobId"]
            except RuntimeError:  # that connection's previous sync still runs
                continue
            external.append(job_id)
            watch.watch(job_id)

    scheduler = threading.Thread(target=airbyte_scheduler, daemon=True)
    scheduler.start()
    timed_run("blocking", blocking, blocking_id)
    print(f"blocking run ended after {run_seconds['blocking']:.2f} s", flush=True)
    scheduler.join()
    while watch.pending():
        time.sleep(0.5)
    time.sleep(args.sensor_interval + 10)
    watch.stop()

    seen = recorded_at(instance, assets)
    delays = {job_id: min(seen[job_id]) - watch.ended[job_id] for job_id in [sensor_job, *external]}
    twice = [job_id for job_id, stamps in seen.items() if len(stamps) > 1]
    blocking_job = started_jobs["blocking"]
    print()
    print(f"sync of {args.sync_seconds:.0f} s, sensor interval {args.sensor_interval} s")
    print(f"run-worker seconds, wait_mode='blocking': {run_seconds['blocking']:8.1f}")
    print(f"run-worker seconds, wait_mode='sensor':   {run_seconds['sensor']:8.2f}")
    print(
        f"job end -> materialization, {len(delays)} jobs (seconds): "
        + ", ".join(f"{d:.1f}" for d in sorted(delays.values()))
    )
    p50, p95 = percentile(list(delays.values()), 0.5), percentile(list(delays.values()), 0.95)
    target = args.sensor_interval + 5
    print(
        f"  p50 {p50:.1f} s, p95 {p95:.1f} s, max {max(delays.values()):.1f} s; "
        f"target p95 < {target} s: {'met' if p95 < target else 'NOT met'}"
    )
    print(f"  the sensor-mode run's own job: {delays[sensor_job]:.1f} s")
    print(
        f"jobs recorded twice: {twice or 'none'}; the blocking run's job {blocking_job} "
        f"recorded {len(seen[blocking_job])} time(s)"
    )
    return 0 if p95 < target and not twice else 1


if __name__ == "__main__":
    sys.exit(main())
