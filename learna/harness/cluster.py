"""The harness's jobs on a Dask cluster (``pip install "learna[dask]"``): the only module that imports Dask.

:class:`DaskExecutor` is an executor (:mod:`learna.harness.executors`) over a running ``dask.distributed``
scheduler. Each job becomes one task, and the task runs :func:`learna.processes.run_jobs` on that one job
inside the Dask worker: the design gets a fresh process of its own (one torch thread, start-up outside the
clock, killed ``kill_after_s`` after ``ready()``, its last interim result kept), exactly as on one machine.
The task returns the :class:`~learna.processes.JobEnd`; the client (the one writer of the run directory)
turns it into a record. The job travels pickled and is unpickled only in the design's process (so is what it
returns and reports): the Dask worker unpickles nothing but this module's task function, so it need not
import the method, torch or ViennaRNA (the design's process gets them from its forkserver's preload).

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
import logging
import multiprocessing
import pickle
import socket
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable, Hashable, Iterable, Iterator

from learna.errors import ClusterError
from learna.processes import JobContext, JobEnd, run_jobs

CONNECT_TIMEOUT_S = 10.0
"""Seconds to wait for the scheduler to answer."""
DISTRIBUTIONS = ("learna", "ViennaRNA", "torch")
"""Installed versions a worker must share with the client (everything that can change a result)."""


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
        self._log_levels: dict[str, int] = {}

    def __enter__(self) -> "DaskExecutor":
        distributed = _distributed()
        # Dask logs connection trouble with tracebacks on stderr; what matters reaches the caller as one
        # ClusterError (or an error record) instead
        names = ["distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))]
        self._log_levels = {name: logging.getLogger(name).level for name in names}
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        where = {"scheduler_file": self.address} if "://" not in self.address else {"address": self.address}
        try:
            self.client = distributed.Client(**where, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except OSError as exc:
            self.__exit__()
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address} ({exc}): start one "
                               "(`dask scheduler`) or check --scheduler") from None
        except (ValueError, KeyError, TypeError) as exc:  # a scheduler file that is not one
            self.__exit__()
            raise ClusterError(f"cannot use the Dask scheduler file {self.address}: {exc}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        for name, level in self._log_levels.items():
            logging.getLogger(name).setLevel(level)
        self._log_levels = {}

    def __call__(self, jobs: Iterable[tuple[Hashable, Any]], function: Callable[[Any, JobContext], Any], *,
                 kill_after_s: float, preload: tuple[str, ...] = ()) -> Iterator[JobEnd]:
        """Submit every job, then yield each one's end as it arrives (see the module doc)."""
        distributed = _distributed()
        expected = installed_versions()
        futures = {}
        for key, args in jobs:
            payload = pickle.dumps((function, args))
            future = self.client.submit(_run_task, key, payload, kill_after_s, preload, expected,
                                        key=task_key(key, payload, kill_after_s, preload))
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
            end = future.result()
            return replace(end, value=pickle.loads(end.value) if end.kind == "result" else end.value,
                           partial=None if end.partial is None else pickle.loads(end.partial))
        if future.status == "error":
            exc = future.exception()
            return JobEnd(key, "error", f"the Dask task failed: {type(exc).__name__}: {exc}", None, 0.0)
        raise ClusterError(f"the Dask scheduler at {self.address} dropped the task of {key} ({future.status}: "
                           "restarted or unreachable?): finished results are kept; continue with --resume")


def task_key(key: Hashable, payload: bytes, kill_after_s: float, preload: tuple[str, ...]) -> str:
    """The Dask key of a job: readable (``learna-ID-RUN-…``) and a digest of everything the task runs."""
    digest = hashlib.sha256(pickle.dumps((key, payload, kill_after_s, preload))).hexdigest()[:20]
    label = "-".join(map(str, key[:2] if isinstance(key, tuple) else (key,)))
    return f"learna-{label}-{digest}"


def installed_versions() -> dict[str, str | None]:
    """The installed versions of :data:`DISTRIBUTIONS` (read from their metadata: nothing is imported)."""
    found = {}
    for name in DISTRIBUTIONS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def _run_task(key: Hashable, payload: bytes, kill_after_s: float, preload: tuple[str, ...],
              expected: dict) -> JobEnd:
    """The Dask task: one job in a fresh process of this worker, as on one machine; its result and last
    report come back pickled."""
    found = installed_versions()
    if found != expected:
        return JobEnd(key, "error", f"Dask worker on {socket.gethostname()} runs {_names(found)}, the client "
                                    f"{_names(expected)}: install the same versions on every worker", None, 0.0)
    # A worker started by a nanny is a daemonic process, and multiprocessing refuses children to those
    # (they could outlive it). Ours cannot: each job process ends as soon as its parent is gone (the lifeline
    # of learna.processes) and is killed at its deadline, so this worker may start them.
    multiprocessing.current_process().daemon = False
    (end,) = run_jobs([(key, payload)], _call, processes=1, kill_after_s=kill_after_s, preload=preload)
    return end


def _call(payload: bytes, context: JobContext) -> bytes:
    """The design process's side of a task: unpickle the job, run it, pickle what it returns and reports."""
    function, args = pickle.loads(payload)
    return pickle.dumps(function(args, _PickledReports(context)))


class _PickledReports:
    """A :class:`JobContext` whose interim reports travel pickled (the worker does not unpickle them)."""

    def __init__(self, context: JobContext) -> None:
        self._context = context

    def ready(self) -> None:
        self._context.ready()

    def report(self, value: Any) -> None:
        self._context.report(pickle.dumps(value))


def _names(found: dict) -> str:
    return ", ".join(f"{name} {value}" for name, value in found.items())
