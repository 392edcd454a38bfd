"""What stands between a client and a self-managed Airbyte, for tests: a forward proxy on
127.0.0.1 that counts what it relays, and a private certificate authority for an HTTPS sandbox.

>>> with ForwardProxy(credentials=("proxy-user", "proxy-pw")) as proxy:  # doctest: +SKIP
...     client = AirbyteClient(sandbox.base_url, proxy_url=proxy.url, ...)
...     proxy.seen  # [("GET", "http://127.0.0.1:PORT/v1/workspaces"), ...]

Also what the machine's environment must not add: ``clean_network_environment``.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import secrets
import selectors
import socket
import socketserver
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_END_OF_HEAD = b"\r\n\r\n"
# What requests reads from the environment to choose a proxy or a CA bundle (either case).
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def clean_network_environment(monkeypatch) -> None:
    """No proxy or CA bundle from the machine's environment: each test says what it sets."""
    for name in (*PROXY_VARIABLES, *CA_VARIABLES):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Proxied:
    """One request the proxy relayed (``CONNECT host:port`` for a tunnel) and its answer."""

    method: str
    target: str
    status: int


class ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1, to loopback targets only.

    Relays plain-HTTP requests (absolute URLs, one per connection) and tunnels ``CONNECT`` for
    https://. With ``credentials`` it answers 407 to a request without the matching
    ``Proxy-Authorization``. ``seen`` lists every request it was asked for, in order.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.seen: list[Proxied] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """``http://[user:password@]127.0.0.1:PORT``, the ``proxy_url`` a client passes."""
        user = ":".join(self.credentials) + "@" if self.credentials else ""
        return f"http://{user}127.0.0.1:{self.port}"

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, method: str, target: str, status: int) -> None:
        with self._lock:
            self.seen.append(Proxied(method, target, status))

    def authorized(self, headers: dict[str, str]) -> bool:
        if self.credentials is None:
            return True
        expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
        given = headers.get("proxy-authorization", "")
        return secrets.compare_digest(given.encode(), expected.encode())


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: ForwardProxy


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        head, rest = _read_head(client)
        if head is None:
            return
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines if line)
        }
        proxy = self.server.proxy
        if not proxy.authorized(headers):
            proxy.record(method, target, 407)
            _answer(client, 407, "Proxy Authentication Required", 'Basic realm="proxy"')
            return
        host, port = _destination(method, target)
        if host not in LOOPBACK:
            proxy.record(method, target, 403)
            _answer(client, 403, "Forbidden")
            return
        try:
            upstream = socket.create_connection((host, port), timeout=10)
        except OSError:
            proxy.record(method, target, 502)
            _answer(client, 502, "Bad Gateway")
            return
        with upstream:
            if method == "CONNECT":
                proxy.record(method, target, 200)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _pipe(client, upstream, rest)
                return
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                chunk = client.recv(65536)
                if not chunk:
                    break
                rest += chunk
            parts = urlsplit(target)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            kept = [
                line
                for line in header_lines
                if line
                and line.partition(":")[0].strip().lower()
                not in ("proxy-authorization", "proxy-connection", "connection")
            ]
            upstream.sendall(
                "\r\n".join(
                    [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
                ).encode("latin-1")
                + rest
            )
            answer = _relay(upstream, client)
            status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
            proxy.record(method, target, status)


def _read_head(sock: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while _END_OF_HEAD not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(_END_OF_HEAD)
    return head, rest


def _destination(method: str, target: str) -> tuple[str, int]:
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        return host.strip("[]"), int(port)
    parts = urlsplit(target)
    return parts.hostname or "", parts.port or 80


def _answer(sock: socket.socket, status: int, reason: str, challenge: str | None = None) -> None:
    body = reason.encode()
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: text/plain"]
    if challenge:
        lines.append(f"Proxy-Authenticate: {challenge}")
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    sock.sendall("\r\n".join(lines).encode() + body)


def _relay(source: socket.socket, target: socket.socket) -> bytes:
    """Copy ``source`` to ``target`` until ``source`` closes; returns the first bytes."""
    first = b""
    while chunk := source.recv(65536):
        first = first or chunk
        target.sendall(chunk)
    return first


def _pipe(client: socket.socket, upstream: socket.socket, pending: bytes) -> None:
    """Both ways, until either side closes (a CONNECT tunnel)."""
    if pending:
        upstream.sendall(pending)
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            for key, _ in selector.select(timeout=30):
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    chunk = source.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                key.data.sendall(chunk)


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class Certificates:
    """A private CA, and a server certificate it signed for 127.0.0.1 and localhost."""

    ca: Path  # what a client trusts: verify=str(ca)
    server_cert: Path  # the sandbox's ssl_certfile
    server_key: Path  # the sandbox's ssl_keyfile


def make_certificates(folder: Path, name: str = "Test Corp") -> Certificates:
    """Write a CA certificate and a server certificate + key it signed into ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Root CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    paths.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.server_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths
