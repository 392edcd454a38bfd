"""``AirbyteCloudResource``: the Dagster resource that holds the credentials and calls Airbyte.

Example::

    import dagster as dg
    from airbyte_cloud_dagster import AirbyteCloudResource

    airbyte = AirbyteCloudResource(
        client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
        client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
        workspace_id=dg.EnvVar("AIRBYTE_WORKSPACE_ID"),
    )

    @dg.asset
    def my_asset(airbyte: AirbyteCloudResource) -> None:
        airbyte.sync_and_wait("9924bcd0-99be-453d-ba47-c2c9766f7da5")
"""

from __future__ import annotations

import threading

import dagster as dg
from pydantic import PrivateAttr

from airbyte_cloud_dagster.api import (
    AirbyteClient,
    AirbyteConnection,
    AirbyteJob,
    PollPolicy,
)
from airbyte_cloud_dagster.api.arguments import check_uuid
from airbyte_cloud_dagster.setting_values import resolve, resolve_headers
from airbyte_cloud_dagster.settings import DEFAULT_API_URL, AirbyteSettings
from airbyte_cloud_dagster.sync.body import SyncRun, sync_asset_step
from airbyte_cloud_dagster.sync.following import SyncSettings, run_sync

__all__ = ["DEFAULT_API_URL", "AirbyteCloudResource"]


class AirbyteCloudResource(AirbyteSettings):
    """Airbyte Cloud or self-managed Airbyte, through the public Airbyte API.

    Give exactly one kind of credentials: ``client_id`` and ``client_secret`` (an Airbyte
    application; tokens are fetched and refreshed for you), or ``api_token`` (a static bearer
    token), or ``username`` and ``password`` (HTTP Basic auth), or none (self-managed Airbyte
    with API authorization disabled). Pass secrets as ``dagster.EnvVar`` so their values never
    reach the Dagster UI; ``extra_headers`` takes one per value.
    """

    _client: AirbyteClient | None = PrivateAttr(default=None)
    _client_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def get_client(self) -> AirbyteClient:
        """The underlying ``AirbyteClient`` (one per resource, pooled), for every other call."""
        with self._client_lock:
            if self._client is None:
                self._client = AirbyteClient(
                    resolve(self.api_url, "api_url"),
                    client_id=resolve(self.client_id, "client_id"),
                    client_secret=resolve(self.client_secret, "client_secret"),
                    api_token=resolve(self.api_token, "api_token"),
                    username=resolve(self.username, "username"),
                    password=resolve(self.password, "password"),
                    extra_headers=resolve_headers(self.extra_headers),
                    proxy_url=resolve(self.proxy_url, "proxy_url"),
                    verify=self.verify,
                    request_timeout=self.request_timeout,
                    max_retries=self.max_retries,
                    on_conflict=self.on_conflict,
                    allow_insecure_http=self.allow_insecure_http,
                    logger=dg.get_dagster_logger("airbyte"),
                )
            return self._client

    @property
    def sync_settings(self) -> SyncSettings:
        """How syncs started through this resource are followed."""
        return SyncSettings(
            poll=PollPolicy(
                poll_interval=self.poll_interval, poll_interval_max=self.poll_interval_max
            ),
            sync_timeout=self.sync_timeout,
            cancel_on_timeout=self.cancel_on_timeout,
            cancel_on_termination=self.cancel_on_termination,
        )

    def trigger_sync(self, connection_id: str) -> AirbyteJob:
        """Start a sync (or attach to the one running) and return at once."""
        return self.get_client().trigger_sync(connection_id)

    def get_job(self, job_id: int) -> AirbyteJob:
        return self.get_client().get_job(job_id)

    def cancel_job(self, job_id: int) -> AirbyteJob:
        return self.get_client().cancel_job(job_id)

    def sync_and_wait(self, connection_id: str) -> AirbyteJob:
        """Start a sync, follow it to its end and return the succeeded job.

        A failed or cancelled job raises an error that is both ``dagster.Failure`` and
        ``AirbyteJobFailed`` (``AirbyteTimeout`` when ``sync_timeout`` runs out), naming the job
        and the connection's page; a terminated run cancels the job unless
        ``cancel_on_termination`` is off.
        """
        return run_sync(self.get_client(), connection_id, self.sync_settings)

    @property
    def resolved_workspace_id(self) -> str | None:
        """``workspace_id``, read from the environment if it was given as an ``EnvVar``."""
        # An EnvVar whose variable is not set is refused, naming it: taken for "every
        # workspace", it would load another workspace's connections without a word.
        workspace_id = resolve(self.workspace_id, "workspace_id") or None
        return None if workspace_id is None else check_uuid("workspace_id", workspace_id)

    def list_connections(self, workspace_ids: list[str] | None = None) -> list[AirbyteConnection]:
        """Every connection of the given workspaces (default: ``workspace_id``, else all)."""
        if workspace_ids is None and self.resolved_workspace_id:
            workspace_ids = [self.resolved_workspace_id]
        return self.get_client().list_connections(workspace_ids=workspace_ids)

    def get_connection(self, connection_id: str) -> AirbyteConnection:
        return self.get_client().get_connection(connection_id)

    def sync_and_poll(
        self, context: dg.AssetExecutionContext, *, resync: bool | None = None
    ) -> SyncRun:
        """Sync the connections behind the selected assets and yield their events: the body of
        every asset this package builds (``sync.body.sync_asset_step``). Selecting some tables
        of a connection syncs all of it, and every table of the step it refreshed is recorded.

        Blocking (the default ``wait_mode``): start each sync, follow it to its end, yield a
        materialization per table. ``wait_mode="sensor"``: only start the syncs and yield the
        observations that name the jobs; the sync sensor records the tables when they end.
        ``resync`` (default: the op config's ``resync``, else False) clears the tables first.
        Call it from your own multi-asset::

            @dg.multi_asset(specs=load_airbyte_asset_specs(airbyte=airbyte), can_subset=True)
            def my_airbyte(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
                yield from airbyte.sync_and_poll(context)
        """
        return sync_asset_step(self, context, resync=resync)
