"""What the soak counts, and the table it prints.

Jobs are counted from the sandboxes' own job stores (``sandbox.state.jobs``), never from what
the client says: for each sync request, the jobs its connection got between the moment the
request was handed out and the moment its run or call ended. Materializations and clears are
counted from the Dagster instance the runs and the sensor wrote to. Secrets are looked for in
every file the soak wrote (each lane's output and DEBUG log, the parent's log, the whole
Dagster instance: event logs, run storage, metadata) and in every exception text it kept.
"""

from __future__ import annotations

import base64
import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from soak_plan import DAGSTER_PATHS

from airbyte_cloud_dagster.sandbox import Sandbox

if TYPE_CHECKING:
    from soak import Soak

TERMINAL = ("succeeded", "failed", "cancelled")
BLOCKING_PATHS = ("assets", "one_step", "op", "component")
_TOKEN_PART = re.compile(rb"[A-Za-z0-9_-]{43,}")
SIGNATURE_LENGTH = 43  # an HS256 signature, base64url without padding


def jobs_since(sandbox: Sandbox, connections: Iterable[str], since: float) -> dict[int, str]:
    """job id -> status of the jobs of ``connections`` created since ``since`` (epoch s)."""
    wanted = set(connections)
    return {
        job.job_id: sandbox.state.jobs.status(job)
        for job in sandbox.state.jobs.all()
        if job.connection_id in wanted and job.created >= since
    }


def running_by_connection(sandbox: Sandbox, connections: list[str], since: float) -> dict[str, str]:
    """connection -> status of its newest sync created since ``since``."""
    found: dict[str, str] = {}
    for job in sandbox.state.jobs.all():
        if job.connection_id in connections and job.created >= since and job.job_type == "sync":
            found[job.connection_id] = sandbox.state.jobs.status(job)
    return found


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


