"""Peak resident memory of a process and all its descendants, sampled from /proc (Linux)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")
SAMPLE_SECONDS = 0.2


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in (PROC / str(pid) / "task").glob("*/children"):
        try:
            children += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return children


def _rss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and every process below it, now."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _rss_bytes(pid)
        pending += _children(pid)
    return total


class PeakRss:
    """``with PeakRss(pid) as peak: ...`` then ``peak.mib``: the highest sum seen."""

    def __init__(self, root: int) -> None:
        self._root = root
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @property
    def mib(self) -> float:
        return self._peak / (1024 * 1024)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set() and PROC.joinpath(str(self._root)).exists():
            self._peak = max(self._peak, tree_rss_bytes(self._root))
            self._stop.wait(SAMPLE_SECONDS)


if __name__ == "__main__":
    print(f"{tree_rss_bytes(os.getpid()) / 2**20:.0f} MiB")
