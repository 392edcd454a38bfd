"""Many Airbyte connections in one step: one multi-asset that syncs every selected connection.

``load_airbyte_cloud_assets(execution="one_step")`` builds it. The body reuses the three pieces
of the per-connection assets: *start* (``AirbyteClient.start_job``, which attaches to a running
sync on 409), *follow* (``api/multi_wait.py``: one jobs-list request per poll for all jobs, and
``sync.py``'s failure and termination semantics), *turn into events* (``events.py``).

- The multi-asset can be subset, but the public API syncs whole connections: any selected table
  syncs its connection, and only the selected tables are reported as materialized. Dagster has
  no public way to make a subset of a multi-asset's keys selectable only together (its
  "execution sets" are all or nothing per multi-asset), so every table's description says so.
- Every selected sync is started first (a few at a time), then all are awaited in one loop;
  each connection's tables are reported as soon as its job ends.
- A failed connection does not stop the others: the step fails at the end with one
  ``dagster.Failure`` listing every failed connection, its job and its page.
- Terminating the run cancels every job still running (``cancel_on_termination``); a retried
  step starts again and attaches to the jobs still running.
- Each started job is recorded as the per-connection step records it (``no_worker.start_sync``),
  so with ``wait_mode="sensor"`` the step only starts the syncs and the sync sensor records them.

Measured (``dagster asset materialize --select '*'``, 10 connections x 20 s syncs, shared
2-core machine): per-connection 167 s and 418 MiB peak RSS; one step 34 s and 277 MiB
(147 MiB with ``executor=dg.in_process_executor``); README "Many connections in one step".

Example::

    defs = dg.Definitions(
        assets=load_airbyte_cloud_assets(airbyte=airbyte, execution="one_step"),
        resources={"airbyte": airbyte},
    )
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import dagster as dg

from airbyte_cloud_dagster.api import AirbyteConnection, AirbyteError, AirbyteJob
from airbyte_cloud_dagster.api.config_api import fetch_job_details
from airbyte_cloud_dagster.api.multi_wait import JobsWatch, wait_for_jobs
from airbyte_cloud_dagster.events import connection_url_of, materialize_results
from airbyte_cloud_dagster.no_worker import start_sync
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.sync import (
    HEARTBEAT_SECONDS,
    lost_track_failure,
    on_termination,
    sync_failure,
)
from airbyte_cloud_dagster.translator import CONNECTION_ID_KEY

ONE_STEP_NAME = "airbyte_sync_all"
# Start calls in flight at once: creating a job can take seconds under load (BEHAVIOUR.md "Jobs").
DEFAULT_MAX_CONCURRENT_STARTS = 8

Log = logging.Logger | dg.DagsterLogManager


def one_step_asset(
    connections: Sequence[AirbyteConnection],
    specs_by_connection: Mapping[str, Sequence[dg.AssetSpec]],
    *,
    name: str = ONE_STEP_NAME,
    resource_key: str = "airbyte",
    pool: str | None = "airbyte",
    max_concurrent_starts: int = DEFAULT_MAX_CONCURRENT_STARTS,
) -> dg.AssetsDefinition:
    """One multi-asset over the tables of all ``connections``, subsettable by connection.

    ``specs_by_connection`` is what ``assets.build_specs`` returns. Most users call
    ``build_airbyte_assets(data, execution="one_step")`` instead::

        asset = one_step_asset(data.connections, build_specs(data), name="airbyte_eu")
    """
    names = {c.connection_id: c.name for c in connections}
    workspace_ids = {c.connection_id: c.workspace_id for c in connections}
    specs = [
        _with_note(spec, names.get(connection_id, connection_id), len(group), name)
        for connection_id, group in specs_by_connection.items()
        for spec in group
    ]

    @dg.multi_asset(
        name=name,
        specs=specs,
        can_subset=True,
        pool=pool,
        required_resource_keys={resource_key},
    )
    def _sync_connections(context):  # annotations are strings here, which Dagster rejects
        airbyte: AirbyteCloudResource = getattr(context.resources, resource_key)
        selected = [s for s in context.assets_def.specs if s.key in context.selected_asset_keys]
        yield from sync_connections(
            airbyte,
            selected,
            connection_names=names,
            workspace_ids=workspace_ids,
            log=context.log,
            max_concurrent_starts=max_concurrent_starts,
        )

    return _sync_connections


def sync_connections(
    airbyte: AirbyteCloudResource,
    specs: Iterable[dg.AssetSpec],
    *,
    connection_names: Mapping[str, str] | None = None,
    workspace_ids: Mapping[str, str] | None = None,
    log: Log | None = None,
    max_concurrent_starts: int = DEFAULT_MAX_CONCURRENT_STARTS,
) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
    """Sync every connection behind ``specs`` in this step; yield each one's results as it ends.

    Raises one ``dagster.Failure`` at the end if any connection failed to start, failed, was
    cancelled or timed out. ``workspace_ids`` (connection id -> workspace id) narrows the jobs
    list polled; without it every job the credentials can see is listed. Each started job is
    recorded first (``no_worker.start_sync``'s observations); with the resource's
    ``wait_mode="sensor"`` the step ends there and the sync sensor records the tables. Use it
    in your own multi-asset body::

        yield from sync_connections(airbyte, selected_specs, log=context.log)
    """
    log = log or dg.get_dagster_logger("airbyte")
    by_connection = _group_by_connection(specs)
    run = _OneStepRun(airbyte, connection_names or {}, log)
    try:
        yield from run.start_all(by_connection, max_concurrent_starts)
        if airbyte.wait_mode == "sensor":
            _raise_if_failed(run, len(by_connection))  # the sync sensor records the rest
            return
        ends = wait_for_jobs(
            run.client,
            run.started.values(),
            workspace_ids=_workspaces_of(run.started, workspace_ids),
            poll=run.settings.poll,
            timeout=run.settings.timeout,
            cancel_on_timeout=run.settings.cancel_on_timeout,
            on_progress=_Heartbeat(log),
        )
        for end in ends:
            connection_id = run.ended(end.job)
            specs_of_connection = by_connection[connection_id]
            url = connection_url_of(specs_of_connection)
            if end.error is None:
                log.info(
                    f"Airbyte job {end.job.job_id} ({run.label(connection_id)}) succeeded: "
                    f"{end.job.rows_synced or 0} rows, {end.job.bytes_synced or 0} bytes."
                )
                # Per-table figures where the internal Config API gives them (best-effort).
                details = fetch_job_details(run.client, end.job.job_id)
                yield from materialize_results(end.job, specs_of_connection, details=details)
            else:
                failure = sync_failure(end.error, url, job=end.job, client=run.client)
                run.failed(connection_id, end.job, failure.description or str(end.error))
    except AirbyteError as error:
        # Following failed (after the client's retries), not the syncs: they go on in Airbyte.
        for job in run.still_running():
            connection_id = run.connection_of(job)
            url = connection_url_of(by_connection[connection_id])
            lost = lost_track_failure(error, job, url, run.client)
            run.failed(connection_id, job, lost.description or str(error))
        raise run.failure(len(by_connection)) from error
    except (dg.DagsterExecutionInterruptedError, KeyboardInterrupt, GeneratorExit):
        # GeneratorExit: the step stopped consuming this generator (terminated while Dagster
        # stored an event); no one follows the jobs any more, so they are cancelled too.
        on_termination(run.client, run.still_running(), run.settings, log)
        raise
    _raise_if_failed(run, len(by_connection))


def _raise_if_failed(run: _OneStepRun, total: int) -> None:
    if run.failures:
        raise run.failure(total)


@dataclass(frozen=True)
class _FailedConnection:
    connection_id: str
    label: str
    job: AirbyteJob | None
    description: str


class _OneStepRun:
    """The jobs one step started, which of them ended, and the connections that failed."""

    def __init__(self, airbyte: AirbyteCloudResource, names: Mapping[str, str], log: Log) -> None:
        self.client = airbyte.get_client()
        self.settings = airbyte.sync_settings
        self.wait_mode = airbyte.wait_mode
        self.started: dict[str, AirbyteJob] = {}
        self.failures: list[_FailedConnection] = []
        self._names = names
        self._log = log
        self._ended: set[int] = set()
        self._connection_of_job: dict[int, str] = {}

    def label(self, connection_id: str) -> str:
        name = self._names.get(connection_id)
        return f"'{name}' ({connection_id})" if name else connection_id

    def start_all(
        self, by_connection: Mapping[str, Sequence[dg.AssetSpec]], max_workers: int
    ) -> Iterator[dg.AssetObservation]:
        """Start (or attach to) every sync, ``max_workers`` calls at a time; yield the
        observations that record each started job (``no_worker.start_sync``)."""
        if not by_connection:
            return
        workers = max(1, min(max_workers, len(by_connection)))
        pool = ThreadPoolExecutor(workers, thread_name_prefix="airbyte-start")
        futures = {
            pool.submit(start_sync, self.client, specs, wait_mode=self.wait_mode, log=self._log): (
                connection_id
            )
            for connection_id, specs in by_connection.items()
        }
        observations: list[dg.AssetObservation] = []
        try:
            for future in as_completed(futures):
                connection_id = futures[future]
                try:
                    job, started = future.result()
                except AirbyteError as error:
                    url = connection_url_of(by_connection[connection_id]) or "unknown"
                    self.failed(connection_id, None, f"{error} Connection page: {url}.")
                    continue
                self._record_start(connection_id, job)
                if self.wait_mode != "sensor":  # sync.follow_job says the same per connection
                    self._log.info(
                        f"Following Airbyte job {job.job_id} ({job.status.value}) for "
                        f"connection {connection_id}."
                    )
                observations += started
        finally:
            # Interrupted: let the calls in flight finish, so their jobs can be cancelled too.
            pool.shutdown(wait=True, cancel_futures=True)
            for future, connection_id in futures.items():
                if _succeeded(future) and connection_id not in self.started:
                    self._record_start(connection_id, future.result()[0])
        yield from observations

    def _record_start(self, connection_id: str, job: AirbyteJob) -> None:
        self.started[connection_id] = job
        self._connection_of_job[job.job_id] = connection_id

    def connection_of(self, job: AirbyteJob) -> str:
        return self._connection_of_job.get(job.job_id, job.connection_id)

    def ended(self, job: AirbyteJob) -> str:
        self._ended.add(job.job_id)
        return self.connection_of(job)

    def still_running(self) -> list[AirbyteJob]:
        return [job for job in self.started.values() if job.job_id not in self._ended]

    def failed(self, connection_id: str, job: AirbyteJob | None, description: str) -> None:
        self.failures.append(
            _FailedConnection(connection_id, self.label(connection_id), job, description)
        )
        self._log.error(f"Airbyte sync of {self.label(connection_id)} failed: {description}")

    def failure(self, total: int) -> dg.Failure:
        """One ``dagster.Failure`` naming every failed connection and its job."""
        lines = [f"- {f.label}: {f.description}" for f in self.failures]
        return dg.Failure(
            description=(
                f"{len(self.failures)} of {total} Airbyte connections did not sync:\n"
                + "\n".join(lines)
            ),
            metadata={
                "airbyte/failed_connections": dg.MetadataValue.json(
                    [
                        {
                            "connection_id": f.connection_id,
                            "connection_name": self._names.get(f.connection_id),
                            "job_id": f.job.job_id if f.job else None,
                            "job_status": f.job.status.value if f.job else None,
                        }
                        for f in self.failures
                    ]
                ),
                "airbyte/failed_count": len(self.failures),
                "airbyte/connection_count": total,
            },
        )


class _Heartbeat:
    """Says every few minutes how many jobs are still going (status changes are logged anyway)."""

    def __init__(self, log: Log) -> None:
        self._log = log
        self._started = self._last_logged = time.monotonic()

    def __call__(self, watch: JobsWatch) -> None:
        now = time.monotonic()
        if watch.pending and now - self._last_logged >= HEARTBEAT_SECONDS:
            minutes = (now - self._started) / 60
            ids = ", ".join(str(job_id) for job_id in sorted(watch.pending))
            self._log.info(
                f"{len(watch.pending)} Airbyte jobs still running ({minutes:.0f} min): {ids}."
            )
            self._last_logged = now


def _group_by_connection(specs: Iterable[dg.AssetSpec]) -> dict[str, list[dg.AssetSpec]]:
    groups: dict[str, list[dg.AssetSpec]] = {}
    for spec in specs:
        connection_id = spec.metadata.get(CONNECTION_ID_KEY)
        if connection_id is None:
            raise dg.DagsterInvariantViolationError(
                f"Asset {spec.key.to_user_string()} has no '{CONNECTION_ID_KEY}' metadata, so "
                "its Airbyte connection is unknown. Build it with load_airbyte_cloud_assets."
            )
        groups.setdefault(str(connection_id), []).append(spec)
    return groups


def _workspaces_of(
    started: Mapping[str, AirbyteJob], workspace_ids: Mapping[str, str] | None
) -> list[str] | None:
    """The workspaces to list jobs in; None (no filter) if any connection's is unknown."""
    if workspace_ids is None:
        return None
    found = {workspace_ids.get(connection_id) for connection_id in started}
    if not found or None in found or "" in found:
        return None
    return sorted(w for w in found if w)


def _with_note(spec: dg.AssetSpec, connection: str, tables: int, name: str) -> dg.AssetSpec:
    note = (
        f"Synced by the one-step asset `{name}` together with the {tables - 1} other table(s) of "
        f"the Airbyte connection '{connection}': Airbyte syncs whole connections, so selecting "
        "any of its tables syncs all of them, but only the selected tables are recorded as "
        "materialized."
        if tables > 1
        else f"Synced by the one-step asset `{name}` (Airbyte connection '{connection}')."
    )
    description = f"{spec.description}\n\n{note}" if spec.description else note
    return spec.replace_attributes(description=description)


def _succeeded(future: Future[tuple[AirbyteJob, list[dg.AssetObservation]]]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None
