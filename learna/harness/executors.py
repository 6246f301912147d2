"""Where the harness's jobs run: on this machine, or on a Dask cluster.

An *executor* is a callable ``execute(jobs, function, *, kill_after_s, preload)`` with the contract of
:func:`learna.processes.run_jobs`: it runs ``function(args, job)`` for every ``(key, args)`` job, each in a
fresh process that is killed ``kill_after_s`` seconds after it called ``job.ready()``, and yields one
:class:`learna.processes.JobEnd` per job as it finishes. Everything else (planning, the run directory, the
job body, records, progress) is the caller's and the same wherever the jobs run.

* :func:`executor` with no scheduler: :func:`~learna.processes.run_jobs` with ``processes`` at a time.
* With a scheduler address: :mod:`learna.harness.cluster` sends one Dask task per job, which runs
  ``run_jobs([job], processes=1)`` inside a Dask worker (so each design still gets a fresh process, the
  same hard kill and the same interim results). Only then is Dask imported.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Iterator, Protocol

from learna.errors import ConfigError
from learna.processes import JobContext, JobEnd, run_jobs


class Executor(Protocol):
    def __call__(self, jobs: Iterable[tuple[Hashable, Any]], function: Callable[[Any, JobContext], Any], *,
                 kill_after_s: float, preload: tuple[str, ...] = ()) -> Iterator[JobEnd]: ...


_ADDRESS = re.compile(r"(?:(tcp|tls)://)?([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})")


def check_scheduler(scheduler: str) -> str:
    """A Dask scheduler as :class:`distributed.Client` takes it: ``tcp://HOST:PORT`` (``HOST:PORT`` means
    tcp), ``tls://HOST:PORT``, or the path of an existing scheduler file (``dask scheduler
    --scheduler-file``); a one-line :class:`ConfigError` otherwise. Checked before Dask is imported."""
    if not isinstance(scheduler, str):
        raise ConfigError(f"scheduler must be an address string, got {scheduler!r}")
    if Path(scheduler).is_file():
        return scheduler
    match = _ADDRESS.fullmatch(scheduler)
    if match is None or not 1 <= int(match[3]) <= 65535:
        raise ConfigError(f"--scheduler must be a Dask scheduler's address, tcp://HOST:PORT or tls://HOST:PORT "
                          f"(e.g. tcp://10.0.0.5:8786), or its scheduler file; got {scheduler!r}")
    return scheduler if match[1] else f"tcp://{scheduler}"


@contextmanager
def executor(scheduler: str | None = None, processes: int = 1) -> Iterator[Executor]:
    """The executor for a batch: local processes, or the Dask cluster whose scheduler is ``scheduler``
    (connected on entry, so an unreachable cluster fails before anything is written; closed on exit)."""
    if scheduler is None:
        yield partial(run_jobs, processes=processes)
        return
    from learna.harness.cluster import DaskExecutor  # the only way Dask gets imported

    with DaskExecutor(check_scheduler(scheduler)) as cluster:
        yield cluster
