"""Plain-Python client for the public Airbyte API (Cloud and self-managed). Never imports Dagster.

>>> from airbyte_cloud_dagster.api import AirbyteClient, AirbyteJobFailed
>>> client = AirbyteClient("https://api.airbyte.com/v1", client_id="...", client_secret="...")
>>> with client:
...     try:
...         job = client.sync_and_wait("9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f", timeout=3600)
...     except AirbyteJobFailed as error:
...         print(error.job.status)

Modules: ``errors`` (the exception tree; imports nothing else here), ``models/`` (typed
payloads: ``fields``, ``jobs``, ``connections``, ``catalog``), ``arguments`` (checks of settings
and arguments), ``session`` (pooled session, timeouts, retry policy), ``responses`` (an error
answer -> the precise error; a wrong ``api_url``), ``network`` (no answer -> why: refused, DNS,
TLS, timeout), ``auth`` (credentials and token refresh), ``transport`` (one request),
``pagination`` (listing), ``starting`` (starting a job without starting two), ``polling``
(waiting for jobs), ``client`` (the calls).
"""

from airbyte_cloud_dagster.api.client import AirbyteClient
from airbyte_cloud_dagster.api.errors import (
    AirbyteAuthError,
    AirbyteBadRequest,
    AirbyteConfigurationError,
    AirbyteConflict,
    AirbyteConnectionError,
    AirbyteError,
    AirbyteJobFailed,
    AirbyteNotFound,
    AirbyteRateLimited,
    AirbyteRequestError,
    AirbyteResponseError,
    AirbyteServerError,
    AirbyteTimeout,
)
from airbyte_cloud_dagster.api.models import (
    AirbyteConnection,
    AirbyteDestination,
    AirbyteJob,
    AirbyteSource,
    AirbyteStream,
    AirbyteStreamProperties,
    AirbyteWorkspace,
    ConnectionSchedule,
    JobStatus,
    JobType,
)
from airbyte_cloud_dagster.api.multi_wait import JobEnd, JobsWatch, wait_for_jobs
from airbyte_cloud_dagster.api.polling import PollPolicy, poll_schedule
from airbyte_cloud_dagster.api.tables import (
    DestinationTable,
    resolve_destination_table,
    resolve_destination_tables,
)

__all__ = [
    "AirbyteAuthError",
    "AirbyteBadRequest",
    "AirbyteClient",
    "AirbyteConfigurationError",
    "AirbyteConflict",
    "AirbyteConnection",
    "AirbyteConnectionError",
    "AirbyteDestination",
    "AirbyteError",
    "AirbyteJob",
    "AirbyteJobFailed",
    "AirbyteNotFound",
    "AirbyteRateLimited",
    "AirbyteRequestError",
    "AirbyteResponseError",
    "AirbyteServerError",
    "AirbyteSource",
    "AirbyteStream",
    "AirbyteStreamProperties",
    "AirbyteTimeout",
    "AirbyteWorkspace",
    "ConnectionSchedule",
    "DestinationTable",
    "JobEnd",
    "JobStatus",
    "JobType",
    "JobsWatch",
    "PollPolicy",
    "poll_schedule",
    "resolve_destination_table",
    "resolve_destination_tables",
    "wait_for_jobs",
]
