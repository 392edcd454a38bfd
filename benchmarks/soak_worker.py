"""One soak lane: a worker process that runs the sync requests it is handed, one at a time.

Started by ``soak.py`` (multiprocessing, spawn) with its connections, the sandboxes' addresses
and credentials, and the Dagster instance (``DAGSTER_HOME``) it shares with the parent. It
builds every path's definitions once (per-connection assets and the one-step asset from the
workspace snapshot, the op's job, the dg component from a throwaway project, two clients),
then answers each task with what the run or the client reported. Everything it prints and logs
(DEBUG, the client's request lines too) goes to its log file, which the parent scans for
secrets. A terminated run is a real one: the parent sends this process SIGINT while the sync
runs, as Dagster does to a step when a run is terminated.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from airbyte_cloud_dagster import (
    AirbyteClient,
    AirbyteCloudResource,
    AirbyteError,
    AirbyteJobFailed,
    AirbyteTimeout,
    airbyte_sync_op,
    load_airbyte_cloud_assets,
)
from airbyte_cloud_dagster.api import PollPolicy
from airbyte_cloud_dagster.sync.in_flight import close_left_behind

TASK_TAG = "soak/task"
POLL = {"poll_interval": 0.3, "poll_interval_max": 1.5}
REQUEST_TIMEOUT = 5.0
COMPONENT = "airbyte_cloud_dagster.components.AirbyteWorkspaceComponent"


def main(config: dict[str, Any], tasks: Any, results: Any) -> None:
    """The worker's entry point: build, say ready, run tasks until ``None``."""
    _capture_output(Path(config["log_path"]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only a task being terminated takes SIGINT
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: every thread's stack, in the log
    try:
        lane = Lane(config)
    except BaseException:
        results.put({"kind": "failed", "lane": config["lane"], "error": traceback.format_exc()})
        raise
    results.put({"kind": "ready", "lane": config["lane"], "pid": os.getpid()})
    while (task := tasks.get()) is not None:
        results.put({"kind": "done", **lane.run(task)})


def _capture_output(path: Path) -> None:
    """Everything this process prints or logs goes to ``path``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    faulthandler.enable()  # a fatal error in C still says where
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


class Lane:
    """Every path's definitions for this lane's connections, built once."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.instance = dg.DagsterInstance.get()
        main, basic = config["main"], config["basic"]
        self.settings: dict[str, Any] = {
            "api_url": main["base_url"],
            "client_id": main["client_id"],
            "client_secret": main["client_secret"],
            "extra_headers": {main["header_name"]: main["header_value"]},
            "request_timeout": REQUEST_TIMEOUT,
            **POLL,
        }
        # One code location's definitions: every connection of the workspace, as the sensor
        # sees them (a table's asset key must not depend on which connections are loaded).
        ids = config["connections"]
        snapshot = config["snapshot_path"]
        every = load_airbyte_cloud_assets(airbyte=self.resource(), snapshot_path=snapshot)
        self.assets = {_connection_of(a): a for a in every if _connection_of(a) in ids}
        (self.one_step,) = load_airbyte_cloud_assets(
            airbyte=self.resource(), snapshot_path=snapshot, execution="one_step"
        )
        self.lane_tables = [key for a in self.assets.values() for key in a.keys]
        # The retry twist: a resource that gives up on the first error, in a job whose steps
        # are retried; the retried step must attach to the sync it started.
        retried = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)
        no_retries = {"airbyte": self.resource(max_retries=0)}
        self.retry_defs = dg.Definitions(
            assets=list(self.assets.values()),
            jobs=[
                dg.define_asset_job(f"retry_{a.op.name}", selection=[a], op_retry_policy=retried)
                for a in self.assets.values()
            ],
            resources=no_retries,
        )
        self.retry_one_step = dg.Definitions(
            assets=[self.one_step],
            jobs=[
                dg.define_asset_job(
                    "retry_one_step", selection=self.lane_tables, op_retry_policy=retried
                )
            ],
            resources=no_retries,
        )

        @dg.job(name="soak_op_job")
        def op_job() -> None:
            airbyte_sync_op()

        self.op_job = op_job
        self.component_defs, self.component_assets = self._component(config)
        self.client = AirbyteClient(
            main["base_url"],
            client_id=main["client_id"],
            client_secret=main["client_secret"],
            extra_headers={main["header_name"]: main["header_value"]},
            request_timeout=REQUEST_TIMEOUT,
        )
        self.basic_client = AirbyteClient(
            basic["base_url"],
            username=basic["username"],
            password=basic["password"],
            extra_headers={basic["header_name"]: basic["header_value"]},
            request_timeout=REQUEST_TIMEOUT,
        )

    def resource(self, **changes: Any) -> AirbyteCloudResource:
        return AirbyteCloudResource(**{**self.settings, **changes})

    def _component(self, config: dict[str, Any]):
        """The dg component over this lane's connections, loaded as a project's
        ``definitions.py`` would load it (no state yet: it reads the workspace, warning so)."""
        root = Path(config["project_dir"])
        package = f"soak_lane_{config['lane']}_{os.getpid()}"
        (root / package / "defs" / "airbyte").mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        (root / package / "defs" / "__init__.py").write_text("")
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "{package}"\nversion = "0.0.0"\n\n[tool.dg]\n'
            f'directory_type = "project"\n\n[tool.dg.project]\nroot_module = "{package}"\n'
        )
        # Secrets stay in the environment, as the scaffolder writes them.
        os.environ["SOAK_CLIENT_SECRET"] = self.settings["client_secret"]
        os.environ["SOAK_HEADER_VALUE"] = config["main"]["header_value"]
        workspace = {
            **self.settings,
            "client_secret": "{{ env.SOAK_CLIENT_SECRET }}",
            "extra_headers": {config["main"]["header_name"]: "{{ env.SOAK_HEADER_VALUE }}"},
        }
        attributes = {"workspace": workspace}  # every active connection, as the sensor sees
        document = {"type": COMPONENT, "attributes": attributes}
        (root / package / "defs" / "airbyte" / "defs.yaml").write_text(yaml.safe_dump(document))
        sys.path.insert(0, str(root))
        for attempt in range(5):  # the workspace is read through the same faults
            try:
                defs = dg.load_from_defs_folder(path_within_project=root)
                break
            except Exception:
                if attempt == 4:
                    raise
                logging.getLogger("soak").exception("loading the component failed; again")
                time.sleep(1)
        assets = {
            _connection_of(a): a
            for a in defs.assets or []
            if isinstance(a, dg.AssetsDefinition) and _connection_of(a) in config["connections"]
        }
        jobs = [
            dg.define_asset_job(f"component_{a.op.name}", selection=[a]) for a in assets.values()
        ]
        return dg.Definitions.merge(defs, dg.Definitions(jobs=jobs)), assets

    # ----------------------------------------------------------------- one task
    def run(self, task: dict[str, Any]) -> dict[str, Any]:
        began = time.time()
        outcome: dict[str, Any] = {"task_id": task["task_id"], "began": began}
        terminate = task["twist"] == "terminate"
        try:
            if terminate:
                signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                if task["path"] in ("client", "basic"):
                    outcome.update(self._client_sync(task))
                else:
                    outcome.update(self._dagster_run(task))
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        except (KeyboardInterrupt, dg.DagsterExecutionInterruptedError) as error:
            outcome.update(interrupted=True, error=f"{type(error).__name__}: {error}")
        except BaseException:
            outcome.update(crashed=True, error=traceback.format_exc())
        if terminate:
            # This process stands in for a step process, which exits once terminated: its exit
            # closes the sync bodies an interrupt left behind (sync/in_flight.py), whether the
            # run came back failed or the interrupt came out of it. It lives on for the next
            # task, so it does what that exit does, now.
            outcome["closed_left_behind"] = close_left_behind()
        if task["path"] not in ("client", "basic"):
            outcome.update(self._runs_of(task["task_id"]))
        outcome["ended"] = time.time()
        return outcome

    def _client_sync(self, task: dict[str, Any]) -> dict[str, Any]:
        """The plain client's ``sync_and_wait``, ``calls`` times in a row."""
        client = self.basic_client if task["path"] == "basic" else self.client
        (connection_id,) = task["connections"]
        calls = []
        for _ in range(task["calls"]):
            call: dict[str, Any] = {"began": time.time()}
            try:
                job = client.sync_and_wait(
                    connection_id,
                    poll=PollPolicy(POLL["poll_interval"], 1.5, POLL["poll_interval_max"]),
                    timeout=task["sync_timeout"],
                    cancel_on_timeout=True,
                )
                call.update(client_job=job.job_id, success=True)
            except (AirbyteJobFailed, AirbyteTimeout) as error:
                job_id = error.job.job_id if error.job else None
                call.update(client_job=job_id, error_type=type(error).__name__, error=str(error))
            except AirbyteError as error:
                text = "".join(traceback.format_exception(error))
                call.update(client_job=None, error_type=type(error).__name__, error=text)
            call["ended"] = time.time()
            calls.append(call)
        return {"calls": calls}

    def _dagster_run(self, task: dict[str, Any]) -> dict[str, Any]:
        path, twist = task["path"], task["twist"]
        tags = {TASK_TAG: str(task["task_id"])}
        resync = twist == "resync"
        changes: dict[str, Any] = {}
        if twist == "timeout" and path != "sensor":
            changes = {"sync_timeout": task["sync_timeout"], "cancel_on_timeout": True}
        if path == "sensor":
            changes = {"wait_mode": "sensor"}
        airbyte = self.resource(**changes)
        options = {"instance": self.instance, "tags": tags, "raise_on_error": False}
        if path == "op":
            (connection_id,) = task["connections"]
            op_config = {"config": {"connection_id": connection_id, "resync": resync}}
            result = self.op_job.execute_in_process(
                run_config={"ops": {"airbyte_sync_op": op_config}},
                resources={"airbyte": airbyte},
                **options,
            )
        elif path == "component":
            (connection_id,) = task["connections"]
            assets_def = self.component_assets[connection_id]
            run_config = _resync_config(assets_def) if resync else None
            job = self.component_defs.resolve_job_def(f"component_{assets_def.op.name}")
            result = job.execute_in_process(run_config=run_config, **options)
        elif path == "one_step":  # the lane's tables: a subset of the one-step asset
            run_config = _resync_config(self.one_step) if resync else None
            if twist == "retry":
                job = self.retry_one_step.resolve_job_def("retry_one_step")
                result = job.execute_in_process(run_config=run_config, **options)
            else:
                result = dg.materialize(
                    [self.one_step],
                    selection=self.lane_tables,
                    resources={"airbyte": airbyte},
                    run_config=run_config,
                    **options,
                )
        else:
            assets_def = self.assets[task["connections"][0]]
            run_config = _resync_config(assets_def) if resync else None
            if twist == "retry":
                job = self.retry_defs.resolve_job_def(f"retry_{assets_def.op.name}")
                result = job.execute_in_process(run_config=run_config, **options)
            else:
                result = dg.materialize(
                    [assets_def], resources={"airbyte": airbyte}, run_config=run_config, **options
                )
        return {"success": result.success}

    def _runs_of(self, task_id: int) -> dict[str, Any]:
        """What the task's run recorded, read back from the instance (a terminated run too)."""
        records = self.instance.get_run_records(dg.RunsFilter(tags={TASK_TAG: str(task_id)}))
        started: set[int] = set()
        materialized: set[int] = set()
        emptied: set[int] = set()
        retries, failures, statuses = 0, [], []
        for record in records:
            statuses.append(record.dagster_run.status.value)
            for entry in self.instance.all_logs(record.dagster_run.run_id):
                event = entry.dagster_event
                if event is None:
                    continue
                if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
                    metadata = event.asset_observation_data.asset_observation.metadata
                    if "airbyte/wait_mode" in metadata:
                        started.add(int(metadata["airbyte/job_id"].value))
                    if "airbyte/emptied" in metadata:
                        emptied.add(int(metadata["airbyte/job_id"].value))
                elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                    metadata = event.step_materialization_data.materialization.metadata
                    materialized.add(int(metadata["airbyte/job_id"].value))
                elif event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY:
                    retries += 1
                elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
                    failures.append(_error_text(event.step_failure_data.error))
        return {
            "run_ids": [r.dagster_run.run_id for r in records],
            "run_statuses": statuses,
            "started_jobs": sorted(started),
            "materialized_jobs": sorted(materialized),
            "emptied_jobs": sorted(emptied),
            "retries": retries,
            "failures": failures,
        }


def _connection_of(assets_def: dg.AssetsDefinition) -> str:
    spec = next(iter(assets_def.specs))
    return str(spec.metadata["airbyte/connection_id"])


def _resync_config(assets_def: dg.AssetsDefinition) -> dict[str, Any]:
    return {"ops": {assets_def.op.name: {"config": {"resync": True}}}}


def _error_text(error: Any) -> str:
    """A serialized error and its causes, as the run's page shows them."""
    parts = []
    while error is not None:
        parts.append(f"{error.cls_name}: {error.message.strip()}")
        error = error.cause
    return " <- ".join(parts)