class Figures:
    """Every figure of one finished soak, as a JSON-able dict."""

    def __init__(self, soak: Soak) -> None:
        self.soak = soak
        self.jobs = {
            "main": {job.job_id: job for job in soak.main.state.jobs.all()},
            "basic": {job.job_id: job for job in soak.basic.state.jobs.all()},
        }

    def collect(self) -> dict[str, Any]:
        requests = self.sync_requests()
        records = self.records()
        figures = {
            "requests": _request_figures(requests),
            "client_failures": [r for r in requests if r["client"] != "ok"],
            "rows": requests,
            "jobs": _job_figures(requests),
            "orphans": _orphans(requests),
            "records": records["summary"],
            "latency": records["latency"],
            "secrets": self.secrets(requests),
            "api": self.api(requests),
            "faults": dict(self.soak.chaos.counts + self.soak.basic_chaos.counts),
            "sensor": self.sensor(),
            "external_jobs": len(self.soak.external_started),
        }
        figures["targets"] = _targets(figures, self.soak.size.name)
        figures["met"] = all(t["met"] for t in figures["targets"])
        return figures

    # ----------------------------------------------------------------- each sync request
    def sync_requests(self) -> list[dict[str, Any]]:
        """One row per sync request: a (task, connection) of a run, or one call of the plain
        client; each with the jobs its connection got in its time, and how each side saw it."""
        rows = []
        for task_id, entry in sorted(self.soak.tasks.items()):
            task, result = entry["task"], entry.get("result") or {"lost": True}
            store = self.jobs["basic" if task["path"] == "basic" else "main"]
            calls = result.get("calls") or [result]
            for n, call in enumerate(calls):
                since = call.get("began", entry["handed_out"]) if n else entry["handed_out"]
                until = call.get("ended", time.time())
                for connection_id in task["connections"]:
                    jobs = [
                        j
                        for j in store.values()
                        if j.connection_id == connection_id and since <= j.created <= until
                    ]
                    last = n == len(calls) - 1
                    row = _judge(task, {**result, **call}, entry, connection_id, jobs, store, last)
                    rows.append({**row, "task_id": task_id, "call": n})
        return rows

    # ----------------------------------------------------------------- the instance
    def records(self) -> dict[str, Any]:
        """Materializations and emptied observations per job and table, and the delays."""
        instance = self.soak.instance
        materialized: dict[int, Counter[str]] = {}
        emptied: dict[int, Counter[str]] = {}
        first: dict[int, tuple[float, bool]] = {}  # job -> (first record, by a run?)
        recorders: dict[int, list[str]] = {}  # job (a clear: -job) -> run ids, "" the sensor
        # Every asset key the instance knows: a table recorded under two keys counts twice.
        for key in instance.get_asset_keys():
            for record in _all(instance.fetch_materializations, key):
                metadata = record.asset_materialization.metadata
                if "airbyte/job_id" not in metadata:
                    continue
                job_id = int(metadata["airbyte/job_id"].value)
                materialized.setdefault(job_id, Counter())[key.to_user_string()] += 1
                recorders.setdefault(job_id, []).append(record.run_id[:8] or "sensor")
                seen = first.get(job_id)
                if seen is None or record.timestamp < seen[0]:
                    first[job_id] = (record.timestamp, bool(record.run_id))
            for record in _all(instance.fetch_observations, key):
                metadata = record.asset_observation.metadata
                if "airbyte/emptied" in metadata:
                    job_id = int(metadata["airbyte/job_id"].value)
                    emptied.setdefault(job_id, Counter())[key.to_user_string()] += 1
                    recorders.setdefault(-job_id, []).append(record.run_id[:8] or "sensor")
        tables = {
            str(next(iter(a.specs)).metadata["airbyte/connection_id"]): len(a.keys)
            for a in self.soak.sensor_assets
        }
        jobs = self.jobs["main"]
        succeeded = {i for i, j in jobs.items() if j.job_type == "sync" and _ok(j)}
        cleared = {i for i, j in jobs.items() if j.job_type == "reset" and _ok(j)}
        summary = {
            "syncs_succeeded": len(succeeded),
            "materialized_once": _once(succeeded, materialized, jobs, tables),
            "clears_succeeded": len(cleared),
            "clears_recorded_once": _once(cleared, emptied, jobs, tables),
            "materialized_twice": sorted(
                i for i in materialized if i in jobs and _twice(materialized[i], tables, jobs[i])
            ),
            "materialized_not_succeeded": sorted(set(materialized) - succeeded),
            "not_materialized": sorted(succeeded - _all_tables(materialized, jobs, tables)),
            "clears_not_recorded": sorted(cleared - _all_tables(emptied, jobs, tables)),
            "emptied_twice": sorted(
                i for i in emptied if i in jobs and _twice(emptied[i], tables, jobs[i])
            ),
            "by_run": sum(1 for i in succeeded if i in first and first[i][1]),
            "by_sensor": sum(1 for i in succeeded if i in first and not first[i][1]),
        }
        summary["twice_detail"] = [
            {"job": i, "tables": dict(materialized[i]), "recorders": recorders.get(i, [])}
            for i in summary["materialized_twice"][:10]
        ] + [
            {"clear": i, "tables": dict(emptied[i]), "recorders": recorders.get(-i, [])}
            for i in summary["emptied_twice"][:10]
        ]
        delays: dict[str, list[float]] = {"blocking": [], "sensor": []}
        for job_id in succeeded & set(first):
            at, by_run = first[job_id]
            finished = jobs[job_id].finished or at
            delays["blocking" if by_run else "sensor"].append(at - finished)
        latency = {
            mode: {
                "jobs": len(values),
                "p50": _round(percentile(values, 0.5)),
                "p95": _round(percentile(values, 0.95)),
                "max": _round(max(values) if values else None),
            }
            for mode, values in delays.items()
        }
        return {"summary": summary, "latency": latency}

    # ----------------------------------------------------------------- secrets
    def secrets(self, requests: list[dict[str, Any]]) -> dict[str, Any]:
        soak = self.soak
        user, password = soak.basic_login
        fixed = {
            "client secret": soak.main.client_secret,
            "access-proxy header value": soak.header[1],
            "gate header value": soak.basic_header[1],
            "Basic password": password,
            "Basic header value": base64.b64encode(f"{user}:{password}".encode()).decode(),
        }
        tokens = soak.main.issued_tokens()
        signatures = {t.rsplit(".", 1)[-1].encode() for t in tokens}
        hits: Counter[str] = Counter()
        scanned = 0
        texts = [(f"task {r['task_id']}", str(r.get("error", ""))) for r in requests]
        texts += [("sensor tick", t.get("error", "")) for t in soak.sensor_ticks]
        sources = [(name, text.encode()) for name, text in texts if text]
        for path in sorted(p for p in soak.root.rglob("*") if p.is_file()):
            sources.append((str(path.relative_to(soak.root)), path.read_bytes()))
        for where, data in sources:
            scanned += len(data)
            for name, value in fixed.items():
                if value.encode() in data:
                    hits[f"{name} in {where}"] += data.count(value.encode())
            for match in _TOKEN_PART.finditer(data):
                part = match.group()
                for i in range(len(part) - SIGNATURE_LENGTH + 1):
                    if part[i : i + SIGNATURE_LENGTH] in signatures:
                        hits[f"a bearer token in {where}"] += 1
        return {
            "occurrences": sum(hits.values()),
            "where": dict(hits),
            "tokens_issued": len(tokens),
            "files_and_texts": len(sources),
            "megabytes_scanned": round(scanned / 1e6, 1),
        }

    # ----------------------------------------------------------------- API and sensor
    def api(self, requests: list[dict[str, Any]]) -> dict[str, Any]:
        served = self.soak.main.requests[self.soak.drive_first_request :]
        by_prefix = Counter(
            "sensor"
            if r.path.startswith("/api/public/v1/")
            else "config_api"
            if r.path.startswith("/api/v1/")
            else "runs"
            for r in served
        )
        main = [r for r in requests if r["path"] != "basic"]
        basic = [r for r in requests if r["path"] == "basic"]
        ticks = len(self.soak.sensor_ticks)
        return {
            "requests_served": len(served),
            "runs_requests_per_sync": _round(by_prefix["runs"] / max(1, len(main))),
            "config_api_requests": by_prefix["config_api"],
            "sensor_requests_per_tick": _round(by_prefix["sensor"] / max(1, ticks)),
            "basic_requests_per_sync": _round(len(self.soak.basic.requests) / max(1, len(basic))),
            "dropped_or_lost": sum(1 for r in served if r.status == 0),
        }

    def sensor(self) -> dict[str, Any]:
        ticks = self.soak.sensor_ticks
        failed = [t for t in ticks if "error" in t]
        return {
            "ticks": len(ticks),
            "failed": len(failed),
            "failures": [_last_line(t["error"]) for t in failed],
            "tick_p95_seconds": _round(
                percentile([t["seconds"] for t in ticks if "seconds" in t], 0.95)
            ),
            "events": sum(t.get("events", 0) for t in ticks),
        }


