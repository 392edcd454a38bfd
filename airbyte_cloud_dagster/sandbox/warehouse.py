"""A SQLite file standing in for the destination: successful jobs land rows here.

One table per stream, named ``"<schema>.<table>"`` (a single quoted identifier) with schema and
table named as the destination type would name them (``table_names.py``). Columns are the top
level of the stream's ``propertyFields`` plus ``_airbyte_raw_id``, ``_airbyte_extracted_at`` and
``_airbyte_job_id``. The catalog table ``_airbyte_syncs(job_id, namespace, table_name, rows,
synced_at)`` records what every job wrote; a job's rows add up to its ``rowsSynced``.

All writes happen on one writer thread (SQLite connections are not shared between threads), so
the event loop only enqueues work and never waits on disk.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from airbyte_cloud_dagster.sandbox.demo_data import UNKNOWN, realistic_rows
from airbyte_cloud_dagster.sandbox.jobs import Job, iso_time
from airbyte_cloud_dagster.sandbox.resources import Catalog
from airbyte_cloud_dagster.sandbox.seed import ConfiguredStreamSeed, ConnectionSeed
from airbyte_cloud_dagster.sandbox.table_names import landing_tables

logger = logging.getLogger(__name__)

AIRBYTE_COLUMNS = ("_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_job_id")


def table_identifier(namespace: str, table: str) -> str:
    """``"<namespace>.<table>"`` as one quoted SQLite identifier."""
    name = f"{namespace}.{table}"
    return '"' + name.replace('"', '""') + '"'


def split_rows(total: int, parts: int) -> list[int]:
    """Split ``total`` rows over ``parts`` streams, remainder to the first ones."""
    if parts <= 0:
        return []
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def lose_rows(counts: list[int], lost: int) -> list[int]:
    """Per-stream counts with ``lost`` rows taken away, from the first streams on."""
    landed = []
    for count in counts:
        taken = min(count, lost)
        lost -= taken
        landed.append(count - taken)
    return landed


def _value(column: str, paths: list[tuple[str, ...]], job_id: int, n: int) -> Any:
    """A deterministic, plausible value for a column."""
    lower = column.lower()
    nested = [p[1:] for p in paths if len(p) > 1]
    if nested:
        return json.dumps({".".join(p): f"{p[-1]}-{n}" for p in nested})
    if lower == "id" or lower.endswith("_id") or lower == "customer" or lower == "charge":
        return job_id * 1_000_000 + n
    if "email" in lower:
        return f"user{n}@example.com"
    if lower.endswith(("_at", "at", "created", "ts", "_modified", "date")):
        moment = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=job_id * 1000 + n)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if lower in ("amount", "mrr", "fee", "net", "qty", "quantity"):
        return (n * 37 + job_id) % 10_000 / 100
    return f"{column}-{n}"


def _row(
    realistic: Callable[[int], list[Any]] | None,
    columns: list[str],
    by_column: dict[str, list[tuple[str, ...]]],
    job_id: int,
    n: int,
) -> list[Any]:
    """Row ``n``: demo_data's realistic values where it has them, generic filler elsewhere."""
    values = realistic(n) if realistic is not None else [UNKNOWN] * len(columns)
    return [
        _value(column, by_column[column], job_id, n) if value is UNKNOWN else value
        for column, value in zip(columns, values, strict=True)
    ]


@dataclass(frozen=True)
class _Landing:
    job_id: int
    connection_id: str
    job_type: str
    rows: int
    extracted_at: str
    done: Callable[[], None]


