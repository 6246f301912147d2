"""Many designs in parallel with the harness's worker plumbing (``learna design --target-file F --processes N``).

Each request runs in a fresh worker process (:func:`learna.processes.run_jobs`) through the same job body as
a benchmark (:func:`learna.harness.run.work`: one torch thread, warm-up before the clock, the design mode's
:class:`~learna.harness.methods.Method`); a worker still running ``grace_s`` after its limit is killed and its
last interim design is kept. Results come back in the order of the requests, each assessed like a design made
in this process (:func:`learna.designers.base.finish`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from learna.designers.base import DesignRequest, DesignResult, RunOutcome, finish
from learna.harness.methods import Task, method_named
from learna.harness.run import work
from learna.processes import JobEnd, run_jobs


def design_many(mode: str, requests: list[DesignRequest], *, processes: int, grace_s: float = 10.0,
                ) -> Iterator[DesignResult]:
    """The design of every request, ``processes`` at a time, yielded in the order of ``requests``."""
    method = method_named(mode)
    jobs = [(k, (method, _task(request))) for k, request in enumerate(requests)]
    kill_after = max(r.time_limit for r in requests) + grace_s
    ends = run_jobs(jobs, work, processes=processes, kill_after_s=kill_after, preload=method.preload)
    yield from _in_order(requests, mode, ends)


def _task(request: DesignRequest) -> Task:
    config = request.config
    return Task(request.target, request.time_limit, request.seed, config.env.folding, config.uniqueness, config,
                None if request.checkpoint is None else str(request.checkpoint), request.max_folds)


def _in_order(requests: list[DesignRequest], mode: str, ends: Iterable[JobEnd]) -> Iterator[DesignResult]:
    waiting: dict[int, DesignResult] = {}
    next_index = 0
    for end in ends:
        request = requests[end.key]
        waiting[end.key] = finish(request, mode, _outcome(end, request), request.config)
        while next_index in waiting:
            yield waiting.pop(next_index)
            next_index += 1


def _outcome(end: JobEnd, request: DesignRequest) -> RunOutcome:
    if end.kind == "result":
        return end.value
    partial = end.partial or RunOutcome(None, end.elapsed_s, 0)
    return replace(partial, stats={**partial.stats, "status": end.kind, "message": str(end.value).strip()[-500:]})