# --------------------------------------------------------------------- judging one request
def _judge(task, result, entry, connection_id, jobs, store, last=True) -> dict[str, Any]:
    path, twist = task["path"], task["twist"]
    syncs = [j for j in jobs if j.job_type == "sync"]
    clears = [j for j in jobs if j.job_type == "reset"]
    row: dict[str, Any] = {
        "path": path,
        "twist": twist,
        "connection": connection_id,
        "sync_jobs": [j.job_id for j in syncs],
        "clear_jobs": [j.job_id for j in clears],
    }
    if path in ("client", "basic"):
        reported = {result["client_job"]} - {None} if "client_job" in result else set()
    else:
        reported = {
            i
            for i in result.get("started_jobs", [])
            if i in store
            and store[i].connection_id == connection_id
            and store[i].job_type == "sync"
        }
    row["reported"] = sorted(reported)
    at_end = entry.get("jobs_at_end", {}) if last else {}
    job = syncs[-1] if syncs else None  # more than one is judged a duplicate below
    status = _status(job) if job else None
    clear_failed = twist == "resync" and clears and not all(_ok(c) for c in clears)
    expected = 0 if clear_failed else 1
    row["expected_syncs"] = expected
    row["airbyte"] = (
        status if job else ("clear " + _status(clears[-1]) if clear_failed else "no job")
    )
    row["stale"] = sorted(i for i in reported if i not in row["sync_jobs"])
    row["jobs_at_end"] = at_end
    row["signalled"] = entry.get("signalled")
    row["still_running_at_end"] = sorted(int(i) for i, s in at_end.items() if s not in TERMINAL)
    client, reason = _client_verdict(path, twist, result, job, status, expected, row)
    row["client"], row["reason"] = client, reason
    # What the call raised and what the run's steps failed with, both: a run whose step had
    # already failed (say, lost track of its jobs) before the interrupt tells them apart.
    error = " | ".join(filter(None, [result.get("error"), *result.get("failures", [])]))
    if client != "ok" and error:
        row["error"] = error[-1500:]
    return row


