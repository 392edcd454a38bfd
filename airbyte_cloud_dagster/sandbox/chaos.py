"""Faults at seeded rates, for soak runs: any API request may meet one, as on a bad day.

``faults.py`` injects the fault a test names, where it names it. A soak wants them everywhere,
at rates, in a mix a seed repeats. :class:`Chaos` takes the place of a sandbox's ``Faults`` (it
is one: rules added with ``fail``/``drop``/... still come first, the request log is the same)
and draws, for each API request that no rule matched, at most one of:

- ``server_error``: 500, 502, 503 or 504 with a proxy's HTML page; the request is not handled
  (docs/airbyte/behaviour.md, "Errors": proxies in front of Airbyte answer so);
- ``drop``: handled, then the connection is closed unanswered (a ``POST /jobs`` did create its
  job: a lost reply);
- ``lose``: closed unanswered *before* it was handled (a ``POST /jobs`` created nothing);
- ``delay``: handled, and the answer held back for a time drawn from ``delay_seconds``.

``POST /jobs`` draws with its own rates: ``lost_reply`` (``drop``) and ``lost_request``
(``lose``) come first, then the others. Beside the requests, :meth:`Chaos.start` runs a thread
that, every so many seconds (each a ``(low, high)`` range to draw from):

- ``burst_every``: starts a 429 burst: every API request is answered 429 (the load shedder's
  JSON, no ``Retry-After``) for ``burst_seconds``;
- ``expire_tokens_every``: expires every token issued so far;
- ``no_lifetime_every``: makes the token endpoint answer without a lifetime (``expires_in``
  null, as in the spec's own example answer) for ``no_lifetime_seconds``.

The order in which requests arrive depends on thread scheduling, so a seed repeats the rates
and the mix, not the exact request each fault lands on. :func:`start_external_clear` is a clear
started from Airbyte's UI (``scheduler.py`` starts syncs the same way).

>>> chaos = Chaos.install(sb, ChaosRates(server_error=0.02), seed=7)  # doctest: +SKIP
>>> chaos.start()  # the token thread
>>> chaos.stop(); chaos.counts  # Counter({'server_error': 31, 'drop': 12, ...})
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airbyte_cloud_dagster.sandbox.faults import Decision, Faults
from airbyte_cloud_dagster.sandbox.problems import Problem

if TYPE_CHECKING:
    from airbyte_cloud_dagster.sandbox.server import Sandbox

SERVER_ERRORS = (500, 502, 503, 504)
# A lost request is never handled; the answer a fail would build is dropped unsent (the
# gateway handles a fail, then drops: Decision(fail=..., drop=True)).
_LOSE = Decision(fail=503, drop=True)
_DROP = Decision(drop=True)


@dataclass(frozen=True)
class ChaosRates:
    """How often each fault is drawn: per API request (``POST /jobs`` first draws its own
    ``lost_reply`` and ``lost_request``), or every so many seconds (bursts, tokens)."""

    server_error: float = 0.0
    drop: float = 0.0
    lose: float = 0.0
    delay: float = 0.0
    lost_reply: float = 0.0
    lost_request: float = 0.0
    delay_seconds: tuple[float, float] = (0.5, 2.5)
    #: A 429 burst of ``burst_seconds`` begins every (low, high) seconds; None: never.
    burst_every: tuple[float, float] | None = None
    burst_seconds: tuple[float, float] = (0.5, 4.0)
    #: Every token issued so far expires every (low, high) seconds; None: never.
    expire_tokens_every: tuple[float, float] | None = None
    #: Token answers carry no lifetime for ``no_lifetime_seconds``, every (low, high) seconds.
    no_lifetime_every: tuple[float, float] | None = None
    no_lifetime_seconds: float = 0.5

    def __post_init__(self) -> None:
        per_request = (self.server_error, self.drop, self.lose, self.delay)
        if any(rate < 0 for rate in (*per_request, self.lost_reply, self.lost_request)):
            raise ValueError("rates must not be negative")
        if sum(per_request) > 1 or self.lost_reply + self.lost_request > 1:
            raise ValueError("the rates drawn for one request must add up to at most 1")
        spans = ("burst_every", "burst_seconds", "delay_seconds", "expire_tokens_every")
        for name in (*spans, "no_lifetime_every"):
            span = getattr(self, name)
            if span is not None and not 0 <= span[0] <= span[1]:
                raise ValueError(f"{name} must be (low, high) with 0 <= low <= high")


class Chaos(Faults):
    """A sandbox's faults: the rules of ``faults.py``, then seeded random faults at ``rates``.

    ``enabled`` turns the random faults off and on (the rules stay); ``counts`` says how many of
    each were injected (``burst`` counts bursts, ``429`` the requests they refused)."""

    def __init__(self, sandbox: Sandbox, rates: ChaosRates, *, seed: int) -> None:
        super().__init__(sandbox.state.tokens.expire_all)
        self.rates = rates
        self.enabled = True
        self.counts: Counter[str] = Counter()
        self._tokens = sandbox.state.tokens
        self._random = random.Random(seed)
        self._timer_random = random.Random(seed + 1)
        self._burst_until = 0.0
        self._chaos_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def install(cls, sandbox: Sandbox, rates: ChaosRates, *, seed: int) -> Chaos:
        """Put a ``Chaos`` in place of the sandbox's faults, before its first request."""
        if sandbox.requests:
            raise RuntimeError("install chaos before the sandbox serves its first request")
        chaos = cls(sandbox, rates, seed=seed)
        sandbox.state.faults = chaos
        return chaos

    # ----------------------------------------------------------------- per request
    def decide(self, method: str, api_path: str) -> Decision:
        ruled = super().decide(method, api_path)
        if ruled != Decision() or not self.enabled:
            return ruled
        with self._chaos_lock:
            return self._draw(method.upper(), api_path)

    def _draw(self, method: str, api_path: str) -> Decision:
        rates, draw = self.rates, self._random.random()
        if time.monotonic() < self._burst_until:
            self.counts["429"] += 1
            return Decision(fail=429)
        if method == "POST" and api_path == "/jobs":
            if draw < rates.lost_reply:
                self.counts["lost_reply"] += 1
                return _DROP
            if draw < rates.lost_reply + rates.lost_request:
                self.counts["lost_request"] += 1
                return _LOSE
            draw = self._random.random()
        for kind, rate in (
            ("server_error", rates.server_error),
            ("drop", rates.drop),
            ("lose", rates.lose),
            ("delay", rates.delay),
        ):
            if draw < rate:
                self.counts[kind] += 1
                return self._fault(kind)
            draw -= rate
        return Decision()

    def _fault(self, kind: str) -> Decision:
        if kind == "server_error":
            return Decision(fail=self._random.choice(SERVER_ERRORS))
        if kind == "drop":
            return _DROP
        if kind == "lose":
            return _LOSE
        return Decision(delay=self._random.uniform(*self.rates.delay_seconds))

    # ----------------------------------------------------------------- in time
    def start(self) -> None:
        """Start the bursts, expiring tokens and hiding their lifetime, as the rates say."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._timer_loop, name="chaos", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and the random faults; token answers carry a lifetime again."""
        self.enabled = False
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._tokens.report_lifetime = True

    def _timer_loop(self) -> None:
        rates, pick = self.rates, self._timer_random
        now = time.monotonic()
        next_burst = _next(now, rates.burst_every, pick)
        next_expiry = _next(now, rates.expire_tokens_every, pick)
        next_hiding = _next(now, rates.no_lifetime_every, pick)
        hidden_until: float | None = None
        while not self._stop.wait(0.05):
            now = time.monotonic()
            if not self.enabled:
                continue
            if now >= next_burst:
                with self._chaos_lock:
                    self._burst_until = now + pick.uniform(*rates.burst_seconds)
                self.counts["burst"] += 1
                next_burst = _next(self._burst_until, rates.burst_every, pick)
            if now >= next_expiry:
                self.expire_tokens()
                self.counts["tokens_expired"] += 1
                next_expiry = _next(now, rates.expire_tokens_every, pick)
            if hidden_until is None and now >= next_hiding:
                self._tokens.report_lifetime = False
                self.counts["no_lifetime"] += 1
                hidden_until = now + rates.no_lifetime_seconds
            elif hidden_until is not None and now >= hidden_until:
                self._tokens.report_lifetime = True
                hidden_until = None
                next_hiding = _next(now, rates.no_lifetime_every, pick)


def _next(now: float, every: tuple[float, float] | None, pick: random.Random) -> float:
    return now + pick.uniform(*every) if every is not None else float("inf")


def start_external_clear(sandbox: Sandbox, connection_id: str) -> dict[str, Any]:
    """A clear started from Airbyte's UI: a reset job, which cancels a running sync
    (docs/airbyte/behaviour.md, "Jobs"). ``RuntimeError`` where ``POST /jobs`` would answer
    409 (a reset already runs), ``KeyError`` for an unknown connection."""
    state = sandbox.state
    connection = state.catalog.connections.get(connection_id)
    if connection is None:
        raise KeyError(f"unknown connection {connection_id!r}")
    try:
        job = state.jobs.start(connection_id, "reset", len(connection.streams))
    except Problem as problem:
        raise RuntimeError(str(problem)) from None
    return state.jobs.to_json(job)
