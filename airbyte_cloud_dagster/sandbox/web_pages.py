"""Read-only HTML pages at the Airbyte web app's paths, so links from Dagster open something.

docs/airbyte/behaviour.md, "The Airbyte Cloud web app": a connection's page is
``/workspaces/<workspaceId>/connections/<connectionId>`` on the web app's host. The sandbox
serves a small page there (connection, source and destination, schedule, streams, recent jobs
with status and rows) and a list of connections at ``/workspaces/<workspaceId>/connections``.
Like the web app, these paths sit outside the API prefixes, so no token is needed. Unknown ids
get an HTML 404 page, as a browser user would see.
"""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from airbyte_cloud_dagster.sandbox.seed import ConnectionSeed, ScheduleSeed
from airbyte_cloud_dagster.sandbox.state import SandboxState
from airbyte_cloud_dagster.sandbox.table_names import landing_tables

RECENT_JOBS = 20
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a2e; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: left; }
th { background: #f4f4f8; } .succeeded { color: #1b7f3b; } .failed { color: #b00020; }
.note { color: #666; font-size: 0.9rem; }
"""


def schedule_text(schedule: ScheduleSeed) -> str:
    """How the web app words a connection's schedule."""
    if schedule.schedule_type == "cron":
        return f"Cron: {schedule.cron_expression}"
    if schedule.schedule_type == "basic":
        return str(schedule.basic_timing)
    return "Manual"


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | Airbyte sandbox</title><style>{STYLE}</style></head>"
        f"<body>{body}<p class='note'>Served by the local Airbyte sandbox (read-only).</p>"
        "</body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _table(headers: list[str], rows: list[list[Any]], css: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = ""
    for index, row in enumerate(rows):
        cls = f" class='{escape(css[index])}'" if css and css[index] else ""
        cells = "".join(f"<td>{escape(str(cell))}</td>" for cell in row)
        body += f"<tr{cls}>{cells}</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class WebPages:
    """The HTML routes bound to one sandbox's state."""

    def __init__(self, state: SandboxState):
        self.state = state
        self.catalog = state.catalog

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/workspaces/{workspace_id}/connections", self.connections, methods=["GET"]),
            Route(
                "/workspaces/{workspace_id}/connections/{connection_id}",
                self.connection,
                methods=["GET"],
            ),
        ]

    def _not_found(self, what: str) -> Response:
        return _page("Not found", f"<h1>Not found</h1><p>{escape(what)}</p>", status=404)

    async def connections(self, request: Request) -> Response:
        workspace_id = request.path_params["workspace_id"]
        if workspace_id != self.catalog.workspace_id:
            return self._not_found(f"No workspace {workspace_id} here.")
        rows = []
        for connection in self.catalog.connections.values():
            link = f"/workspaces/{workspace_id}/connections/{connection.connection_id}"
            rows.append(
                f"<li><a href='{escape(link)}'>{escape(connection.name)}</a> "
                f"({escape(connection.status)})</li>"
            )
        title = f"Connections of {self.catalog.seed.name}"
        return _page(title, f"<h1>{escape(title)}</h1><ul>{''.join(rows)}</ul>")

    async def connection(self, request: Request) -> Response:
        workspace_id = request.path_params["workspace_id"]
        connection_id = request.path_params["connection_id"]
        connection = self.catalog.connections.get(connection_id)
        if workspace_id != self.catalog.workspace_id or connection is None:
            return self._not_found(
                f"No connection {connection_id} in workspace {workspace_id} here."
            )
        return _page(connection.name, self._connection_body(connection))

    def _connection_body(self, connection: ConnectionSeed) -> str:
        source = self.catalog.sources[connection.source_id]
        destination = self.catalog.destinations[connection.destination_id]
        overview = _table(
            ["Status", "Source", "Destination", "Schedule"],
            [
                [
                    connection.status,
                    f"{source.name} ({source.source_type})",
                    f"{destination.name} ({destination.destination_type})",
                    schedule_text(connection.schedule),
                ]
            ],
        )
        streams = _table(
            ["Stream", "Source namespace", "Sync mode", "Destination table"],
            [
                [
                    stream.name,
                    stream.namespace or "",
                    stream.sync_mode,
                    f"{schema}.{table}",
                ]
                for stream, (schema, table) in zip(
                    connection.streams, landing_tables(connection, destination), strict=True
                )
            ],
        )
        # Only the shown jobs are serialised, not the connection's whole history.
        recent = [j for j in self.state.jobs.all() if j.connection_id == connection.connection_id]
        jobs = [self.state.jobs.to_json(job) for job in recent[::-1][:RECENT_JOBS]]
        job_rows = [
            [
                job["jobId"],
                job["jobType"],
                job["status"],
                job["startTime"],
                job.get("duration", ""),
                job.get("rowsSynced", ""),  # absent before the job's first attempt
                job.get("bytesSynced", ""),
            ]
            for job in jobs
        ]
        history = (
            _table(
                ["Job", "Type", "Status", "Started", "Duration", "Rows", "Bytes"],
                job_rows,
                css=[job["status"] for job in jobs],
            )
            if jobs
            else "<p>No jobs yet.</p>"
        )
        return (
            f"<h1>{escape(connection.name)}</h1>"
            f"<p class='note'>Connection {escape(connection.connection_id)} in "
            f"<a href='/workspaces/{escape(self.catalog.workspace_id)}/connections'>"
            f"{escape(self.catalog.seed.name)}</a></p>{overview}"
            f"<h2>Streams</h2>{streams}<h2>Recent jobs</h2>{history}"
        )
