"""Everything one running sandbox holds, shared by the HTTP app and the Python API."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from airbyte_cloud_dagster.sandbox.auth import Credentials, Gate, TokenStore
from airbyte_cloud_dagster.sandbox.discovery import Discovery
from airbyte_cloud_dagster.sandbox.faults import Faults
from airbyte_cloud_dagster.sandbox.jobs import JobBook
from airbyte_cloud_dagster.sandbox.resources import Catalog
from airbyte_cloud_dagster.sandbox.seed import WorkspaceSeed
from airbyte_cloud_dagster.sandbox.warehouse import Warehouse

# Closes the client connection of an ASGI scope without a response; set by the server (server.py).
Dropper = Callable[[MutableMapping[str, Any]], Awaitable[bool]]


@dataclass
class SandboxState:
    """The workspace, tokens, jobs, faults, warehouse and schema discovery of one sandbox."""

    catalog: Catalog
    tokens: TokenStore
    jobs: JobBook
    faults: Faults
    warehouse: Warehouse
    auth: bool = True
    dropper: Dropper | None = field(default=None)
    gate: Gate = field(default_factory=Gate)  # what stands in front of the API (auth.py)
    discovery: Discovery = field(default_factory=Discovery)  # GET /streams (discovery.py)

    @classmethod
    def create(
        cls,
        seed: WorkspaceSeed,
        *,
        warehouse_path: str | os.PathLike[str],
        auth: bool = True,
        token_lifetime: float = 900.0,
        job_duration: float = 5.0,
        credentials: Credentials | None = None,
        gate: Gate | None = None,
        discovery: Discovery | None = None,
    ) -> SandboxState:
        catalog = Catalog(seed)
        tokens = TokenStore(credentials or Credentials.random(), token_lifetime)
        warehouse = Warehouse(warehouse_path, catalog)
        return cls(
            catalog=catalog,
            tokens=tokens,
            jobs=JobBook(job_duration, lander=warehouse.land),
            faults=Faults(tokens.expire_all),
            warehouse=warehouse,
            auth=auth,
            gate=gate or Gate(),
            discovery=discovery or Discovery(),
        )

    def close(self) -> None:
        self.warehouse.close()
