"""Several independent searches of each target at once (``--workers K``): the first that settles ends the others.

On a hard target the time a search needs is heavy-tailed: the same target is solved within seconds at one
seed and not within a minute at another (docs/results/README.md, "Workers per target"). With ``workers`` K,
each (target, run) becomes K jobs that differ only in their seed (:func:`worker_seed`; the first is the run's
own seed, so one worker is the plain run), run at once in K processes under the same time limit. The first
job whose design *settles* the target (:func:`settles`: a unique MFE, or under the ``ignore`` rule any
solution) wins and the others are killed at once (:func:`learna.processes.run_jobs`' ``cancelled``); when none
settles, the best of the K is kept (:func:`rank`). So the wall-clock limit per target is unchanged and the
target gets K times the CPU. Each job is reproducible from its own seed, which the result records together
with ``stats["portfolio"]``; *which* job wins depends on timing.

Local processes only: a Dask task cannot be killed from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Generic, Hashable, Iterable, Iterator, TypeVar

from learna.errors import ConfigError
from learna.processes import JobContext, JobEnd, run_jobs
from learna.quality import Assessment
from learna.seeding import nth_seed

T = TypeVar("T")

MAX_WORKERS = 64
"""Most searches of one target at once."""


def check_workers(workers: object, scheduler: str | None = None) -> int:
    """``workers`` if it is an integer in 1..:data:`MAX_WORKERS` (and, above 1, no cluster is used), else a
    one-line :class:`ConfigError`."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise ConfigError(f"workers must be an integer from 1 to {MAX_WORKERS}, got {workers!r}")
    if workers > 1 and scheduler is not None:
        raise ConfigError("workers per target run on this machine only: drop --scheduler, or use --workers 1")
    return workers


def worker_seed(seed: int, worker: int) -> int:
    """The seed of a portfolio's ``worker``-th search: ``seed`` itself for the first, derived ones after."""
    return nth_seed(seed, "worker", worker)


def settles(check: Assessment, uniqueness: str) -> bool:
    """Whether a design ends its target's portfolio: it folds into the target with a unique MFE (with the
    ``ignore`` rule, ties allowed), so no other search can return a better kind of design."""
    return check.folds_into_target and (uniqueness == "ignore" or bool(check.unique_mfe))


def rank(check: Assessment) -> tuple:
    """Sort key of the designs of a portfolio that none settled, best first: one that folds into the target
    (tied), then the smallest distance; on equal keys the search that ended first."""
    return (not check.folds_into_target, not check.unique_mfe,
            math.inf if check.distance is None else check.distance)


@dataclass(frozen=True)
class Verdict(Generic[T]):
    """One job's design as the caller assessed it: whether it settles its target, and its :func:`rank`."""

    settled: bool
    rank: tuple
    value: T


A = TypeVar("A", bound=Assessment)


def verdict(result: A, uniqueness: str, workers: int, worker: int) -> Verdict[A]:
    """The :class:`Verdict` on an assessed design (a design result or a benchmark record, which carry
    ``stats``), tagged with the search it came from (``stats["portfolio"]``) when there are several."""
    if workers > 1:
        result = replace(result, stats={**result.stats, "portfolio": {"workers": workers, "worker": worker}})
    return Verdict(settles(result, uniqueness), rank(result), result)


def run_portfolios(jobs: Iterable[tuple[Hashable, Any]], function: Callable[[Any, JobContext], Any], *,
                   execute: Callable[..., Iterator[JobEnd]], workers: int, processes: int, kill_after_s: float,
                   judge: Callable[[Hashable, int, JobEnd], Verdict[T]],
                   preload: tuple[str, ...] = ()) -> Iterator[tuple[Hashable, T]]:
    """For every ``(key, (method, task))`` job of the harness, run ``workers`` jobs at once whose tasks differ
    only in their seed (:func:`worker_seed`), ``processes`` keys at a time, and yield ``(key, value)`` of the
    first :class:`Verdict` (``judge(key, k, end)`` of the k-th job's end) that settles, the key's other jobs
    killed, or of the best-ranked one once all of them have ended. With one worker every job runs as it is, on
    the executor ``execute`` (:mod:`learna.harness.executors`: here or on a cluster); with more, here."""
    if workers == 1:
        for end in execute(jobs, function, kill_after_s=kill_after_s, preload=preload):
            yield end.key, judge(end.key, 0, end).value
        return
    cancelled: set[tuple[Hashable, int]] = set()
    expanded = [((key, k), (method, replace(task, seed=worker_seed(task.seed, k))))
                for key, (method, task) in jobs for k in range(workers)]
    verdicts: dict[Hashable, list[Verdict[T]]] = {}
    for end in run_jobs(expanded, function, processes=processes * workers, kill_after_s=kill_after_s,
                        preload=preload, cancelled=cancelled):
        key, worker = end.key
        given = judge(key, worker, end)
        ended = verdicts.setdefault(key, [])
        ended.append(given)
        if given.settled or len(ended) == workers:
            cancelled.update((key, k) for k in range(workers))
            del verdicts[key]
            yield key, (given if given.settled else min(ended, key=lambda v: v.rank)).value
