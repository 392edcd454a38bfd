"""Start a server command in a process group of its own, and stop every process it started.

Why: ``dagster dev`` starts a webserver, a daemon, code servers and run workers. Sent SIGTERM
alone (as a process manager does) it can exit and leave those children running; a terminal's
Ctrl-C works only because the terminal signals the whole foreground process group. So the
launcher gives the command its own group (``start_new_session``) and, to stop it, does what
Ctrl-C does and then insists: SIGINT to the group, SIGTERM after a grace period, SIGKILL after
another. Processes of the tree that left the group (a ``setsid`` of their own) are found by
walking ``/proc`` parent links before the signals go out, and get the same treatment.

Not part of the Dagster layer: only ``demo.py`` and ``demo_materialize.py`` use it. Linux only
(``/proc``); elsewhere the group signals still work, the tree walk finds nothing extra.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

POLL_SECONDS = 0.05


def process_table() -> dict[int, tuple[int, int, str]]:
    """``pid -> (parent pid, process group, start time)`` of every process, from ``/proc``."""
    table: dict[int, tuple[int, int, str]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its last ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[2]), fields[19])
    return table


def descendants(pid: int, table: Mapping[int, tuple[int, int, str]] | None = None) -> set[int]:
    """Every process below ``pid`` in the process tree (not ``pid`` itself)."""
    table = process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for child, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


class ProcessGroup:
    """A command running as the leader of its own process group.

    >>> server = ProcessGroup(["dagster", "dev"], cwd=".", env=os.environ).start()
    >>> server.wait(timeout=1.0)  # None while it runs
    >>> server.stop()             # SIGINT, then SIGTERM, then SIGKILL to every process
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        cwd: str | os.PathLike[str],
        env: Mapping[str, str],
        interrupt_grace: float = 15.0,
        terminate_grace: float = 5.0,
    ):
        self.command = list(command)
        self.cwd = cwd
        self.env = dict(env)
        self.interrupt_grace = interrupt_grace
        self.terminate_grace = terminate_grace
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ProcessGroup:
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, start_new_session=True
        )
        return self

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    def wait(self, timeout: float | None = None) -> int | None:
        """The leader's exit code, or None if it still runs after ``timeout`` seconds."""
        try:
            return self.process.wait(timeout) if self.process else None
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> int | None:
        """Stop the leader and every process it started; returns the leader's exit code."""
        if self.process is None:
            return None
        table = process_table()
        stray = {
            pid: table[pid][2]
            for pid in descendants(self.pid, table)
            if table[pid][1] != self.pid  # left our group: the group signals miss it
        }
        for sig, grace in (
            (signal.SIGINT, self.interrupt_grace),
            (signal.SIGTERM, self.terminate_grace),
            (signal.SIGKILL, 5.0),
        ):
            self._signal(sig, stray)
            if self._gone_within(grace, stray):
                break
        return self.process.poll()

    def _signal(self, sig: signal.Signals, stray: dict[int, str]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        for pid in _still_running(stray):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def _gone_within(self, seconds: float, stray: dict[int, str]) -> bool:
        deadline = time.monotonic() + seconds
        while True:
            assert self.process is not None
            self.process.poll()  # reap the leader so it does not linger as a zombie
            if not _group_alive(self.pid) and not _still_running(stray):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return any(
        group == pgid and not _is_zombie(pid) for pid, (_, group, _) in process_table().items()
    )


def _still_running(processes: dict[int, str]) -> list[int]:
    """Those of ``pid -> start time`` still running (a reused pid has another start time)."""
    table = process_table()
    return [
        pid
        for pid, started in processes.items()
        if pid in table and table[pid][2] == started and not _is_zombie(pid)
    ]


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] in "ZX"
