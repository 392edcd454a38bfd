"""The Airbyte API client: one object, one pooled session, typed results.

>>> client = AirbyteClient("https://api.airbyte.com/v1", client_id="...", client_secret="...")
>>> with client:
...     connection = client.list_connections()[0]
...     job = client.sync_and_wait(connection.connection_id, timeout=3600)
...     job.rows_synced
1200

Self-managed Airbyte serves the same API under ``<host>/api/public/v1`` and, by default, needs
no credentials: ``AirbyteClient("http://localhost:8000/api/public/v1")``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from airbyte_cloud_dagster.api.auth import Auth, build_auth
from airbyte_cloud_dagster.api.errors import (
    AirbyteConfigurationError,
    AirbyteConflict,
    AirbyteConnectionError,
    AirbyteError,
    AirbyteResponseError,
    AirbyteServerError,
)
from airbyte_cloud_dagster.api.models import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteJob,
    AirbyteSource,
    AirbyteStreamProperties,
    AirbyteWorkspace,
    JobStatus,
    JobType,
)
from airbyte_cloud_dagster.api.polling import PollPolicy, wait_for_job
from airbyte_cloud_dagster.api.transport import Transport, TransportSettings, build_session

__all__ = ["AirbyteClient"]

_Model = TypeVar("_Model")

PAGE_SIZE = 100  # the API's maximum `limit` (BEHAVIOUR.md "Jobs", "Connections")
START_ATTEMPTS = 3  # POST /jobs tries when no running job can be found to attach to
RECENT_JOBS = 20  # how many of a connection's newest jobs to search for a running one
_ORDER_BY = re.compile(r"(createdAt|updatedAt)\|(ASC|DESC)")


class AirbyteClient:
    """A client for the public Airbyte API (Cloud or self-managed).

    Auth: pass exactly one of ``client_id`` + ``client_secret`` (tokens fetched and refreshed
    for you), ``api_token`` (static bearer token), or nothing (self-managed without auth).

    Only idempotent calls (GET, DELETE) are retried, on lost connections, 408, 429 and 5xx,
    with exponential backoff (``backoff_factor`` * 2**n, at most ``backoff_max``) and jitter.
    Starting a job is never blindly retried: see :meth:`start_job`.
    """

    def __init__(
        self,
        api_url: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_token: str | None = None,
        request_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_retries: int = 5,
        backoff_factor: float = 0.5,
        backoff_max: float = 60.0,
        conflict_policy: Literal["attach", "fail"] = "attach",
        allow_insecure_http: bool = False,
        logger: logging.Logger | None = None,
    ) -> None:
        self.api_url = _check_api_url(api_url)
        if conflict_policy not in ("attach", "fail"):
            raise AirbyteConfigurationError(
                f"conflict_policy={conflict_policy!r} is not supported; use 'attach' (join the "
                f"sync already running) or 'fail' (raise AirbyteConflict)."
            )
        _check_settings(request_timeout, connect_timeout, max_retries, backoff_factor, backoff_max)
        self.conflict_policy = conflict_policy
        self.logger = logger or logging.getLogger("airbyte_cloud_dagster")
        self._settings = TransportSettings(
            connect_timeout=connect_timeout,
            request_timeout=request_timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
        )
        session = build_session(self._settings)
        try:
            self.auth: Auth = build_auth(
                client_id=client_id,
                client_secret=client_secret,
                api_token=api_token,
                base_url=self.api_url,
                session=session,
                settings=self._settings,
                logger=self.logger,
            )
            if self.auth.sends_credentials and not allow_insecure_http:
                _refuse_plain_http(self.api_url)
        except BaseException:
            session.close()
            raise
        self._transport = Transport(
            self.api_url,
            auth=self.auth,
            session=session,
            settings=self._settings,
            logger=self.logger,
        )

    def __repr__(self) -> str:
        return f"AirbyteClient(api_url={self.api_url!r}, auth={self.auth!r})"

    def __enter__(self) -> AirbyteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self._transport.close()

    # ------------------------------------------------------------------ workspaces, sources, ...

    def list_workspaces(self) -> list[AirbyteWorkspace]:
        """Every workspace these credentials can see."""
        return self._list("/workspaces", {}, AirbyteWorkspace.from_api)

    def get_workspace(self, workspace_id: str) -> AirbyteWorkspace:
        workspace_id = _check_uuid("workspace_id", workspace_id)
        return AirbyteWorkspace.from_api(self._get(f"/workspaces/{workspace_id}"))

    def list_sources(self, workspace_ids: Iterable[str] | None = None) -> list[AirbyteSource]:
        params = _workspace_params(workspace_ids)
        return self._list("/sources", params, AirbyteSource.from_api)

    def get_source(self, source_id: str) -> AirbyteSource:
        source_id = _check_uuid("source_id", source_id)
        return AirbyteSource.from_api(self._get(f"/sources/{source_id}"))

    def list_destinations(
        self, workspace_ids: Iterable[str] | None = None
    ) -> list[AirbyteDestination]:
        params = _workspace_params(workspace_ids)
        return self._list("/destinations", params, AirbyteDestination.from_api)

    def get_destination(self, destination_id: str) -> AirbyteDestination:
        destination_id = _check_uuid("destination_id", destination_id)
        return AirbyteDestination.from_api(self._get(f"/destinations/{destination_id}"))

    def list_connections(
        self, workspace_ids: Iterable[str] | None = None, include_deleted: bool = False
    ) -> list[AirbyteConnection]:
        """Every connection (with its enabled streams) in the given workspaces, or in all.

        >>> [c.name for c in client.list_connections()]
        ['App Postgres → Warehouse', 'Stripe → Warehouse']
        """
        params = _workspace_params(workspace_ids)
        if include_deleted:
            params["includeDeleted"] = "true"
        return self._list("/connections", params, AirbyteConnection.from_api)

    def get_connection(self, connection_id: str) -> AirbyteConnection:
        connection_id = _check_uuid("connection_id", connection_id)
        return AirbyteConnection.from_api(self._get(f"/connections/{connection_id}"))

    def get_stream_properties(
        self, source_id: str, destination_id: str | None = None
    ) -> list[AirbyteStreamProperties]:
        """What the source offers per stream (``GET /streams``); may run a slow schema discovery."""
        params = {"sourceId": _check_uuid("source_id", source_id)}
        if destination_id is not None:
            params["destinationId"] = _check_uuid("destination_id", destination_id)
        payload = self._get("/streams", params)
        # A bare array, not a page (BEHAVIOUR.md "Connections, streams ...").
        if not isinstance(payload, list):
            raise AirbyteResponseError(
                f"GET {self._transport.base_path}/streams returned a {type(payload).__name__} "
                f"instead of a list of stream properties; check the Airbyte version."
            )
        return [AirbyteStreamProperties.from_api(item) for item in payload]

    # ------------------------------------------------------------------ jobs

    def start_job(self, connection_id: str, job_type: JobType | str = JobType.SYNC) -> AirbyteJob:
        """Start a job on a connection, never starting two.

        Creating a job is not idempotent and can take tens of seconds (BEHAVIOUR.md "Jobs"),
        so ``POST /jobs`` is never blindly retried. When it answers 409 ``try-again-later`` (a
        sync is already running), or when it times out, fails with 5xx or its connection drops
        (the job may have been created anyway), the client looks for the connection's running
        job and attaches to it (logged at INFO). Only when none is running does it POST again,
        at most ``START_ATTEMPTS`` times in all. With ``conflict_policy="fail"`` a 409 raises
        :class:`AirbyteConflict` instead. A 409 ``state-conflict`` (inactive connection) is
        never retried.

        >>> job = client.start_job(connection_id)
        >>> job.job_id, job.status
        (42, <JobStatus.RUNNING: 'running'>)
        """
        connection_id = _check_uuid("connection_id", connection_id)
        job_type = _check_job_type(job_type)
        body = {"connectionId": connection_id, "jobType": job_type.value}
        last_error: AirbyteError | None = None
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                payload = self._transport.request_json("POST", "/jobs", json_body=body)
            except AirbyteConflict as error:
                self._check_conflict(error, connection_id)
                last_error = error
            except (AirbyteConnectionError, AirbyteServerError) as error:
                # Ambiguous: Airbyte may have created the job before the answer was lost.
                self.logger.warning(
                    "Starting a %s on connection %s got no usable answer (attempt %s of %s): "
                    "%s Looking for a job it may have started.",
                    job_type.value,
                    connection_id,
                    attempt,
                    START_ATTEMPTS,
                    error,
                )
                last_error = error
            else:
                return _job_from_start(payload, self._transport.base_path)
            running = self.find_running_job(connection_id, job_type)
            if running is not None:
                self.logger.info(
                    "Attached to Airbyte job %s (%s, %s) already running on connection %s "
                    "instead of starting another.",
                    running.job_id,
                    running.job_type,
                    running.status,
                    connection_id,
                )
                return running
        assert last_error is not None
        raise last_error

    def _check_conflict(self, error: AirbyteConflict, connection_id: str) -> None:
        """Re-raise a 409 that attaching cannot fix, with a message that says what to do."""
        if error.problem_type == "state-conflict":
            # 409 state-conflict: the connection is inactive (BEHAVIOUR.md "Jobs").
            raise error.with_message(
                f"{error.method} {error.path} returned 409 state-conflict ({error.detail}): "
                f"connection {connection_id} is inactive, so Airbyte will not sync it; enable "
                f"it in Airbyte (or set its status to active) and try again."
            ) from None
        if error.problem_type != "try-again-later":
            raise error
        if self.conflict_policy == "fail":
            raise error.with_message(
                f"{error.method} {error.path} returned 409 try-again-later ({error.detail}); "
                f"conflict_policy='fail', so the client did not attach to the running sync: "
                f"wait for it to finish, or use conflict_policy='attach'."
            ) from None

    def trigger_sync(self, connection_id: str) -> AirbyteJob:
        """Start (or attach to) a sync; shorthand for ``start_job(connection_id, JobType.SYNC)``."""
        return self.start_job(connection_id, JobType.SYNC)

    def get_job(self, job_id: int) -> AirbyteJob:
        job_id = _check_job_id(job_id)
        return AirbyteJob.from_api(self._get(f"/jobs/{job_id}"))

    def cancel_job(self, job_id: int) -> AirbyteJob:
        """Cancel a job and return it. A job that has already finished is returned as it is
        (Airbyte answers 409 "Job is not currently running", BEHAVIOUR.md "Jobs")."""
        job_id = _check_job_id(job_id)
        try:
            payload = self._transport.request_json("DELETE", f"/jobs/{job_id}")
        except AirbyteConflict:
            job = self.get_job(job_id)
            if not job.is_terminal:
                raise
            self.logger.info("Airbyte job %s had already finished (%s).", job_id, job.status)
            return job
        return AirbyteJob.from_api(payload)

    def list_jobs(
        self,
        *,
        connection_id: str | None = None,
        workspace_ids: Iterable[str] | None = None,
        job_type: JobType | str | None = None,
        status: JobStatus | str | None = None,
        created_at_start: datetime | str | None = None,
        created_at_end: datetime | str | None = None,
        updated_at_start: datetime | str | None = None,
        updated_at_end: datetime | str | None = None,
        order_by: str | None = None,
        limit: int | None = None,
    ) -> list[AirbyteJob]:
        """Jobs matching the filters, oldest first unless ``order_by`` says otherwise.

        ``status`` takes one value; ``order_by`` is ``"createdAt|DESC"``, ``"updatedAt|ASC"``...
        ``limit`` caps the number of jobs returned (None: all of them, page by page).

        >>> client.list_jobs(connection_id=cid, order_by="createdAt|DESC", limit=5)
        """
        params = _workspace_params(workspace_ids)
        if connection_id is not None:
            params["connectionId"] = _check_uuid("connection_id", connection_id)
        if job_type is not None:
            params["jobType"] = _check_job_type(job_type).value
        if status is not None:
            params["status"] = JobStatus(status).value
        for name, value in (
            ("createdAtStart", created_at_start),
            ("createdAtEnd", created_at_end),
            ("updatedAtStart", updated_at_start),
            ("updatedAtEnd", updated_at_end),
        ):
            if value is not None:
                params[name] = _iso_time(name, value)
        if order_by is not None:
            # Anything else is answered 400 (BEHAVIOUR.md "Jobs").
            if not _ORDER_BY.fullmatch(order_by):
                raise AirbyteConfigurationError(
                    f"order_by={order_by!r} is not supported by Airbyte; use 'createdAt|ASC', "
                    f"'createdAt|DESC', 'updatedAt|ASC' or 'updatedAt|DESC'."
                )
            params["orderBy"] = order_by
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise AirbyteConfigurationError(f"limit={limit!r} must be a positive integer or None.")
        return self._list("/jobs", params, AirbyteJob.from_api, limit=limit)

    def find_running_job(
        self, connection_id: str, job_type: JobType | str | None = None
    ) -> AirbyteJob | None:
        """The connection's newest job that has not finished, or None.

        One request: the newest jobs first (``createdAt|DESC``), since the default order is
        oldest first and ``status`` filters on one value only (BEHAVIOUR.md "Jobs").
        """
        kind = None if job_type is None else _check_job_type(job_type)
        if kind is JobType.CLEAR:
            kind = JobType.RESET  # clear runs a reset job (BEHAVIOUR.md "Jobs")
        jobs = self.list_jobs(
            connection_id=connection_id,
            job_type=kind,
            order_by="createdAt|DESC",
            limit=RECENT_JOBS,
        )
        return next((job for job in jobs if not job.is_terminal), None)

    def wait_for_job(
        self,
        job_id: int,
        *,
        poll: PollPolicy | None = None,
        timeout: float | None = None,
        on_progress: Callable[[AirbyteJob], None] | None = None,
        cancel_on_timeout: bool = False,
    ) -> AirbyteJob:
        """Poll until the job finishes; return it if it succeeded.

        Raises :class:`AirbyteJobFailed` (failed/cancelled) or :class:`AirbyteTimeout` (still
        running after ``timeout`` seconds; cancelled first if ``cancel_on_timeout``). See
        :func:`airbyte_cloud_dagster.api.polling.wait_for_job`.

        >>> client.wait_for_job(42, timeout=3600, on_progress=lambda job: print(job.status))
        """
        job_id = _check_job_id(job_id)
        return wait_for_job(
            self.get_job,
            job_id,
            poll=poll,
            timeout=timeout,
            on_progress=on_progress,
            cancel_job=self.cancel_job if cancel_on_timeout else None,
            log=self.logger,
        )

    def sync_and_wait(self, connection_id: str, **wait_kwargs: Any) -> AirbyteJob:
        """Start (or attach to) a sync and wait for it; ``wait_kwargs`` go to :meth:`wait_for_job`.

        >>> job = client.sync_and_wait(connection_id, timeout=3600)
        """
        job = self.trigger_sync(connection_id)
        return self.wait_for_job(job.job_id, **wait_kwargs)

    # ------------------------------------------------------------------ plumbing

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._transport.request_json("GET", path, params=params)

    def _list(
        self,
        path: str,
        params: dict[str, Any],
        parse: Callable[[Any], _Model],
        *,
        limit: int | None = None,
    ) -> list[_Model]:
        return list(self._pages(path, params, parse, limit))

    def _pages(
        self,
        path: str,
        params: dict[str, Any],
        parse: Callable[[Any], _Model],
        limit: int | None,
    ) -> Iterator[_Model]:
        """Offset pagination computed here: ``next`` links drop the status/date/orderBy filters
        and may carry a wrong host (BEHAVIOUR.md "Pagination"), so they are never followed."""
        offset = 0
        while limit is None or offset < limit:
            page_size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - offset)
            payload = self._get(path, {**params, "limit": page_size, "offset": offset})
            data = payload.get("data") if isinstance(payload, dict) else None
            if not isinstance(data, list):
                raise AirbyteResponseError(
                    f"GET {self._transport.base_path}{path} returned a page without a 'data' "
                    f"list; check that api_url points at the Airbyte API."
                )
            yield from (parse(item) for item in data)
            offset += len(data)
            if len(data) < page_size:
                return


# ---------------------------------------------------------------------- validation


def _check_api_url(api_url: str) -> str:
    parts = urlsplit(api_url.strip()) if isinstance(api_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise AirbyteConfigurationError(
            f"api_url={api_url!r} is not an absolute http(s) URL; use e.g. "
            f"'https://api.airbyte.com/v1' (Cloud) or 'http://localhost:8000/api/public/v1' "
            f"(self-managed)."
        )
    if parts.query or parts.fragment:
        raise AirbyteConfigurationError(
            f"api_url={api_url!r} has a query or fragment; pass only the base URL, e.g. "
            f"'https://api.airbyte.com/v1'."
        )
    return api_url.strip().rstrip("/")


def _refuse_plain_http(api_url: str) -> None:
    parts = urlsplit(api_url)
    if parts.scheme != "http" or _is_loopback(parts.hostname or ""):
        return
    raise AirbyteConfigurationError(
        f"api_url={api_url!r} is plain http:// to a host that is not this machine, so "
        f"credentials would travel unencrypted; use https://, or pass allow_insecure_http=True "
        f"if the network is trusted."
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_settings(
    request_timeout: float,
    connect_timeout: float,
    max_retries: int,
    backoff_factor: float,
    backoff_max: float,
) -> None:
    for name, value in (
        ("request_timeout", request_timeout),
        ("connect_timeout", connect_timeout),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise AirbyteConfigurationError(f"{name}={value!r} must be a number of seconds > 0.")
    for name, value in (("backoff_factor", backoff_factor), ("backoff_max", backoff_max)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise AirbyteConfigurationError(f"{name}={value!r} must be a number of seconds >= 0.")
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise AirbyteConfigurationError(f"max_retries={max_retries!r} must be an integer >= 0.")


def _check_uuid(name: str, value: str) -> str:
    """Reject a malformed id before sending anything (Airbyte ids are UUIDs, openapi.yaml)."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise AirbyteConfigurationError(
            f"{name}={value!r} is not a UUID; Airbyte ids look like "
            f"'9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f' (copy it from the connection's URL in "
            f"Airbyte)."
        ) from None