def _client_verdict(path, twist, result, job, status, expected, row) -> tuple[str, str]:
    """("ok", why) when the client did what Airbyte's outcome called for, else ("failed", why)."""
    if result.get("lost"):
        return "failed", "the lane never answered"
    if result.get("crashed"):
        return "failed", "the worker raised out of the run"
    if row["stale"]:
        return "failed", "reported a job it did not start (stale attach)"
    if len(row["sync_jobs"]) > expected:
        return "failed", f"{len(row['sync_jobs'])} sync jobs for one request"
    if job is None:
        if expected == 0:
            return "ok", "the clear did not succeed, so no sync"
        return "failed", "no job was created"
    if twist == "terminate" and row["signalled"]:
        # Dagster may turn the interrupt into a failed run, or let it out of the call.
        if row["still_running_at_end"]:
            return "failed", "the job was still running after the run was terminated"
        return "ok", "terminated, job cancelled"
    if twist == "timeout":
        if path == "sensor":
            if not result.get("success"):
                return "failed", "the sensor-mode run failed"
            if status != "cancelled":
                return "failed", f"the sync outlived the sensor's timeout and ended {status}"
            return "ok", "cancelled by the sensor after its timeout"
        if row["still_running_at_end"]:
            return "failed", "the job was still running after its timeout"
        if result.get("success") or result.get("error_type") not in (None, "AirbyteTimeout"):
            if status == "succeeded" and result.get("success"):
                return "ok", "ended before the timeout"
            return "failed", f"timeout not reported ({result.get('error_type')})"
        return "ok", "timed out, job cancelled"
    if path == "sensor":
        if not result.get("success"):
            return "failed", "the sensor-mode run failed"
        if job.job_id not in row["reported"]:
            return "failed", "the run did not record the job it started"
        return "ok", "started; the sensor records it"
    if path in ("client", "basic"):
        if status == "succeeded":
            ok = result.get("success") and result.get("client_job") == job.job_id
            return ("ok", "succeeded") if ok else ("failed", f"{result.get('error_type')}")
        if (
            result.get("error_type") == "AirbyteJobFailed"
            and result.get("client_job") == job.job_id
        ):
            return "ok", f"job {status}, reported so"
        return "failed", f"job {status}; the client said {result.get('error_type')}"
    materialized = job.job_id in result.get("materialized_jobs", [])
    if twist == "retry" and status == "succeeded" and not result.get("success"):
        # max_retries=0: each attempt may lose track; the sensor records the job instead.
        return "ok", "every attempt lost track (max_retries=0); the sensor records it"
    if status == "succeeded":
        if materialized:
            return "ok", "succeeded and materialized"
        return "failed", "the sync succeeded but the run did not record it"
    if materialized or result.get("success"):
        return "failed", f"job {status} but the run succeeded"
    return "ok", f"job {status}, the run failed naming it"


