"""Schema discovery behind ``GET /streams``: what a cache miss costs, and the cache.

docs/airbyte/behaviour.md, "Streams": ``getStreamProperties`` runs a schema discovery on the
source unless Airbyte has its catalog cached, and ``ignoreCache=true`` forces a new one. Here a
discovery costs ``seconds`` of wall-clock time (0 by default, so tests stay fast), and its
catalog is cached per source until ``forget()``.

>>> discovery = Discovery(seconds=2.0)  # Sandbox(discovery_seconds=2.0), --discovery-seconds 2
>>> discovery.discoveries
0
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class Discovery:
    """The discovery cost and the per-source catalog cache; thread-safe."""

    def __init__(self, seconds: float = 0.0):
        self._seconds = 0.0
        self.seconds = seconds
        self._cached: set[str] = set()
        self._discoveries = 0
        self._lock = threading.Lock()

    @property
    def seconds(self) -> float:
        """What one discovery costs, in seconds (settable)."""
        return self._seconds

    @seconds.setter
    def seconds(self, value: float) -> None:
        if not value >= 0:  # also refuses NaN
            raise ValueError(f"discovery seconds must not be negative, got {value}")
        self._seconds = float(value)

    @property
    def discoveries(self) -> int:
        """How many discoveries ``GET /streams`` has run (cache misses and ``ignoreCache``)."""
        with self._lock:
            return self._discoveries

    def forget(self) -> None:
        """Empty the cache: the next ``GET /streams`` of every source discovers again."""
        with self._lock:
            self._cached.clear()

    async def discover(self, source_id: str, *, ignore_cache: bool = False) -> None:
        """Wait what getting this source's catalog costs: nothing when it is cached (and
        ``ignore_cache`` is false), else a discovery of ``seconds``, whose catalog is then
        cached. Concurrent misses each discover, as on the real server."""
        with self._lock:
            if source_id in self._cached and not ignore_cache:
                return
            self._discoveries += 1
            seconds = self._seconds
        if seconds:
            await asyncio.sleep(seconds)
        with self._lock:
            self._cached.add(source_id)

    def to_json(self) -> dict[str, Any]:
        """``GET /_sandbox/discovery``."""
        with self._lock:
            return {
                "seconds": self._seconds,
                "discoveries": self._discoveries,
                "cachedSources": sorted(self._cached),
            }
