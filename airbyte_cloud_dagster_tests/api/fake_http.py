"""A tiny local HTTP server for the few answers the sandbox is not meant to give (a web UI's
HTML, an HTTPS server whose certificate nobody trusts)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class FixedAnswers(http.server.BaseHTTPRequestHandler):
    """A quiet handler; subclasses answer with :meth:`answer`."""

    def answer(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(
    handler: type[FixedAnswers],
    wrap_socket: Callable[[socket.socket], socket.socket] | None = None,
) -> Iterator[int]:
    """Serve ``handler`` on a free port of 127.0.0.1 (yielded); stop it on exit."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if wrap_socket is not None:
        server.socket = wrap_socket(server.socket)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
