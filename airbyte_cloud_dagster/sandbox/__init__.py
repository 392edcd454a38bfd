"""A faithful local server of the public Airbyte API, for demos and tests.

Serves the Cloud paths (``/v1``) and the self-managed ones (``/api/public/v1``) with the
quirks of the real server (see ``docs/airbyte/behaviour.md``): client-credential
tokens, jobs that run in wall-clock time, 409s, pagination links that drop filters, problem
objects. Faults can be injected, and successful syncs land rows in a SQLite "warehouse". It can
stand behind what teams put in front of a self-managed Airbyte: Basic auth, an access proxy's
required headers, HTTPS (``basic_auth=``, ``required_headers=``, ``ssl_certfile=``).
Imports neither the client (``airbyte_cloud_dagster.api``) nor Dagster.

>>> from airbyte_cloud_dagster.sandbox import Sandbox
>>> with Sandbox(job_duration=0.5) as sb:  # doctest: +SKIP
...     connection_id = sb.connection_id("Stripe → Warehouse")
...     sb.faults.fail("/jobs", 502)
"""

from airbyte_cloud_dagster.sandbox.faults import Faults, RequestRecord
from airbyte_cloud_dagster.sandbox.jobs import JobPlan
from airbyte_cloud_dagster.sandbox.seed import (
    ConfiguredStreamSeed,
    ConnectionSeed,
    DestinationSeed,
    ScheduleSeed,
    SourceSeed,
    StreamSeed,
    WorkspaceSeed,
)
from airbyte_cloud_dagster.sandbox.seed_files import (
    load_workspace,
    workspace_from_dict,
    workspace_to_dict,
)
from airbyte_cloud_dagster.sandbox.server import Sandbox
from airbyte_cloud_dagster.sandbox.workspaces import demo_workspace, generate_workspace

__all__ = [
    "ConfiguredStreamSeed",
    "ConnectionSeed",
    "DestinationSeed",
    "Faults",
    "JobPlan",
    "RequestRecord",
    "Sandbox",
    "ScheduleSeed",
    "SourceSeed",
    "StreamSeed",
    "WorkspaceSeed",
    "demo_workspace",
    "generate_workspace",
    "load_workspace",
    "workspace_from_dict",
    "workspace_to_dict",
]
