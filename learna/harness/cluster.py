"""The harness's jobs on a Dask cluster (``pip install "learna[dask]"``): the only module that imports Dask.

:class:`DaskExecutor` is an executor (:mod:`learna.harness.executors`) over a running ``dask.distributed``
scheduler. Each job becomes one task, and the task runs :func:`learna.processes.run_jobs` on that one job
inside the Dask worker: the design gets a fresh process of its own (one torch thread, start-up outside the
clock, killed ``kill_after_s`` after ``ready()``, its last interim result kept), exactly as on one machine.
The task returns the :class:`~learna.processes.JobEnd`; the client (the one writer of the run directory)
turns it into a record.

* A task's Dask key is derived from everything it runs (job key, body, arguments, deadline): a task is
  idempotent, and a task sent again (a resumed client, while the killed client's task still runs) is the
  same task to the scheduler. A worker lost mid-task makes the scheduler run the task elsewhere (Dask's
  ``distributed.scheduler.allowed-failures`` times); its future resolves once, so it yields one ``JobEnd``.
* A task that fails outright (say, learna cannot be imported on the worker, or its workers keep dying) yields
  an ``error`` end, recorded as an error that ``--resume`` runs again. A worker with other learna,
  ViennaRNA or torch versions than the client refuses the task the same way (the records name the client's).
* Futures still pending when the caller stops (Ctrl-C, an error) are cancelled.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import pickle
import socket
from typing import Any, Callable, Hashable, Iterable, Iterator

from learna.errors import ClusterError
from learna.processes import JobContext, JobEnd, run_jobs

CONNECT_TIMEOUT_S = 10.0
"""Seconds to wait for the scheduler to answer."""
VERSION_KEYS = ("learna", "viennarna", "torch")
"""Versions a worker must share with the client (everything that can change a result)."""


def _distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(f"--scheduler needs Dask, which is not installed ({exc}): "
                           "pip install 'learna[dask]'") from None
    return distributed


class DaskExecutor:
    """Jobs as tasks on the Dask cluster at ``address`` (``with DaskExecutor(address) as execute: ...``)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.client = None

    def __enter__(self) -> "DaskExecutor":
        distributed = _distributed()
        where = {"scheduler_file": self.address} if "://" not in self.address else {"address": self.address}
        try:
            self.client = distributed.Client(**where, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except OSError as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address} ({exc}): start one "
                               "(`dask scheduler`) or check --scheduler") from None
        except (ValueError, KeyError, TypeError) as exc:  # a scheduler file that is not one
            raise ClusterError(f"cannot use the Dask scheduler file {self.address}: {exc}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def __call__(self, jobs: Iterable[tuple[Hashable, Any]], function: Callable[[Any, JobContext], Any], *,
                 kill_after_s: float, preload: tuple[str, ...] = ()) -> Iterator[JobEnd]:
        """Submit every job, then yield each one's end as it arrives (see the module doc)."""
        from learna.harness.records import versions

        distributed = _distributed()
        expected = {name: versions()[name] for name in VERSION_KEYS}
        futures = {}
        for key, args in jobs:
            future = self.client.submit(_run_task, key, function, args, kill_after_s, preload, expected,
                                        key=task_key(key, function, args, kill_after_s, preload))
            futures[future] = key
        try:
            for future in distributed.as_completed(list(futures), loop=self.client.loop):
                key = futures.pop(future)
                end = self._end(future, key)
                future.release()
                yield end
        finally:
            if futures:
                try:
                    self.client.cancel(list(futures))
                except Exception:  # the connection is gone: the scheduler drops them with it
                    pass

    def _end(self, future, key: Hashable) -> JobEnd:
        if future.status == "finished":
            return future.result()
        if future.status == "error":
            exc = future.exception()
            return JobEnd(key, "error", f"the Dask task failed: {type(exc).__name__}: {exc}", None, 0.0)
        raise ClusterError(f"the Dask scheduler at {self.address} dropped the task of {key} ({future.status}: "
                           "restarted or unreachable?): finished results are kept; continue with --resume")


def task_key(key: Hashable, function: Callable, args: Any, kill_after_s: float, preload: tuple[str, ...]) -> str:
    """The Dask key of a job: readable (``learna-ID-RUN-…``) and a digest of everything the task runs."""
    digest = hashlib.sha256(pickle.dumps((key, function, args, kill_after_s, preload))).hexdigest()[:20]
    label = "-".join(map(str, key[:2] if isinstance(key, tuple) else (key,)))
    return f"learna-{label}-{digest}"


def _run_task(key: Hashable, function: Callable[[Any, JobContext], Any], args: Any, kill_after_s: float,
              preload: tuple[str, ...], expected: dict) -> JobEnd:
    """The Dask task: one job in a fresh process of this worker, as on one machine."""
    from learna.harness.records import versions

    found = {name: versions()[name] for name in VERSION_KEYS}
    if found != expected:
        return JobEnd(key, "error", f"Dask worker on {socket.gethostname()} runs {_names(found)}, the client "
                                    f"{_names(expected)}: install the same versions on every worker", None, 0.0)
    # A worker started by a nanny is a daemonic process, and multiprocessing refuses children to those
    # (they could outlive it). Ours cannot: each job process ends as soon as its parent is gone (the lifeline
    # of learna.processes) and is killed at its deadline, so this worker may start them.
    multiprocessing.current_process().daemon = False
    (end,) = run_jobs([(key, args)], function, processes=1, kill_after_s=kill_after_s, preload=preload)
    return end


def _names(found: dict) -> str:
    return ", ".join(f"{name} {value}" for name, value in found.items())
