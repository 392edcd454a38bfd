"""The soak: hundreds of sync requests through every path, against a sandbox that misbehaves.

We claim this integration never loses, duplicates or orphans a sync and never leaks a
credential. This drives sync requests through every way of running one (per-connection assets,
the one-step asset, ``airbyte_sync_op``, ``wait_mode="sensor"`` with the sync sensor ticking,
the dg component, the plain client, the plain client behind HTTP Basic auth), several at once
(one worker process per lane), against local sandboxes on 127.0.0.1 with faults at seeded
rates (``airbyte_cloud_dagster/sandbox/chaos.py``: 5xx with HTML bodies, 429 bursts, dropped
connections, lost ``POST /jobs`` replies and requests, latency spikes, tokens expiring every
few seconds and token answers without a lifetime) and jobs that queue, have ``incomplete``
attempts, fail or are cancelled, while syncs and clears are also started outside Dagster. Some
runs are terminated mid-sync (SIGINT to the worker, as Dagster terminates a step), some syncs
outlive their timeout, some steps are retried, some connections are resynced.

Then it counts, from the sandbox's own job store and the Dagster instance (see
``soak_checks.py``), and exits 1 when a target is missed:

- sync requests and their outcome as Airbyte reported it; failures the client caused: 0;
- jobs created per sync request: exactly 1.00 (no duplicate, no stale attach, none missing);
- jobs still running after their run was terminated, or after their timeout: 0;
- materializations recorded = syncs succeeded; clears recorded = clears succeeded;
- occurrences of a secret in logs, the Dagster instance, metadata and exception texts: 0;
- API requests per sync, and p50/p95 from a job's end to its materialization.

    .venv/bin/python benchmarks/soak.py [--seed N] [--quick] [--json out.json]   # make soak
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import multiprocessing
import os
import queue
import random
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

import dagster as dg
import soak_checks
import soak_worker
from soak_plan import FULL, QUICK, RATES, LanePlanner, Size, Task, external_plan
from soak_plan import SENSOR_TIMEOUT as SENSOR_SYNC_TIMEOUT

import airbyte_cloud_dagster
from airbyte_cloud_dagster import (
    AirbyteClient,
    AirbyteCloudResource,
    AirbyteLoadOptions,
    AirbyteWorkspaceData,
    build_airbyte_sync_sensor,
    load_airbyte_cloud_assets,
    write_snapshot,
)
from airbyte_cloud_dagster.sandbox import Sandbox, WorkspaceSeed, generate_workspace
from airbyte_cloud_dagster.sandbox.chaos import Chaos, start_external_clear

SIGNAL_WITHIN = 20.0  # a terminate task is signalled at the latest this long after it began
SETTLE_SECONDS = 90.0  # after the last task: every job ends within this
TASK_LIMIT = 240.0  # a lane that has not answered a task by then is written off
log = logging.getLogger("soak")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="about 60 s, for CI")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--lanes", type=int, help="worker processes (default: by size)")
    parser.add_argument("--seconds", type=float, help="seconds of new sync requests")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the instance")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    if args.lanes or args.seconds:
        size = Size(
            size.name, args.lanes or size.lanes, args.seconds or size.drive_seconds, **_rest(size)
        )
    root = Path(tempfile.mkdtemp(prefix="airbyte-soak-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped from outside: clean up
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: every thread's stack
    stderr = os.dup(2)
    try:
        # What the sensor, Dagster and the sandbox print goes to a log (scanned for secrets).
        with (root / "parent-output.log").open("ab") as output:
            os.dup2(output.fileno(), 2)
        report = Soak(size, args.seed, root).run()
    except BaseException:
        os.dup2(stderr, 2)
        print((root / "parent-output.log").read_text(errors="replace")[-5000:], file=sys.stderr)
        raise
    finally:
        os.dup2(stderr, 2)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(soak_checks.render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, sort_keys=True))
        print(f"figures written to {args.json}")
    if args.keep:
        print(f"logs and the Dagster instance kept in {root}")
    return 0 if report["met"] else 1


def _rest(size: Size) -> dict[str, Any]:
    fields = asdict(size)
    for name in ("name", "lanes", "drive_seconds"):
        fields.pop(name)
    return fields


class Soak:
    """One soak: sandboxes, the instance, lanes, the sensor and Airbyte's own hands."""

    def __init__(self, size: Size, seed: int, root: Path) -> None:
        self.size, self.seed, self.root = size, seed, root
        self.logs = root / "logs"
        self.logs.mkdir()
        home = root / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        os.environ["DAGSTER_HOME"] = str(home)
        _log_to(self.logs / "parent.log")
        self.rng = random.Random(seed)
        lane_count = size.lanes * size.connections_per_lane
        main_seed = _distinct_tables(
            generate_workspace(lane_count + size.external_connections + 4, 2, seed=seed)
        )
        active = [c.connection_id for c in main_seed.connections if c.status == "active"]
        self.lane_connections = [
            active[i * size.connections_per_lane : (i + 1) * size.connections_per_lane]
            for i in range(size.lanes)
        ]
        self.external = active[lane_count : lane_count + size.external_connections]
        basic_seed = _distinct_tables(generate_workspace(size.lanes + 2, 1, seed=seed + 1))
        basic_active = [c.connection_id for c in basic_seed.connections if c.status == "active"]
        self.basic_connections = basic_active[: size.lanes]
        self.header = ("X-Soak-Access", secrets.token_urlsafe(24))
        self.basic_header = ("X-Soak-Gate", secrets.token_urlsafe(24))
        self.basic_login = ("soak", secrets.token_urlsafe(18))
        self.main = Sandbox(
            main_seed, job_duration=1.0, token_lifetime=30.0, required_headers=dict([self.header])
        )
        self.basic = Sandbox(
            basic_seed,
            job_duration=1.0,
            basic_auth=self.basic_login,
            required_headers=dict([self.basic_header]),
        )
        self.chaos = Chaos.install(self.main, RATES, seed=seed)
        self.basic_chaos = Chaos.install(self.basic, RATES, seed=seed + 1)
        self.tasks: dict[int, dict[str, Any]] = {}  # task id -> what we know of it
        self.sensor_ticks: list[dict[str, Any]] = []
        self.external_started: list[int] = []
        self._stop = threading.Event()

    # ----------------------------------------------------------------- the whole run
    def run(self) -> dict[str, Any]:
        began = time.monotonic()
        with self.main, self.basic:
            self.chaos.enabled = self.basic_chaos.enabled = False  # until the lanes are ready
            snapshot = self._snapshot()
            self._create_instance()
            workers = self._start_workers(snapshot)
            self.chaos.enabled = self.basic_chaos.enabled = True
            self.chaos.start()
            self.basic_chaos.start()
            self._build_sensor(snapshot)
            self.drive_first_request = len(self.main.requests)
            threads = [
                threading.Thread(target=self._sensor_loop, daemon=True),
                threading.Thread(target=self._external_loop, daemon=True),
            ]
            for thread in threads:
                thread.start()
            drive_began = time.monotonic()
            try:
                self._drive(workers)
            finally:
                self._stop.set()
                _stop_workers(workers)
            drive_seconds = time.monotonic() - drive_began
            for thread in threads:
                thread.join(timeout=60)
            self._settle()
            self.chaos.stop()
            self.basic_chaos.stop()
            self._final_ticks()
            figures = soak_checks.Figures(self).collect()
        figures["setup"] = {
            "seed": self.seed,
            "size": asdict(self.size),
            "rates": asdict(RATES),
            "drive_seconds": round(drive_seconds, 1),
            "wall_seconds": round(time.monotonic() - began, 1),
            "cpus": os.cpu_count(),
            "package": str(Path(airbyte_cloud_dagster.__file__).parent),
        }
        return figures

    def _create_instance(self) -> None:
        """The instance's storages, created once here: lanes creating them at the same
        moment would race on SQLite's schema."""
        self.instance = dg.DagsterInstance.get()
        self.instance.get_runs(limit=1)
        self.instance.fetch_materializations(dg.AssetKey("soak"), limit=1)
        self.instance.all_instigator_state()

    def _snapshot(self) -> Path:
        """The workspace snapshot every lane's assets load from (no API call in the lanes)."""
        path = self.root / "airbyte_workspace.json"
        client = AirbyteClient(
            self.main.base_url,
            client_id=self.main.client_id,
            client_secret=self.main.client_secret,
            extra_headers=dict([self.header]),
        )
        with client:
            options = AirbyteLoadOptions(fetch_column_schema=False)
            write_snapshot(AirbyteWorkspaceData.fetch(client, options), path)
        return path

    def resource(self, **changes: Any) -> AirbyteCloudResource:
        """The sensor's resource: the self-managed prefix, so its requests count apart."""
        settings = {
            "api_url": self.main.self_managed_url,
            "client_id": self.main.client_id,
            "client_secret": self.main.client_secret,
            "extra_headers": dict([self.header]),
            "request_timeout": soak_worker.REQUEST_TIMEOUT,
        }
        return AirbyteCloudResource(**{**settings, **changes})

    def _start_workers(self, snapshot: Path) -> list[dict[str, Any]]:
        context = multiprocessing.get_context("spawn")
        self.results: Any = context.Queue()
        workers = []
        for lane in range(self.size.lanes):
            config = {
                "lane": lane,
                "connections": self.lane_connections[lane],
                "snapshot_path": str(snapshot),
                "log_path": str(self.logs / f"lane-{lane}.log"),
                "project_dir": str(self.root / f"project-{lane}"),
                "main": {
                    "base_url": self.main.base_url,
                    "client_id": self.main.client_id,
                    "client_secret": self.main.client_secret,
                    "header_name": self.header[0],
                    "header_value": self.header[1],
                },
                "basic": {
                    "base_url": self.basic.base_url,
                    "username": self.basic_login[0],
                    "password": self.basic_login[1],
                    "header_name": self.basic_header[0],
                    "header_value": self.basic_header[1],
                },
            }
            tasks = context.Queue()
            process = context.Process(
                target=soak_worker.main, args=(config, tasks, self.results), daemon=True
            )
            process.start()
            planner = LanePlanner(
                self.seed, lane, self.lane_connections[lane], self.basic_connections[lane]
            )
            workers.append({"process": process, "tasks": tasks, "planner": planner, "busy": None})
        ready = 0
        while ready < len(workers):
            message = self.results.get(timeout=180)
            if message["kind"] == "failed":
                raise RuntimeError(f"lane {message['lane']} did not start:\n{message['error']}")
            workers[message["lane"]]["pid"] = message["pid"]
            ready += 1
        log.info("all %s lanes ready", len(workers))
        return workers

    # ----------------------------------------------------------------- handing out tasks
    def _drive(self, workers: list[dict[str, Any]]) -> None:
        deadline = time.monotonic() + self.size.drive_seconds
        next_id = 1
        while True:
            self._collect(workers)
            self._write_off(workers)
            self._terminate_when_running(workers)
            driving = time.monotonic() < deadline
            if not driving and all(w["busy"] is None for w in workers):
                return
            if driving:
                idle = self._idle_connections()
                for worker in workers:
                    if worker["busy"] is not None or worker.get("dead"):
                        continue
                    task = worker["planner"].take(next_id, idle)
                    if task is None:
                        continue
                    next_id += 1
                    idle -= set(task.connections)
                    self._hand_out(worker, task)
            time.sleep(0.05)

    def _hand_out(self, worker: dict[str, Any], task: Task) -> None:
        sandbox = self.basic if task.path == "basic" else self.main
        for connection_id, plan in task.plans.items():
            sandbox.configure_connection(connection_id, **plan)
        self.tasks[task.task_id] = {"task": task.to_dict(), "handed_out": time.time()}
        worker["busy"] = task
        worker["since"] = time.monotonic()
        worker["signalled"] = False
        worker["tasks"].put(task.to_dict())

    def _collect(self, workers: list[dict[str, Any]]) -> None:
        while True:
            try:
                message = self.results.get_nowait()
            except queue.Empty:
                return
            if message["kind"] != "done":
                continue
            entry = self.tasks[message["task_id"]]
            entry["result"] = message
            task = entry["task"]
            sandbox = self.basic if task["path"] == "basic" else self.main
            # Jobs as they are the moment the run or the call ended (orphans show here).
            entry["jobs_at_end"] = {
                str(job_id): status
                for job_id, status in soak_checks.jobs_since(
                    sandbox, task["connections"], entry["handed_out"]
                ).items()
            }
            for worker in workers:
                if worker["busy"] is not None and worker["busy"].task_id == message["task_id"]:
                    worker["busy"] = None

    def _write_off(self, workers: list[dict[str, Any]]) -> None:
        """A lane that died, or hangs, loses its task (judged "lost") and takes no more."""
        for worker in workers:
            task = worker["busy"]
            if task is None:
                continue
            process = worker["process"]
            overdue = time.monotonic() - worker["since"] > TASK_LIMIT
            if process.is_alive() and not overdue:
                continue
            log.error(
                "lane %s lost task %s (exit code %s)", task.lane, task.task_id, process.exitcode
            )
            if process.is_alive():  # where it hangs: every thread's stack, into its log
                os.kill(worker["pid"], signal.SIGUSR1)
                time.sleep(1.0)
            self.tasks[task.task_id]["result"] = {
                "lost": True,
                "ended": time.time(),
                "error": f"exit code {process.exitcode}" + (", overdue" if overdue else ""),
            }
            worker["busy"], worker["dead"] = None, True
            process.kill()

    def _terminate_when_running(self, workers: list[dict[str, Any]]) -> None:
        """SIGINT to a lane whose terminate task's syncs are all running (as the tests do)."""
        for worker in workers:
            task = worker["busy"]
            if task is None or task.twist != "terminate" or worker["signalled"]:
                continue
            entry = self.tasks[task.task_id]
            statuses = soak_checks.running_by_connection(
                self.main, task.connections, entry["handed_out"]
            )
            late = time.monotonic() - worker["since"] > SIGNAL_WITHIN
            if all(statuses.get(c) == "running" for c in task.connections) or late:
                os.kill(worker["pid"], signal.SIGINT)
                worker["signalled"] = True
                entry["signalled"] = {"at": time.time(), "all_running": not late}

    def _idle_connections(self) -> set[str]:
        """Connections with no task in flight and no job still running in their sandbox."""
        unfinished = {
            job.connection_id
            for sandbox in (self.main, self.basic)
            for job in sandbox.state.jobs.all()
            if job.final_status is None
        }
        every = [c for lane in self.lane_connections for c in lane] + self.basic_connections
        return {c for c in every if c not in unfinished}

    # ----------------------------------------------------------------- the sensor, Airbyte
    def _build_sensor(self, snapshot: Path) -> None:
        """The sync sensor over every connection of the main sandbox."""
        resource = self.resource(wait_mode="sensor", sync_timeout=SENSOR_SYNC_TIMEOUT)
        self.sensor_assets = load_airbyte_cloud_assets(airbyte=resource, snapshot_path=snapshot)
        self.sensor = build_airbyte_sync_sensor(self.sensor_assets, minimum_interval_seconds=2)
        self.sensor_resource = resource
        self.cursor: str | None = None

    def _sensor_loop(self) -> None:
        """Ticking as the daemon would, each tick's events stored as the daemon stores them."""
        while not self._stop.wait(self.size.sensor_interval):
            self.tick()

    def tick(self) -> int:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources={"airbyte": self.sensor_resource}
        )
        began = time.time()
        try:
            result = self.sensor(context)
        except Exception as error:
            text = "".join(traceback.format_exception(error))
            log.error("sensor tick failed: %s", text)
            self.sensor_ticks.append({"at": began, "error": text})
            return 0
        for event in result.asset_events:
            self.instance.report_runless_asset_event(event)
        self.cursor = result.cursor
        self.sensor_ticks.append(
            {"at": began, "seconds": time.time() - began, "events": len(result.asset_events)}
        )
        return len(result.asset_events)

    def _external_loop(self) -> None:
        """Airbyte's own scheduler and its UI: syncs and clears no Dagster run asked for."""
        rng = random.Random(f"{self.seed}:external")
        while not self._stop.wait(rng.uniform(*self.size.external_every)):
            busy = {j.connection_id for j in self.main.state.jobs.all() if j.final_status is None}
            idle = [c for c in self.external if c not in busy]
            if not idle:
                continue
            connection_id = rng.choice(idle)
            self.main.configure_connection(connection_id, **external_plan(rng))
            try:
                if rng.random() < 0.3:
                    job = start_external_clear(self.main, connection_id)
                else:
                    job = self.main.start_external_sync(connection_id)
            except RuntimeError:
                continue
            self.external_started.append(int(job["jobId"]))

    def _settle(self) -> None:
        """Wait until every job has ended (sensor-mode syncs, sensor timeouts, external ones),
        the sensor still ticking through the faults."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            jobs = [*self.main.state.jobs.all(), *self.basic.state.jobs.all()]
            if all(job.final_status is not None for job in jobs):
                return
            self.tick()
            time.sleep(self.size.sensor_interval)
        log.error("jobs still unfinished %s s after the last task", SETTLE_SECONDS)

    def _final_ticks(self) -> None:
        """Faults off: tick until a tick records nothing new (every ended job is in view)."""
        time.sleep(1.0)
        for _ in range(10):
            if self.tick() == 0 and "error" not in self.sensor_ticks[-1]:
                return
            time.sleep(self.size.sensor_interval)


def _stop_workers(workers: list[dict[str, Any]]) -> None:
    """Ask each lane to stop; kill the ones that do not within 30 s."""
    for worker in workers:
        if worker["process"].is_alive():
            worker["tasks"].put(None)
    deadline = time.monotonic() + 30
    for worker in workers:
        worker["process"].join(timeout=max(0.1, deadline - time.monotonic()))
        if worker["process"].is_alive():
            worker["process"].kill()
            worker["process"].join(timeout=5)


def _log_to(path: Path) -> None:
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


def _distinct_tables(seed: WorkspaceSeed) -> WorkspaceSeed:
    """Every connection lands its own tables (a stream prefix where it has none). Two
    connections writing one destination table overwrite each other in Airbyte; Dagster keys
    of such tables get a suffix that depends on which connections are loaded together
    (workspace/specs.py), so the op (one connection) and the assets (all) would name them apart."""
    for index, connection in enumerate(seed.connections):
        connection.prefix = connection.prefix or f"c{index}_"
    return seed


if __name__ == "__main__":
    sys.exit(main())
