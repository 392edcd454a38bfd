"""A local server that answers what a test scripts: the unusable 200s the sandbox, being a
correct server, never sends (a non-JSON page, the wrong shape, a body without end). Built on
``api/fake_http.py``; one server serves the whole folder (``conftest.py``'s ``scripted``).

>>> scripted.reply_json([{"jobId": 3}])        # GET /v1/jobs/3 -> a list, not a job
>>> AirbyteClient(scripted.url).get_job(3)     # AirbyteResponseError
"""

from __future__ import annotations

import json
import threading
from typing import Any, ClassVar

from ..api.fake_http import FixedAnswers

CONNECTION_ID = "9f4c6b8e-1d2a-4c3b-8e5f-0a1b2c3d4e5f"
# A job as getJob serves it (JobResponse), for a test to spoil one field of.
JOB = {
    "jobId": 3,
    "status": "running",
    "jobType": "sync",
    "startTime": "2024-05-01T19:31:07Z",
    "connectionId": CONNECTION_ID,
}


class ScriptedAirbyte:
    """What the next requests get; ``url`` is the API base (``http://127.0.0.1:PORT/v1``)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/v1"
        self.reset()

    def reset(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self._answer: tuple[int, str, bytes] = (200, "application/json", b"{}")
        self._by_method: dict[str, tuple[int, str, bytes]] = {}
        self._stream: tuple[int | None, int] | None = None
        self.sent = 0  # bytes of the last streamed body written before the client hung up
        self.streamed = threading.Event()

    def reply(
        self,
        body: bytes,
        *,
        status: int = 200,
        kind: str = "application/json",
        method: str | None = None,
    ) -> None:
        """Answer every request (or only those of ``method``) with ``body``."""
        if method is None:
            self._answer, self._stream = (status, kind, body), None
        else:
            self._by_method[method] = (status, kind, body)

    def reply_json(self, document: Any, *, method: str | None = None) -> None:
        self.reply(json.dumps(document).encode(), method=method)

    def reply_without_end(self, *, cap: int, declared_length: int | None = None) -> None:
        """A JSON body that goes on until the client hangs up, or ``cap`` bytes (then the
        connection is closed); ``declared_length`` is sent as its Content-Length."""
        self._stream = (declared_length, cap)

    def serve(self, handler: FixedAnswers) -> None:
        self.requests.append((handler.command, handler.path))
        if handler.command in self._by_method:
            handler.answer(*self._by_method[handler.command])
            return
        if self._stream is None:
            handler.answer(*self._answer)
            return
        declared_length, cap = self._stream
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declared_length is not None:
            handler.send_header("Content-Length", str(declared_length))
        handler.end_headers()
        handler.close_connection = True
        chunk, sent = b"x" * 65536, 0
        try:
            handler.wfile.write(b'{"jobId": 3, "padding": "')
            while sent < cap:
                handler.wfile.write(chunk)
                sent += len(chunk)
        except OSError:  # the client hung up
            pass
        finally:
            self.sent = sent
            self.streamed.set()


class ScriptedHandler(FixedAnswers):
    scripted: ClassVar[ScriptedAirbyte]

    def do_GET(self) -> None:
        self.scripted.serve(self)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.scripted.serve(self)
