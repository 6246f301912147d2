"""Process plumbing for batch evaluation: one process per job, a deadline per job, hard kills.

:func:`run_jobs` runs ``function(args, ready)`` in a fresh process per job, at most ``processes`` at a
time, and yields a :class:`JobEnd` as each one finishes. A job calls ``ready()`` once its start-up
(imports, warm-up) is done; it is killed (SIGKILL) ``kill_after_s`` seconds after that. Workers ignore
SIGINT, so Ctrl-C reaches only the parent, which kills every worker on its way out (the generator's
``finally``). If the parent dies without doing so (SIGKILL), each worker notices at once: a watchdog
thread waits on a pipe only the parent holds open and ends the worker when it closes.

Processes are forked from a *forkserver* (spawned where that is unavailable): a clean process that
imported the ``preload`` modules once, so each job starts in milliseconds without inheriting the
parent's threads.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Hashable, Iterable, Iterator, Literal

STARTUP_TIMEOUT_S = 300.0
"""A worker that has not called ``ready()`` after this long is killed."""


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux only; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def context(preload: tuple[str, ...] = ()) -> multiprocessing.context.BaseContext:
    """The multiprocessing context workers start from: the forkserver, preloading ``preload`` (which only
    takes effect when this process's forkserver first starts), or spawn where there is no forkserver."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(preload))
        return ctx
    return multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class JobEnd:
    """How one job ended."""

    key: Hashable
    kind: Literal["result", "timeout", "error"]
    value: Any
    """The function's return value (result), or a message (timeout, error)."""
    startup_s: float | None
    """Seconds from process start until ``ready()``; None if it never got there."""
    elapsed_s: float
    """Seconds since ``ready()`` (or since start, if it never got there)."""


@dataclass
class _Slot:
    key: Hashable
    process: multiprocessing.process.BaseProcess
    conn: Connection
    keep_alive: Connection
    started: float
    deadline: float
    ready_at: float | None = None

    def end(self, kind: str, value: Any) -> JobEnd:
        now = time.monotonic()
        startup = None if self.ready_at is None else self.ready_at - self.started
        return JobEnd(self.key, kind, value, startup, now - (self.ready_at or self.started))


def _exit_when_closed(lifeline: Connection) -> None:
    """Watchdog: block until the parent's end of ``lifeline`` closes (the parent is gone), then exit now."""
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _child(conn: Connection, lifeline: Connection, function: Callable, args: Any) -> None:
    """Worker entry point: run ``function(args, ready)`` and send its result (or the error) home."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_closed, args=(lifeline,), daemon=True).start()
    try:
        message = ("result", function(args, lambda: conn.send(("ready", None))))
    except BrokenPipeError:
        return  # the parent is gone: nobody to report to
    except BaseException:  # reported to the parent, which records it
        message = ("error", traceback.format_exc())
    try:
        conn.send(message)
        conn.close()
    except BrokenPipeError:
        pass


def run_jobs(jobs: Iterable[tuple[Hashable, Any]], function: Callable[[Any, Callable[[], None]], Any], *,
             processes: int, kill_after_s: float, preload: tuple[str, ...] = ()) -> Iterator[JobEnd]:
    """Run ``function(args, ready)`` for every ``(key, args)`` job, each in its own process (see module doc)."""
    ctx = context(preload)
    pending = deque(jobs)
    active: dict[Connection, _Slot] = {}
    try:
        while pending or active:
            while pending and len(active) < processes:
                slot = _start(ctx, *pending.popleft(), function)
                active[slot.conn] = slot
            timeout = max(0.0, min(s.deadline for s in active.values()) - time.monotonic())
            for conn in wait(list(active), timeout):
                end = _receive(active[conn], kill_after_s)
                if end is not None:
                    _stop(active.pop(conn), wait_s=5.0)
                    yield end
            now = time.monotonic()
            for conn in [c for c, s in active.items() if s.deadline <= now]:
                slot = active.pop(conn)
                _stop(slot)
                phase = "start-up" if slot.ready_at is None else f"the time limit plus grace ({kill_after_s:g} s)"
                yield slot.end("timeout", f"killed: overran {phase}")
    finally:
        for slot in active.values():
            _stop(slot)


def _start(ctx, key: Hashable, args: Any, function: Callable) -> _Slot:
    receiver, sender = ctx.Pipe(duplex=False)
    lifeline, keep_alive = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(sender, lifeline, function, args), name=f"learna-job-{key}")
    started = time.monotonic()
    process.start()
    sender.close()  # the parent keeps only its ends: a dead worker reads as EOF, and
    lifeline.close()  # closing keep_alive (or dying) tells the worker to stop
    return _Slot(key, process, receiver, keep_alive, started, started + STARTUP_TIMEOUT_S)


def _receive(slot: _Slot, kill_after_s: float) -> JobEnd | None:
    """Handle one message from a worker; a :class:`JobEnd` when the job is over."""
    try:
        kind, value = slot.conn.recv()
    except (EOFError, OSError):
        slot.process.join(timeout=5)
        return slot.end("error", f"worker died without a result (exit code {slot.process.exitcode})")
    if kind == "ready":
        slot.ready_at = time.monotonic()
        slot.deadline = slot.ready_at + kill_after_s
        return None
    return slot.end(kind, value)


def _stop(slot: _Slot, wait_s: float = 0.0) -> None:
    """Reap the worker (killing it if it still runs after ``wait_s`` seconds) and close its pipe."""
    slot.process.join(timeout=wait_s)
    if slot.process.is_alive():
        slot.process.kill()
    slot.process.join()
    slot.conn.close()
    slot.keep_alive.close()
