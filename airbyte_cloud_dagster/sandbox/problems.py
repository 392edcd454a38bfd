"""Problem objects: the error bodies of the public Airbyte API.

docs/airbyte/behaviour.md, "Errors": every error is sent as ``application/json`` with
``{"status", "type", "title", "detail", "documentationUrl", "data"}``. ``title`` is a stable slug,
``detail`` is a generic sentence and the specific message lives in ``data.message`` (or, for 404,
``data`` is ``{resourceType, resourceId}``). Handlers raise :class:`Problem`; the app turns it
into a response with :func:`problem_response`.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

ERRORS_URL = "https://reference.airbyte.com/reference/errors"

# slug -> (status, generic detail), as the Airbyte server words them.
SLUGS: dict[str, tuple[int, str]] = {
    "bad-request": (
        400,
        "The request could not be understood by the server due to malformed syntax.",
    ),
    "invalid-api-key": (401, "The API key in the Authorization header is invalid."),
    "forbidden": (403, "The request is forbidden for the given credentials."),
    "resource-not-found": (404, "The requested resource could not be found."),
    "try-again-later": (409, "Please try again later."),
    "state-conflict": (409, "The request conflicts with the current state of the resource."),
    "unprocessable-entity": (422, "The body of the request was not understood."),
    "unexpected-problem": (500, "An unexpected problem has occurred."),
}


class Problem(Exception):
    """An API error; raised by handlers, rendered by :func:`problem_response`."""

    def __init__(self, slug: str, message: str = "", *, data: dict[str, Any] | None = None):
        if slug not in SLUGS:
            raise ValueError(f"unknown problem slug {slug!r}; known: {sorted(SLUGS)}")
        super().__init__(f"{slug}: {message or data}")
        self.slug = slug
        self.status = SLUGS[slug][0]
        self.data: dict[str, Any] = data if data is not None else {"message": message}

    def body(self) -> dict[str, Any]:
        """The JSON document the real server sends for this problem."""
        url = f"{ERRORS_URL}#{self.slug}"
        return {
            "status": self.status,
            "type": url,
            "title": self.slug,
            "detail": SLUGS[self.slug][1],
            "documentationUrl": url,
            "data": self.data,
        }


def bad_request(message: str) -> Problem:
    """400 ``bad-request``: malformed id, body or query parameter."""
    return Problem("bad-request", message)


def not_found(resource_type: str, resource_id: object) -> Problem:
    """404 ``resource-not-found``; ``data`` names the resource, as the real server does."""
    return Problem(
        "resource-not-found", data={"resourceType": resource_type, "resourceId": str(resource_id)}
    )


def problem_response(problem: Problem) -> JSONResponse:
    """Render a :class:`Problem` as the real server would."""
    return JSONResponse(problem.body(), status_code=problem.status)


def problem_for_status(status: int, message: str) -> Problem:
    """The first problem slug with this HTTP status (used by fault injection of 4xx)."""
    for slug, (slug_status, _) in SLUGS.items():
        if slug_status == status:
            return Problem(slug, message)
    raise ValueError(f"no Airbyte problem has status {status}")
