"""Links into the Airbyte web app for things the API returns.

docs/airbyte/behaviour.md, "The Airbyte Cloud web app": a connection's page is
``https://cloud.airbyte.com/workspaces/<workspaceId>/connections/<connectionId>`` on Cloud, and
the same path on the instance's own host (without ``/api/...``) when self-managed. The job
history tab has moved between UI versions, so we link the connection page and name the job id
beside it rather than guessing the tab.
"""

from __future__ import annotations

from urllib.parse import urlsplit

CLOUD_API_HOST = "api.airbyte.com"
CLOUD_WEB_ROOT = "https://cloud.airbyte.com"


def web_root(api_url: str) -> str:
    """The web app's root URL for an API base URL.

    >>> web_root("https://api.airbyte.com/v1")
    'https://cloud.airbyte.com'
    >>> web_root("https://airbyte.example.com/api/public/v1")
    'https://airbyte.example.com'
    """
    parts = urlsplit(api_url)
    if parts.hostname == CLOUD_API_HOST:
        return CLOUD_WEB_ROOT
    path = parts.path.rstrip("/")
    for suffix in ("/api/public/v1", "/v1"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return f"{parts.scheme}://{parts.netloc}{path}"


def connection_url(api_url: str, workspace_id: str, connection_id: str) -> str:
    """The page of one connection in the Airbyte web app."""
    return f"{web_root(api_url)}/workspaces/{workspace_id}/connections/{connection_id}"