class Warehouse:
    """Owns the SQLite file and the thread that writes to it."""

    def __init__(self, path: str | os.PathLike[str], catalog: Catalog):
        self.path = Path(path)
        self._catalog = catalog
        self._queue: queue.Queue[_Landing | None] = queue.Queue()
        self._lost_rows: dict[str, int] = {}  # connection id -> rows each sync fails to land
        self._thread = threading.Thread(target=self._run, name="sandbox-warehouse", daemon=True)
        self._prepare()
        self._thread.start()

    def land(self, job: Job, done: Callable[[], None]) -> None:
        """Queue a successful job's rows (or a reset's truncation); ``done()`` once written."""
        self._queue.put(
            _Landing(
                job.job_id, job.connection_id, job.job_type, job.rows, iso_time(job.created), done
            )
        )

    def lose_rows(self, connection_id: str, rows: int) -> None:
        """From now on, each sync of this connection lands ``rows`` fewer rows than it reports
        (a destination that silently drops records); 0 restores normal landing."""
        if rows < 0:
            raise ValueError(f"rows must not be negative, got {rows}")
        self._lost_rows[connection_id] = rows

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued landing is written."""
        finished = threading.Event()
        self._queue.put(_Landing(0, "", "flush", 0, "", finished.set))
        if not finished.wait(timeout):
            raise TimeoutError(f"warehouse writes still pending after {timeout}s")

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    # ----------------------------------------------------------------- writer thread
    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS _airbyte_syncs "
                "(job_id INTEGER, namespace TEXT, table_name TEXT, rows INTEGER, synced_at TEXT)"
            )
        db.close()

    def _run(self) -> None:
        db = self._connect()
        try:
            while (landing := self._queue.get()) is not None:
                try:
                    if landing.job_type != "flush":
                        with db:
                            self._write(db, landing)
                except Exception:
                    logger.exception("sandbox warehouse: landing job %s failed", landing.job_id)
                finally:
                    landing.done()
        finally:
            db.close()

    def _write(self, db: sqlite3.Connection, landing: _Landing) -> None:
        connection = self._catalog.connections[landing.connection_id]
        destination = self._catalog.destinations[connection.destination_id]
        synced_at = iso_time(datetime.now(timezone.utc).timestamp())
        counts = split_rows(landing.rows, len(connection.streams))
        counts = lose_rows(counts, self._lost_rows.get(landing.connection_id, 0))
        source_type = self._catalog.sources[connection.source_id].source_type
        tables = landing_tables(connection, destination)
        for index, (stream, rows, (namespace, table)) in enumerate(
            zip(connection.streams, counts, tables, strict=True)
        ):
            ident = table_identifier(namespace, table)
            paths = self._paths(connection, stream)
            columns = list(dict.fromkeys(p[0] for p in paths)) or ["id"]
            column_sql = ", ".join(table_identifier_part(c) for c in [*columns, *AIRBYTE_COLUMNS])
            db.execute(f"CREATE TABLE IF NOT EXISTS {ident} ({column_sql})")
            if landing.job_type == "reset" or stream.sync_mode.startswith("full_refresh"):
                db.execute(f"DELETE FROM {ident}")
            if landing.job_type == "sync" and rows:
                by_column = {c: [p for p in paths if p[0] == c] for c in columns}
                realistic = realistic_rows(
                    source_type, stream.namespace, stream.name, columns, landing.job_id
                )
                marks = ", ".join("?" for _ in range(len(columns) + len(AIRBYTE_COLUMNS)))
                db.executemany(
                    f"INSERT INTO {ident} VALUES ({marks})",
                    (
                        [
                            *_row(realistic, columns, by_column, landing.job_id, n),
                            str(uuid.uuid5(uuid.NAMESPACE_OID, f"{landing.job_id}/{index}/{n}")),
                            landing.extracted_at,
                            landing.job_id,
                        ]
                        for n in range(rows)
                    ),
                )
            db.execute(
                "INSERT INTO _airbyte_syncs VALUES (?, ?, ?, ?, ?)",
                (
                    landing.job_id,
                    namespace,
                    table,
                    rows if landing.job_type == "sync" else 0,
                    synced_at,
                ),
            )

    def _paths(
        self, connection: ConnectionSeed, stream: ConfiguredStreamSeed
    ) -> list[tuple[str, ...]]:
        if stream.selected_fields:
            return [tuple(p) for p in stream.selected_fields]
        return [tuple(p) for p in self._catalog.catalog_stream(connection, stream).fields]


def table_identifier_part(name: str) -> str:
    """A column name as a quoted SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'
