"""The job steps of this process still in flight, for the process's exit to stop.

A terminated run reaches the step as an interrupt. When it lands while the step's generator
runs, the generator's ``except INTERRUPTS`` cancels its jobs (``step.py``). When it lands while
Dagster stores an event the step yielded, Dagster defers it and raises it in its own frame just
before it would resume the generator (seen with Dagster 1.13): the generator never sees it and
is closed only when garbage-collected, maybe minutes later, after its jobs ran to their end.

So each ``JobStep`` body is tracked here from its start to its end (ended, failed or closed).
When the process exits (a step process of the multiprocess executor, a run worker of the
in-process one), :func:`close_left_behind` closes every body still tracked: ``GeneratorExit``
at its suspended ``yield`` cancels its jobs (``following.on_abandonment``). In a process that
outlives the run (``dg.materialize`` in a long-lived script or notebook), garbage collection
closes the body in the end; call it yourself once the run is over to cancel at once::

    close_left_behind()

(A resource ``teardown_after_execution`` would close it at the run's end, but it makes Dagster
treat the resource as a context manager, and ``build_sensor_context(resources=...)`` without
``with`` would then refuse it.)
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Generator
from typing import Any

# Reentrant: a body garbage-collected while this thread holds the lock (a collection can start
# on any allocation) forgets itself under it.
_lock = threading.RLock()
# id(step) -> (owner, body): the body weakly, so a dropped one is still garbage-collected.
_tracked: dict[int, tuple[object, weakref.ref[Generator[Any, Any, Any]]]] = {}

_at_exit = False
_log = logging.getLogger(__name__)


def track(owner: object, step: object, body: Generator[Any, Any, Any]) -> None:
    """Track ``step``'s ``body`` (its generator) under ``owner`` (the resource) until
    :func:`forget`."""
    global _at_exit
    with _lock:
        _tracked[id(step)] = (owner, weakref.ref(body))
        if not _at_exit:
            _at_exit = True
            atexit.register(close_left_behind)


def forget(step: object) -> None:
    """``step``'s body ended (or was closed): nothing left to stop."""
    with _lock:
        _tracked.pop(id(step), None)


def close_left_behind(owner: object | None = None) -> int:
    """Close every body still tracked (under ``owner``, the resource, if given); return how
    many. Never raises."""
    with _lock:
        mine = [key for key, (who, _) in _tracked.items() if owner is None or who is owner]
        bodies = [_tracked.pop(key)[1]() for key in mine]
    closed = 0
    for body in bodies:
        if body is None:
            continue
        try:
            body.close()  # GeneratorExit at its yield: the step's termination path
            closed += 1
        except Exception:  # a body running in another thread, or one that yields on exit
            _log.exception("Could not stop an Airbyte step left behind by its run.")
    return closed
