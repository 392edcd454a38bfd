"""The Airbyte API client: one object, one pooled session, typed results.

>>> client = AirbyteClient("https://api.airbyte.com/v1", client_id="...", client_secret="...")
>>> with client:
...     connection = client.list_connections()[0]
...     job = client.sync_and_wait(connection.connection_id, timeout=3600)
...     job.rows_synced
1200

Self-managed Airbyte serves the same API under ``<host>/api/public/v1`` and, by default, needs
no credentials: ``AirbyteClient("http://localhost:8000/api/public/v1")``. Behind a gate, a proxy
or a company CA::

    AirbyteClient(
        "https://airbyte.corp.example/api/public/v1",
        username="airbyte", password="...",              # HTTP Basic auth, instead of a token
        extra_headers={"CF-Access-Client-Id": "...", "CF-Access-Client-Secret": "..."},
        proxy_url="http://proxy.corp:3128",
        verify="/etc/ssl/corp-ca.pem",
    )
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, TypeVar

from airbyte_cloud_dagster.api.arguments import (
    check_api_url,
    check_job_id,
    check_job_type,
    check_uuid,
    mask_url,
)
from airbyte_cloud_dagster.api.auth import Auth
from airbyte_cloud_dagster.api.connecting import connect
from airbyte_cloud_dagster.api.errors import (
    AirbyteConfigurationError,
    AirbyteConflict,
    AirbyteResponseError,
)
from airbyte_cloud_dagster.api.filters import job_list_params, workspace_params
from airbyte_cloud_dagster.api.models import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteJob,
    AirbyteSource,
    AirbyteStreamProperties,
    AirbyteWorkspace,
    ConnectionSchedule,
    JobStatus,
    JobType,
)
from airbyte_cloud_dagster.api.models.connections import connection_patch_body
from airbyte_cloud_dagster.api.models.fields import UNUSABLE_ANSWER_HINT
from airbyte_cloud_dagster.api.pagination import pages
from airbyte_cloud_dagster.api.polling import PollPolicy, check_wait_arguments, wait_for_job
from airbyte_cloud_dagster.api.responses import limit_answer_size
from airbyte_cloud_dagster.api.setting_names import named_settings
from airbyte_cloud_dagster.api.starting import JobStarter
from airbyte_cloud_dagster.api.transport import Transport

__all__ = ["AirbyteClient"]

_Model = TypeVar("_Model")


class AirbyteClient:
    """A client for the public Airbyte API (Cloud or self-managed).

    Auth: pass exactly one of ``client_id`` + ``client_secret`` (tokens fetched and refreshed
    for you), ``api_token`` (static bearer token), ``username`` + ``password`` (HTTP Basic auth
    on every request), or nothing (self-managed without auth).

    Network: ``extra_headers`` go on every request, the token request too (a gate such as
    Cloudflare Access); ``proxy_url`` is the proxy for every request (default: requests reads
    ``HTTPS_PROXY``, ``HTTP_PROXY`` and ``NO_PROXY``); ``verify`` is True (the CAs this machine
    trusts, or ``REQUESTS_CA_BUNDLE``), the path of a CA bundle, or False (no check; a warning
    is logged). Header values and a proxy's credentials are secrets: never shown.

    Only idempotent calls (GET, DELETE) are retried, on lost connections, 408, 429 and 5xx,
    with exponential backoff (``backoff_factor`` * 2**n, at most ``backoff_max``) and jitter.
    Starting a job is never blindly retried: see :meth:`start_job`.
    """

    @named_settings("AirbyteClient", listed_in="listed in help(AirbyteClient)")
    def __init__(
        self,
        api_url: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        proxy_url: str | None = None,
        verify: bool | str = True,
        request_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_retries: int = 5,
        backoff_factor: float = 0.5,
        backoff_max: float = 60.0,
        on_conflict: Literal["attach", "fail"] = "attach",
        allow_insecure_http: bool = False,
        logger: logging.Logger | None = None,
    ) -> None:
        self.api_url = check_api_url(api_url)
        if on_conflict not in ("attach", "fail"):
            raise AirbyteConfigurationError(
                f"on_conflict={on_conflict!r} is not supported; use 'attach' (join the "
                f"sync already running) or 'fail' (raise AirbyteConflict)."
            )
        self.logger = logger or logging.getLogger("airbyte_cloud_dagster")
        self._transport = connect(
            self.api_url,
            client_id=client_id,
            client_secret=client_secret,
            api_token=api_token,
            username=username,
            password=password,
            extra_headers=extra_headers,
            proxy_url=proxy_url,
            verify=verify,
            request_timeout=request_timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            allow_insecure_http=allow_insecure_http,
            logger=self.logger,
        )
        # Every answer on this session, the token's and the Config API's too, is read at most
        # MAX_ANSWER_BYTES deep (api/responses.py).
        self._transport.session.hooks["response"].append(limit_answer_size)
        self.auth: Auth = self._transport.auth
        self._starter = JobStarter(
            self._transport,
            list_jobs=self.list_jobs,
            on_conflict=on_conflict,
            logger=self.logger,
        )

    def __repr__(self) -> str:
        settings = self._transport.settings
        shown = [f"api_url={self.api_url!r}", f"auth={self.auth!r}"]
        if settings.header_names:
            shown.append(f"extra_headers={list(settings.header_names)!r}")  # names only
        if settings.proxy_url:
            shown.append(f"proxy_url={mask_url(settings.proxy_url)!r}")
        if settings.verify is not True:
            shown.append(f"verify={settings.verify!r}")
        return f"AirbyteClient({', '.join(shown)})"

    @property
    def on_conflict(self) -> Literal["attach", "fail"]:
        """What :meth:`start_job` does when a sync is already running: attach, or fail."""
        return self._starter.on_conflict

    @property
    def transport(self) -> Transport:
        """The pooled session, auth and timeouts, shared with api/config_api.py's calls."""
        return self._transport

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
        workspace_id = check_uuid("workspace_id", workspace_id)
        return AirbyteWorkspace.from_api(self._get(f"/workspaces/{workspace_id}"))

    def list_sources(self, workspace_ids: Iterable[str] | None = None) -> list[AirbyteSource]:
        params = workspace_params(workspace_ids)
        return self._list("/sources", params, AirbyteSource.from_api)

    def get_source(self, source_id: str) -> AirbyteSource:
        source_id = check_uuid("source_id", source_id)
        return AirbyteSource.from_api(self._get(f"/sources/{source_id}"))

    def list_destinations(
        self, workspace_ids: Iterable[str] | None = None
    ) -> list[AirbyteDestination]:
        params = workspace_params(workspace_ids)
        return self._list("/destinations", params, AirbyteDestination.from_api)

    def get_destination(self, destination_id: str) -> AirbyteDestination:
        destination_id = check_uuid("destination_id", destination_id)
        return AirbyteDestination.from_api(self._get(f"/destinations/{destination_id}"))

    def list_connections(
        self, workspace_ids: Iterable[str] | None = None, include_deleted: bool = False
    ) -> list[AirbyteConnection]:
        """Every connection (with its enabled streams) in the given workspaces, or in all.

        >>> [c.name for c in client.list_connections()]
        ['App Postgres → Warehouse', 'Stripe → Warehouse']
        """
        params = workspace_params(workspace_ids)
        if include_deleted:
            params["includeDeleted"] = "true"
        return self._list("/connections", params, AirbyteConnection.from_api)

    def get_connection(self, connection_id: str) -> AirbyteConnection:
        connection_id = check_uuid("connection_id", connection_id)
        return AirbyteConnection.from_api(self._get(f"/connections/{connection_id}"))

    def patch_connection(
        self,
        connection_id: str,
        *,
        name: str | None = None,
        status: str | None = None,
        schedule: ConnectionSchedule | None = None,
    ) -> AirbyteConnection:
        """Change a connection's name, status or schedule; returns it as Airbyte now serves it.

        ``PATCH /connections/{id}`` (``patchConnection``) with only the fields given, so the
        streams and everything else stay as they are. The public API sets ``manual`` and
        ``cron`` schedules only, cron in UTC only (``ConnectionSchedule.unsettable_reason``;
        docs/airbyte/behaviour.md, "Changing a connection"): anything else raises
        :class:`AirbyteConfigurationError` before any request. Like ``POST /jobs`` it is not
        retried after a lost answer: read the connection to see whether it was applied.

        This writes to Airbyte: nothing in this package calls it while loading definitions or
        running assets, only the schedule hand-over (``automation/handover/patch.py``).

        >>> client.patch_connection(connection_id, schedule=ConnectionSchedule("manual"))
        """
        connection_id = check_uuid("connection_id", connection_id)
        body = connection_patch_body(name=name, status=status, schedule=schedule)
        payload = self._transport.request_json(
            "PATCH", f"/connections/{connection_id}", json_body=body
        )
        return AirbyteConnection.from_api(payload)

    def get_stream_properties(
        self, source_id: str, destination_id: str | None = None
    ) -> list[AirbyteStreamProperties]:
        """What the source offers per stream (``GET /streams``); may run a slow schema discovery."""
        params = {"sourceId": check_uuid("source_id", source_id)}
        if destination_id is not None:
            params["destinationId"] = check_uuid("destination_id", destination_id)
        payload = self._get("/streams", params)
        # A bare array, not a page (the spec's getStreamProperties / StreamPropertiesResponse).
        if not isinstance(payload, list):
            raise AirbyteResponseError(
                f"GET {self._transport.base_path}/streams returned {_json_kind(payload)} "
                f"instead of a list of stream properties; {UNUSABLE_ANSWER_HINT}."
            )
        return [AirbyteStreamProperties.from_api(item) for item in payload]

    # ------------------------------------------------------------------ jobs

    def start_job(self, connection_id: str, job_type: JobType | str = JobType.SYNC) -> AirbyteJob:
        """Start a job on a connection, never starting two.

        Creating a job is not idempotent and can take tens of seconds (docs/airbyte/behaviour.md,
        "Jobs"), so ``POST /jobs`` is never blindly retried. It first reads the connection's
        newest job id (one request). When the POST answers 409 ``try-again-later`` (a sync is
        already running), the client attaches to the running job; when it times out, fails with
        5xx or its connection drops (the job may have been created anyway), it follows a job newer
        than the one read first -- running or already finished -- else a running one (logged at
        INFO); if that look fails, it raises without posting again. A 429 (nothing created) waits
        (``Retry-After`` when sent). Only then does it POST again, after a logged, jittered delay,
        at most ``MAX_START_POSTS`` times within ``START_WINDOW_SECONDS``. With
        ``on_conflict="fail"`` a 409 raises :class:`AirbyteConflict` instead. A 409
        ``state-conflict`` (inactive connection) is never retried. See ``api/starting.py``.

        >>> job = client.start_job(connection_id)
        >>> job.job_id, job.status
        (42, <JobStatus.RUNNING: 'running'>)
        """
        connection_id = check_uuid("connection_id", connection_id)
        return self._starter.start(connection_id, check_job_type(job_type))

    def trigger_sync(self, connection_id: str) -> AirbyteJob:
        """Start (or attach to) a sync; shorthand for ``start_job(connection_id, JobType.SYNC)``."""
        return self.start_job(connection_id, JobType.SYNC)

    def get_job(self, job_id: int) -> AirbyteJob:
        job_id = check_job_id(job_id)
        return AirbyteJob.from_api(self._get(f"/jobs/{job_id}"))

    def cancel_job(self, job_id: int) -> AirbyteJob:
        """Cancel a job and return it. A job that has already finished is returned as it is
        (Airbyte answers 409 "Job is not currently running",
        docs/airbyte/behaviour.md, "Jobs")."""
        job_id = check_job_id(job_id)
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
        params = workspace_params(workspace_ids)
        if connection_id is not None:
            params["connectionId"] = check_uuid("connection_id", connection_id)
        params |= job_list_params(
            job_type=job_type,
            status=status,
            created_at_start=created_at_start,
            created_at_end=created_at_end,
            updated_at_start=updated_at_start,
            updated_at_end=updated_at_end,
            order_by=order_by,
            limit=limit,
        )
        return self._list("/jobs", params, AirbyteJob.from_api, limit=limit)

    def find_running_job(
        self, connection_id: str, job_type: JobType | str | None = None
    ) -> AirbyteJob | None:
        """The connection's newest job that has not finished, or None.

        One request: the newest jobs first (``createdAt|DESC``), since the default order is
        oldest first and ``status`` filters on one value only
        (docs/airbyte/behaviour.md, "Jobs").
        """
        connection_id = check_uuid("connection_id", connection_id)
        kind = None if job_type is None else check_job_type(job_type)
        return self._starter.find_running(connection_id, kind)

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
        job_id = check_job_id(job_id)
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
        connection_id = check_uuid("connection_id", connection_id)
        check_wait_arguments(**wait_kwargs)  # before anything starts in Airbyte
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
        return list(pages(self._transport, path, params, parse, limit))


def _json_kind(payload: Any) -> str:
    """``a JSON object``, ``a string``...: what an answer was, as its JSON."""
    kinds = {dict: "a JSON object", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(payload), "a number")