def _check_job_id(job_id: int) -> int:
    if isinstance(job_id, bool):
        job_id = None  # type: ignore[assignment]
    if isinstance(job_id, str) and job_id.strip().isdigit():
        return int(job_id)
    if not isinstance(job_id, int) or job_id < 0:
        raise AirbyteConfigurationError(
            f"job_id={job_id!r} is not a job id; Airbyte job ids are non-negative integers."
        )
    return job_id


def _check_job_type(job_type: JobType | str) -> JobType:
    try:
        return JobType(job_type)
    except ValueError:
        raise AirbyteConfigurationError(
            f"job_type={job_type!r} is not one of {', '.join(t.value for t in JobType)}."
        ) from None


def _workspace_params(workspace_ids: Iterable[str] | None) -> dict[str, Any]:
    if workspace_ids is None:
        return {}
    if isinstance(workspace_ids, str):
        workspace_ids = [workspace_ids]
    ids = [_check_uuid("workspace_ids", workspace_id) for workspace_id in workspace_ids]
    return {"workspaceIds": ids} if ids else {}


def _iso_time(name: str, value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        # Naive datetimes are taken as UTC; Airbyte compares instants.
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    raise AirbyteConfigurationError(f"{name}={value!r} must be a datetime or an ISO-8601 string.")


def _job_from_start(payload: Any, base_path: str) -> AirbyteJob:
    if not isinstance(payload, dict) or "jobId" not in payload:
        raise AirbyteResponseError(
            f"POST {base_path}/jobs succeeded but the answer has no 'jobId', so the job cannot "
            f"be followed; check the Airbyte version, and look for the job in the Airbyte UI."
        )
    return AirbyteJob.from_api(payload)
