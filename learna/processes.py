"""Worker processes: the one way learna starts them, and the job runner with deadlines and hard kills.

Every process learna starts comes from :func:`context`: forked from a *forkserver* (spawned where there
is none), a clean single-threaded process that imported the ``preload`` modules once, so a worker starts
in milliseconds without inheriting the parent's threads or torch state. Three ways to use it:

* :func:`run_jobs` runs ``function(args, job)`` in a fresh process per job, at most ``processes`` at a
  time, and yields a :class:`JobEnd` as each one finishes. The job calls ``job.ready()`` once its start-up
  (imports, warm-up) is done and may call ``job.report(value)`` with interim results (the best design so
  far). It is killed (SIGKILL) ``kill_after_s`` seconds after ``ready()``; its last report survives the kill
  (:attr:`JobEnd.partial`). Workers ignore SIGINT, so Ctrl-C reaches only the parent, which kills every
  worker on its way out; if the parent dies without doing so (SIGKILL), each worker ends at once: a pipe only
  the parent holds open signals the worker (SIGIO, which terminates it even inside a long C call) when it
  closes, and a watchdog thread waiting on the same pipe ends it where pipes cannot signal. Jobs whose
  keys the caller adds to ``cancelled`` while it iterates are dropped if pending and killed if running, and
  yield nothing (a portfolio of searches ends the others once one has settled: :mod:`learna.harness.portfolio`).
* :func:`pool`: a pool of long-lived workers for many small tasks (meta-training rollouts, BOHB
  evaluations).
* :func:`start`: one long-lived process (a local BOHB worker).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
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
from typing import Any, Callable, Collection, Hashable, Iterable, Iterator, Literal

from learna.errors import ConfigError

STARTUP_TIMEOUT_S = 300.0
"""A worker that has not called ``ready()`` after this long is killed."""

MAX_SECONDS = 7 * 24 * 3600.0
"""The longest time limit, polish, grace or budget: a week (a job's limit plus its grace must stay below the
24.8 days a wait for a process can take)."""


def check_seconds(value: float, name: str, positive: bool = False) -> float:
    """``value`` if it is a number of seconds up to :data:`MAX_SECONDS`, non-negative (``polish``, ``grace_s``)
    or, with ``positive``, above 0 (a time limit); else a one-line :class:`ConfigError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and (value > 0 if positive else value >= 0) and value <= MAX_SECONDS):
        raise ConfigError(f"{name} must be a {'positive' if positive else 'non-negative'} number of seconds up to "
                          f"{MAX_SECONDS:.0f} (a week), got {value!r}")
    return float(value)


class Throttle:
    """Whether periodic work (a progress report) is due now: once every ``interval`` seconds since the last time
    it was, first at the first call (or ``interval`` seconds after ``start``), and whenever it is ``force``d,
    which restarts the interval."""

    def __init__(self, interval: float, start: float = -math.inf) -> None:
        self.interval, self.last = interval, start

    def due(self, now: float, force: bool = False) -> bool:
        if not force and now - self.last < self.interval:
            return False
        self.last = now
        return True


@contextlib.contextmanager
def signals_held():
    """Ctrl-C and SIGTERM arriving inside the block are delivered when it ends: for work that must not stop
    halfway (starting a worker, writing a checkpoint and its progress line)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def one_torch_thread() -> None:
    """Initializer of worker processes that run networks: one torch thread each (the processes are the
    parallelism; more threads only contend for the cores)."""
    import torch

    torch.set_num_threads(1)


def context(preload: tuple[str, ...] = ()) -> multiprocessing.context.BaseContext:
    """The multiprocessing context every worker starts from: the forkserver, preloading ``preload`` (which
    only takes effect when this process's forkserver first starts), or spawn where there is no forkserver."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(preload))
        return ctx
    return multiprocessing.get_context("spawn")


def pool(processes: int, initializer: Callable[[], None] | None = None, preload: tuple[str, ...] = ()):
    """A ``multiprocessing`` pool of ``processes`` long-lived workers from :func:`context`."""
    return context(preload).Pool(processes, initializer=initializer)


def start(target: Callable, args: tuple, name: str) -> multiprocessing.process.BaseProcess:
    """One long-lived process from :func:`context` running ``target(*args)`` (arguments travel through
    the start pipe, never the command line or the environment). It is killed by the kernel when its parent
    dies (the forkserver, which ends with this process), whatever it is doing at the time."""
    process = context().Process(target=_die_with_parent_then, args=(target, args), name=name)
    process.start()
    return process


def _die_with_parent_then(target: Callable, args: tuple) -> None:
    if sys.platform.startswith("linux"):  # PR_SET_PDEATHSIG = 1: SIGKILL this process when its parent dies
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    target(*args)


class JobContext:
    """What a job's function gets: ``ready()`` starts its clock, ``report(value)`` saves an interim result."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def ready(self) -> None:
        """Start-up is over: the job's deadline is counted from now."""
        self._conn.send(("ready", None))

    def report(self, value: Any) -> None:
        """An interim result (e.g. the best design so far), kept by the parent if the job is killed."""
        self._conn.send(("partial", value))


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
    partial: Any = None
    """The job's last ``report()`` (None if it reported nothing)."""


@dataclass
class _Slot:
    key: Hashable
    process: multiprocessing.process.BaseProcess
    conn: Connection
    keep_alive: Connection
    started: float
    deadline: float
    ready_at: float | None = None
    partial: Any = None

    def end(self, kind: str, value: Any) -> JobEnd:
        now = time.monotonic()
        startup = None if self.ready_at is None else self.ready_at - self.started
        return JobEnd(self.key, kind, value, startup, now - (self.ready_at or self.started), self.partial)


def _die_when_closed(lifeline: Connection) -> None:
    """Have the kernel end this process when the parent's end of ``lifeline`` closes, whatever it is doing: the
    pipe signals its owner (SIGIO, whose default action terminates) when its last writer goes. The watchdog
    thread alone cannot act while a long C call holds the GIL (one RNAinverse walk can take minutes)."""
    try:
        import fcntl

        fcntl.fcntl(lifeline.fileno(), fcntl.F_SETOWN, os.getpid())
        fcntl.fcntl(lifeline.fileno(), fcntl.F_SETFL, fcntl.fcntl(lifeline.fileno(), fcntl.F_GETFL) | os.O_ASYNC)
    except (ImportError, AttributeError, OSError):  # no fcntl or O_ASYNC here: the watchdog thread still ends it
        pass


def _exit_when_closed(lifeline: Connection) -> None:
    """Watchdog: block until the parent's end of ``lifeline`` closes (the parent is gone), then exit now."""
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _child(conn: Connection, lifeline: Connection, function: Callable, args: Any) -> None:
    """Worker entry point: run ``function(args, job)`` and send its result (or the error) home."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_when_closed(lifeline)
    threading.Thread(target=_exit_when_closed, args=(lifeline,), daemon=True).start()
    try:
        message = ("result", function(args, JobContext(conn)))
    except BrokenPipeError:
        return  # the parent is gone: nobody to report to
    except BaseException:  # reported to the parent, which records it
        message = ("error", traceback.format_exc())
    try:
        conn.send(message)
        conn.close()
    except BrokenPipeError:
        pass


def run_jobs(jobs: Iterable[tuple[Hashable, Any]], function: Callable[[Any, JobContext], Any], *,
             processes: int, kill_after_s: float, preload: tuple[str, ...] = (),
             cancelled: Collection[Hashable] = ()) -> Iterator[JobEnd]:
    """Run ``function(args, job)`` for every ``(key, args)`` job, each in its own process (see module doc).
    ``cancelled``: keys the caller no longer wants (it may add to it between two ends it is given)."""
    ctx = context(preload)
    pending = deque(jobs)
    active: dict[Connection, _Slot] = {}
    try:
        while pending or active:
            for conn in [c for c, s in active.items() if s.key in cancelled]:
                _stop(active.pop(conn))
            while pending and len(active) < processes:
                key, args = pending.popleft()
                if key not in cancelled:
                    slot = _start(ctx, key, args, function)
                    active[slot.conn] = slot
            if not active:
                continue
            timeout = max(0.0, min(s.deadline for s in active.values()) - time.monotonic())
            for conn in wait(list(active), timeout):
                if active[conn].key in cancelled:
                    continue  # cancelled while an earlier end was with the caller: stopped at the next round's top
                end = _receive(active[conn], kill_after_s)
                if end is not None:
                    _stop(active.pop(conn), wait_s=5.0)
                    yield end
            now = time.monotonic()
            for conn in [c for c, s in active.items() if s.deadline <= now]:
                slot = active[conn]
                if slot.key in cancelled:
                    continue
                end = _receive(slot, kill_after_s) if conn.poll() else None  # last messages before the kill
                if end is None and slot.deadline > now:
                    continue  # it became ready just now: its clock starts
                del active[conn]
                _stop(slot)
                if end is None:
                    phase = "start-up" if slot.ready_at is None else f"the time limit plus grace ({kill_after_s:g} s)"
                    end = slot.end("timeout", f"killed: overran {phase}")
                yield end
    finally:
        for slot in active.values():
            _stop(slot)


def _start(ctx, key: Hashable, args: Any, function: Callable) -> _Slot:
    receiver, sender = ctx.Pipe(duplex=False)
    lifeline, keep_alive = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(sender, lifeline, function, args), name=f"learna-job-{key}")
    started = time.monotonic()
    # Ctrl-C or SIGTERM in the middle of start() would leave the new process reading half its arguments (a
    # traceback on the terminal); they are held until it has them, then the usual clean-up kills it.
    with signals_held():
        process.start()
    sender.close()  # the parent keeps only its ends: a dead worker reads as EOF, and
    lifeline.close()  # closing keep_alive (or dying) tells the worker to stop
    return _Slot(key, process, receiver, keep_alive, started, started + STARTUP_TIMEOUT_S)


def _receive(slot: _Slot, kill_after_s: float) -> JobEnd | None:
    """Handle the messages a worker has sent; a :class:`JobEnd` when the job is over."""
    while True:
        try:
            kind, value = slot.conn.recv()
        except (EOFError, OSError):
            slot.process.join(timeout=5)
            return slot.end("error", f"worker died without a result (exit code {slot.process.exitcode})")
        if kind == "ready":
            slot.ready_at = time.monotonic()
            slot.deadline = slot.ready_at + kill_after_s
        elif kind == "partial":
            slot.partial = value
        else:
            return slot.end(kind, value)
        if not slot.conn.poll():
            return None


def _stop(slot: _Slot, wait_s: float = 0.0) -> None:
    """Reap the worker (killing it if it still runs after ``wait_s`` seconds) and close its pipe."""
    slot.process.join(timeout=wait_s)
    if slot.process.is_alive():
        slot.process.kill()
    slot.process.join()
    slot.conn.close()
    slot.keep_alive.close()