# --------------------------------------------------------------------- summaries
def _request_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "sync_requests": len(rows),
        "by_path": dict(Counter(r["path"] for r in rows)),
        "by_twist": dict(Counter(r["twist"] or "plain" for r in rows)),
        "airbyte_outcomes": dict(Counter(r["airbyte"] for r in rows)),
        "client_failures": sum(1 for r in rows if r["client"] != "ok"),
        "client_failures_by_reason": dict(
            Counter(r["reason"] for r in rows if r["client"] != "ok")
        ),
        "dagster_paths": sum(1 for r in rows if r["path"] in DAGSTER_PATHS),
    }


def _job_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    expected = sum(r["expected_syncs"] for r in rows)
    created = sum(len(r["sync_jobs"]) for r in rows)
    return {
        "sync_jobs_created": created,
        "sync_jobs_expected": expected,
        "per_request": _round(created / max(1, expected), 3),
        "clear_jobs_created": sum(len(r["clear_jobs"]) for r in rows),
        "duplicates": [r["task_id"] for r in rows if len(r["sync_jobs"]) > r["expected_syncs"]],
        "missing": [r["task_id"] for r in rows if len(r["sync_jobs"]) < r["expected_syncs"]],
        "stale_attach": [r["task_id"] for r in rows if r["stale"]],
    }


def _orphans(rows: list[dict[str, Any]]) -> dict[str, Any]:
    terminated = [r for r in rows if r["twist"] == "terminate"]
    timed_out = [r for r in rows if r["twist"] == "timeout"]
    return {
        "terminated": len(terminated),
        "running_after_termination": [
            r["task_id"] for r in terminated if r["still_running_at_end"]
        ],
        "timeouts": len(timed_out),
        "running_after_timeout": [
            r["task_id"]
            for r in timed_out
            if (r["airbyte"] == "succeeded" if r["path"] == "sensor" else r["still_running_at_end"])
        ],
    }


def _targets(figures: dict[str, Any], size: str) -> list[dict[str, Any]]:
    records, jobs, orphans = figures["records"], figures["jobs"], figures["orphans"]
    rows = [
        (
            "sync requests (full size: >= 300)",
            figures["requests"]["sync_requests"],
            ">= 300" if size == "full" else "-",
            figures["requests"]["sync_requests"] >= 300 if size == "full" else True,
        ),
        (
            "failures the client caused",
            figures["requests"]["client_failures"],
            "0",
            figures["requests"]["client_failures"] == 0,
        ),
        (
            "sync jobs created per request",
            f"{jobs['per_request']:.3f}",
            "1.000",
            not (jobs["duplicates"] or jobs["missing"] or jobs["stale_attach"]),
        ),
        (
            "jobs running after their run was terminated",
            len(orphans["running_after_termination"]),
            "0",
            not orphans["running_after_termination"],
        ),
        (
            "jobs running after their timeout",
            len(orphans["running_after_timeout"]),
            "0",
            not orphans["running_after_timeout"],
        ),
        (
            "syncs succeeded / materialized once per table",
            f"{records['syncs_succeeded']} / {records['materialized_once']}",
            "equal",
            records["syncs_succeeded"] == records["materialized_once"]
            and not records["materialized_not_succeeded"],
        ),
        (
            "clears succeeded / recorded once per table",
            f"{records['clears_succeeded']} / {records['clears_recorded_once']}",
            "equal",
            records["clears_succeeded"] == records["clears_recorded_once"],
        ),
        (
            "occurrences of a secret",
            figures["secrets"]["occurrences"],
            "0",
            figures["secrets"]["occurrences"] == 0,
        ),
    ]
    return [{"name": n, "value": v, "target": t, "met": bool(m)} for n, v, t, m in rows]


