"""Pause Python's cyclic garbage collector while definitions are built in bulk.

Loading 1,000 connections x 10 streams allocates millions of long-lived objects (models, asset
specs, op and output definitions) and frees almost none. Every few hundred thousand
allocations CPython runs a full collection that walks every live object and finds nothing to
free: about a quarter of the load's CPU time. Pausing the collector for those few seconds
skips that work; reference counting still frees everything that is not in a cycle, and the
collector resumes (if it was running) as soon as the build returns, so the objects built are
walked once, at its next full pass, instead of at each of the passes the build would trigger.

Example::

    @paused_gc()
    def build_airbyte_assets(data, ...): ...
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused_gc"]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block (or the decorated function); nests."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
