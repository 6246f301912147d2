"""Process plumbing of a run: local worker processes, a supervised master loop, a worker's watchdog.

Local workers are started from :func:`learna.processes.start` (clean processes: no inherited threads or
torch state) and get the run's secret through the start pipe, never the command line or the environment. No process is
left behind: a worker stops when its parent master dies or its nameserver stays unreachable, and
a local-only master fails instead of waiting forever when all its workers died.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from typing import Callable

from learna.errors import LearnaError
from learna.hpo import pyro

log = logging.getLogger("learna.hpo")


def stop(processes: list, grace: float = 2.0) -> None:
    """Wait up to ``grace`` seconds for ``processes`` to end (they were told to), then terminate them."""
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(timeout=max(0.1, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)


def supervised(run: Callable[[], object], processes: list) -> None:
    """``run()`` (the master loop) in a thread; fail if it fails, or if all of ``processes`` stop first.

    hpbandster's master waits forever for workers; with only local workers, none will come back.
    """
    failure: list[BaseException] = []

    def target() -> None:
        try:
            run()
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="learna-bohb-master", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.5)
        if processes and thread.is_alive() and all(p.exitcode is not None for p in processes):
            codes = ", ".join(str(p.exitcode) for p in processes)
            raise LearnaError(f"every local worker process stopped (exit codes {codes}) before the run finished; "
                              "see their messages above")
    if failure:
        raise failure[0]


def watchdog(nameserver: str, port: int, parent_pid: int | None, done: threading.Event,
             interval: float = 1.0) -> None:
    """Until ``done``: end this worker process if its master ``parent_pid`` (a local master) dies, or if the
    nameserver does not answer three pings in a row (one every 5 intervals)."""
    misses, tick = 0, 0
    while not done.wait(interval):
        tick += 1
        if parent_pid is not None and not _alive(parent_pid):
            _abandon("the master process is gone")
        if tick % 5 == 0:
            misses = 0 if pyro.ping_nameserver(nameserver, port) else misses + 1
            if misses >= 3:
                _abandon(f"lost the nameserver at {nameserver}:{port}")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def _abandon(reason: str) -> None:
    log.error("worker stopping: %s", reason)
    for child in multiprocessing.active_children():
        child.terminate()
    os._exit(1)