def render(report: dict[str, Any]) -> str:
    """The table the soak prints."""
    setup, requests, api = report["setup"], report["requests"], report["api"]
    latency, faults = report["latency"], report["faults"]
    lines = [
        f"soak: seed {setup['seed']}, {setup['size']['name']} size, {setup['size']['lanes']} "
        f"lanes, {setup['drive_seconds']} s of requests, {setup['wall_seconds']} s in all",
        "",
        "| figure | value | target | |",
        "|---|---|---|---|",
    ]
    for target in report["targets"]:
        mark = "met" if target["met"] else "**MISSED**"
        lines.append(f"| {target['name']} | {target['value']} | {target['target']} | {mark} |")
    extra = [
        ("sync requests by path", _pairs(requests["by_path"])),
        ("... by twist", _pairs(requests["by_twist"])),
        ("outcome as Airbyte reported it", _pairs(requests["airbyte_outcomes"])),
        ("client failures by reason", _pairs(requests["client_failures_by_reason"]) or "none"),
        (
            "materialized by a run / by the sensor",
            f"{report['records']['by_run']} / {report['records']['by_sensor']}",
        ),
        ("runs' API requests per sync request", api["runs_requests_per_sync"]),
        ("sensor API requests per tick", api["sensor_requests_per_tick"]),
        ("Basic-auth client: requests per sync", api["basic_requests_per_sync"]),
        ("job end -> materialization, blocking: p50 / p95 (n)", _latency(latency["blocking"])),
        ("job end -> materialization, sensor: p50 / p95 (n)", _latency(latency["sensor"])),
        ("faults injected", _pairs(faults)),
        ("syncs and clears started outside Dagster", report["external_jobs"]),
        (
            "sensor ticks / failed (a failed tick is retried on the next)",
            f"{report['sensor']['ticks']} / {report['sensor']['failed']}",
        ),
        (
            "secrets looked for in",
            f"{report['secrets']['files_and_texts']} files and texts, "
            f"{report['secrets']['megabytes_scanned']} MB, {report['secrets']['tokens_issued']} "
            "tokens issued",
        ),
    ]
    lines.append("")
    lines += [f"{name}: {value}" for name, value in extra]
    failures = report["client_failures"][:12]
    if failures:
        lines += ["", "client failures (first 12):"]
        for row in failures:
            error = (row.get("error") or "").strip().splitlines()
            lines.append(
                f"- task {row['task_id']} {row['path']}/{row['twist'] or 'plain'} jobs "
                f"{row['sync_jobs']} reported {row['reported']}: {row['reason']}"
                + (f" -- {error[-1][:300]}" if error else "")
            )
    for twice in report["records"]["twice_detail"]:
        what = f"job {twice['job']}" if "job" in twice else f"clear job {twice['clear']}"
        recorders = ", ".join(sorted(set(twice["recorders"])))
        lines.append(
            f"- {what} recorded more than once per table: {twice['tables']} by {recorders}"
        )
    for failure in report["sensor"]["failures"][:5]:
        lines.append(f"- failed tick: {failure}")
    lines.append("")
    lines.append("all targets met" if report["met"] else "TARGETS MISSED")
    return "\n".join(lines)


# --------------------------------------------------------------------- small helpers
def _all(fetch, key) -> list[Any]:
    records, cursor = [], None
    while True:
        page = fetch(key, limit=1000, cursor=cursor)
        records += page.records
        if not page.has_more:
            return records
        cursor = page.cursor


def _ok(job) -> bool:
    return job.final_status == "succeeded"


def _status(job) -> str:
    return job.final_status or "unfinished"


def _once(job_ids, counted, jobs, tables) -> int:
    """How many of ``job_ids`` have each of their connection's tables recorded exactly once."""
    return sum(1 for i in job_ids if _exactly_once(counted.get(i, Counter()), tables, jobs[i]))


def _exactly_once(counter: Counter[str], tables: dict[str, int], job) -> bool:
    return len(counter) == tables[job.connection_id] and all(n == 1 for n in counter.values())


def _all_tables(counted, jobs, tables) -> set[int]:
    return {i for i, c in counted.items() if i in jobs and len(c) >= tables[jobs[i].connection_id]}


def _twice(counter: Counter[str], tables: dict[str, int], job) -> bool:
    return any(n > 1 for n in counter.values()) or len(counter) > tables[job.connection_id]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _pairs(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _latency(figures: dict[str, Any]) -> str:
    if not figures["jobs"]:
        return "-"
    return f"{figures['p50']} s / {figures['p95']} s ({figures['jobs']})"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
