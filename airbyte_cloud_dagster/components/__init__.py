"""Dagster components of airbyte-cloud-dagster, registered for ``dg``.

``dg list components`` shows ``airbyte_cloud_dagster.components.AirbyteWorkspaceComponent`` in
any project whose environment has this package (entry point ``dagster_dg_cli.registry_modules``
in pyproject.toml); ``dg scaffold defs airbyte_cloud_dagster.components.AirbyteWorkspaceComponent
PATH`` writes a ``defs.yaml`` for it.
"""

from airbyte_cloud_dagster.components.component import AirbyteWorkspaceComponent

__all__ = ["AirbyteWorkspaceComponent"]
