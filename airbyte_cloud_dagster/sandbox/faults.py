"""Fault injection and the request log (``sb.faults``, ``sb.requests``).

Kinds of fault, each matched by an fnmatch glob on the path *below* the API prefix
(``"/jobs"``, ``"/jobs/*"``, ``"/connections*"``) and optionally an HTTP method:

- ``fail``: answer ``status`` without handling the request, with the body the real culprit
  sends (docs/airbyte/behaviour.md, "Errors"): 429 a JSON ``{"message": ...}`` and no
  ``Retry-After``; 5xx an HTML page from a proxy; 401 plain text; other 4xx a problem object.
- ``delay``: handle the request, then hold the response back for ``seconds``.
- ``drop``: handle the request (a POST /jobs does create the job), then close the TCP
  connection without sending a byte.
- ``ignore``: answer as if the request had been applied, and change nothing: a PATCH
  /connections/{id} gets 200 and the connection as it was (as Airbyte does with a schedule it
  drops). Only the routes that can ignore a request consult these rules (PATCH /connections/{id}).
- ``lose``: never handle the request, and close the TCP connection without a byte: a request
  lost before it reached Airbyte (a POST /jobs creates nothing), unlike ``drop``.

``times`` is how many requests a rule affects (``None`` = every one until cleared).
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from dataclasses import dataclass

FAULT_KINDS = ("fail", "delay", "drop", "ignore", "lose")
FAIL_STATUSES = (400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class RequestRecord:
    """One API request the sandbox served. ``status`` is 0 when the connection was dropped."""

    method: str
    path: str
    status: int
    query: str = ""


@dataclass
class FaultRule:
    kind: str
    path: str
    status: int = 0
    seconds: float = 0.0
    times: int | None = 1
    method: str | None = None

    def matches(self, method: str, api_path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(api_path, self.path)


@dataclass(frozen=True)
class Decision:
    """What to do with one request: fail it, or handle it then delay and/or drop."""

    fail: int | None = None
    delay: float = 0.0
    drop: bool = False


class Faults:
    """The fault rules of one sandbox and its request log; thread-safe."""

    def __init__(self, expire_tokens: Callable[[], None]):
        self._expire_tokens = expire_tokens
        self._rules: list[FaultRule] = []
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        #: The status every Config API call answers (``refuse_config_api``), or None.
        self.config_api_refusal: int | None = None

    # ----------------------------------------------------------------- the Python API
    def fail(
        self, path: str, status: int, *, times: int | None = 1, method: str | None = None
    ) -> None:
        """The next ``times`` matching requests get ``status`` and are not handled."""
        if status not in FAIL_STATUSES:
            raise ValueError(f"status must be one of {FAIL_STATUSES}, got {status}")
        self._add(FaultRule("fail", path, status=status, times=times, method=method))

    def delay(
        self, path: str, seconds: float, *, times: int | None = None, method: str | None = None
    ) -> None:
        """Matching requests are handled, then their response is held back ``seconds``."""
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        self._add(FaultRule("delay", path, seconds=seconds, times=times, method=method))

    def drop(self, path: str, *, times: int | None = 1, method: str | None = None) -> None:
        """Matching requests are handled, then the connection is closed with no response."""
        self._add(FaultRule("drop", path, times=times, method=method))

    def lose(self, path: str, *, times: int | None = 1, method: str | None = None) -> None:
        """Matching requests are never handled; the connection is closed with no response."""
        self._add(FaultRule("lose", path, times=times, method=method))

    def ignore(self, path: str, *, times: int | None = 1, method: str | None = None) -> None:
        """Matching requests are answered as if applied, and change nothing."""
        self._add(FaultRule("ignore", path, times=times, method=method))

    def refuse_config_api(self, status: int | None = 404) -> None:
        """Every internal Config API call (under ``/api/v1``, its token endpoint aside)
        answers ``status`` with a bare ``{"errorId"}`` body until cleared (None: served
        again), as an Airbyte without that API or closed to these credentials; the public API
        is untouched."""
        if status is not None and status not in FAIL_STATUSES:
            raise ValueError(f"status must be one of {FAIL_STATUSES}, got {status}")
        self.config_api_refusal = status

    def expire_tokens(self) -> None:
        """Every token issued so far is expired now; clients must fetch a new one."""
        self._expire_tokens()

    def clear(self) -> None:
        """Remove every fault rule (the request log is kept); the Config API answers again."""
        with self._lock:
            self._rules.clear()
            self.config_api_refusal = None

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    # ----------------------------------------------------------------- used by the gateway
    def add_rule(self, rule: FaultRule) -> None:
        """Add a rule built elsewhere (the HTTP admin endpoint), validating it the same way."""
        if rule.kind == "fail":
            self.fail(rule.path, rule.status, times=rule.times, method=rule.method)
        elif rule.kind == "delay":
            self.delay(rule.path, rule.seconds, times=rule.times, method=rule.method)
        elif rule.kind == "drop":
            self.drop(rule.path, times=rule.times, method=rule.method)
        elif rule.kind == "ignore":
            self.ignore(rule.path, times=rule.times, method=rule.method)
        elif rule.kind == "lose":
            self.lose(rule.path, times=rule.times, method=rule.method)
        else:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, got {rule.kind!r}")

    def decide(self, method: str, api_path: str) -> Decision:
        """Consume the matching rules for one request (first matching rule of each kind)."""
        with self._lock:
            if self._take("lose", method, api_path) is not None:
                # Not handled (as a fail), and the answer a fail would send is dropped unsent.
                return Decision(fail=503, drop=True)
            fail = self._take("fail", method, api_path)
            if fail is not None:
                return Decision(fail=fail.status)
            delay = self._take("delay", method, api_path)
            drop = self._take("drop", method, api_path)
            return Decision(delay=delay.seconds if delay else 0.0, drop=drop is not None)

    def ignores(self, method: str, api_path: str) -> bool:
        """Consume an ``ignore`` rule matching this request (asked by the route handling it)."""
        with self._lock:
            return self._take("ignore", method, api_path) is not None

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def _add(self, rule: FaultRule) -> None:
        if not rule.path.startswith("/"):
            raise ValueError(
                f"path globs start with '/', below the API prefix (e.g. '/jobs'), got {rule.path!r}"
            )
        with self._lock:
            self._rules.append(rule)

    def _take(self, kind: str, method: str, api_path: str) -> FaultRule | None:
        for rule in self._rules:
            if rule.kind == kind and rule.matches(method, api_path):
                if rule.times is not None:
                    rule.times -= 1
                return rule
        return None
