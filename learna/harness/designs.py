"""Many designs at once (``learna design --target-file FILE --scheduler ADDRESS``): every request a job of the
harness, in local processes or on a Dask cluster.

Each request runs as a benchmark job does (:func:`learna.harness.run.work`: a fresh process, one torch thread,
warm-up before the clock, killed ``grace_s`` after its limit with its best design so far kept), wherever the
executor puts it (:mod:`learna.harness.executors`). Its outcome is assessed here, in the caller's process, as
:func:`learna.designers.run_design` does; results come in the order they finish, or in the order of the requests
(``in_order``). With ``workers`` K > 1 every request is K searches with different seeds at once, the first
robust design ending the others (:mod:`learna.harness.portfolio`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from learna import api
from learna.designers import DEFAULT_MODE
from learna.designers.base import DesignRequest, DesignResult, RunOutcome, finish
from learna.designers.polish import polish_result
from learna.errors import ConfigError
from learna.harness.executors import executor
from learna.harness.methods import Task, method_named, worker_preload
from learna.harness.portfolio import Verdict, check_workers, run_portfolios, verdict, worker_seed
from learna.harness.run import work
from learna.processes import JobEnd

DEFAULT_GRACE_S = 10.0


def design(target: Any, *, workers: int = 1, grace_s: float = DEFAULT_GRACE_S, mode: str = DEFAULT_MODE,
           designs: int = 1, min_distance: int | None = None, polish: float = 0.0, progress: Any = None,
           **options: Any) -> DesignResult | list[DesignResult]:
    """``learna.design``: :func:`learna.api.design` (every other keyword is its own: ``time_limit``, ``seed``,
    ``constraint``, ``gc``, ``avoid``, ``config``, ``checkpoint``, ``model``, ``unique_mfe``, ``max_folds``,
    ``polish``),
    in this process; or with ``workers`` K > 1, K searches of the target at once, each in a worker process with
    a seed of its own, as ``learna design --workers K`` runs them (:mod:`learna.harness.portfolio`): the first
    unique-MFE design ends the others, else the best one is kept, and a search still running ``grace_s``
    seconds past the limit is killed with its best design so far kept (``polish`` then runs here, on the
    design kept). Workers start from a forkserver, so a
    script that uses them needs an ``if __name__ == "__main__":`` guard; ``progress`` is called only by a
    design in this process."""
    check_workers(workers)
    if workers == 1:
        return api.design(target, mode=mode, designs=designs, min_distance=min_distance, polish=polish,
                          progress=progress, **options)
    if progress is not None:
        raise ConfigError("progress is reported only by a design in this process: give workers=1 or no progress")
    api.check_seconds(grace_s, "grace_s")
    seconds = api.check_seconds(polish, "polish")
    request = api.make_request(target, mode=mode, **options)
    found = api.deliver(request, lambda batch: list(design_batch(mode, batch, processes=1, workers=workers,
                                                                 grace_s=grace_s, in_order=True)),
                        designs, min_distance)
    return api.polished(request, found, seconds, min_distance)


def design_batch(mode: str, requests: Sequence[DesignRequest], *, scheduler: str | None = None, processes: int = 1,
                 workers: int = 1, grace_s: float = DEFAULT_GRACE_S, in_order: bool = False,
                 finished: Callable[[DesignResult], None] | None = None) -> Iterator[DesignResult]:
    """Run every request with design mode ``mode`` (``processes`` at a time here, or on the Dask cluster at
    ``scheduler``) and yield each :class:`DesignResult` as it finishes (``in_order``: in the order of
    ``requests``). A design killed at its limit plus ``grace_s`` gives its best design so far
    (``stats["stopped"]``); one that failed gives no design (``stats["error"]``). Requests' ``progress``
    callbacks are not called (the designs run elsewhere); ``finished`` is called with each result as it finishes,
    before the results are put in order. ``workers``: searches of each request at once
    (:mod:`learna.harness.portfolio`; a result's ``seed`` is that of the search it comes from)."""
    check_workers(workers, scheduler)
    if not requests:
        return
    method = method_named(mode)
    jobs = [(index, (method, _task(request))) for index, request in enumerate(requests)]
    kill_after = max(request.time_limit for request in requests) + grace_s
    waiting: dict[int, DesignResult] = {}
    next_index = 0
    preload = worker_preload(method, [task for _, (_, task) in jobs])

    def judge(index: int, worker: int, end: JobEnd) -> Verdict[DesignResult]:
        request = replace(requests[index], seed=worker_seed(requests[index].seed, worker))
        return verdict(finish(request, mode, _outcome(end), request.config), request.config.uniqueness, workers, worker)

    with executor(scheduler, processes) as execute:
        for key, result in run_portfolios(jobs, work, execute=execute, workers=workers, processes=processes,
                                          kill_after_s=kill_after, judge=judge, preload=preload):
            if finished is not None:
                finished(result)
            if not in_order:
                yield result
                continue
            waiting[key] = result
            while next_index in waiting:
                yield waiting.pop(next_index)
                next_index += 1


def polish_batch(pairs: list[tuple[DesignRequest, DesignResult]], seconds: float, *, scheduler: str | None = None,
                 processes: int = 1, grace_s: float = DEFAULT_GRACE_S) -> list[DesignResult]:
    """:data:`learna.api.PolishMany` on the harness's executor: every design of ``pairs`` that counts as solved
    polished (:func:`learna.designers.polish.polish_result`) as a job of its own, ``processes`` at a time here
    or on the Dask cluster at ``scheduler``; the designs in the order of ``pairs``. A polish still running
    ``grace_s`` seconds past ``seconds`` is killed, and one that fails, keeps its design unpolished
    (``stats["polish"]`` says why)."""
    jobs = [(index, (replace(request, progress=None), result, seconds))
            for index, (request, result) in enumerate(pairs) if result.solved and result.sequence is not None]
    out = [result for _, result in pairs]
    with executor(scheduler, processes) as execute:
        for end in execute(jobs, _polish_job, kill_after_s=seconds + grace_s):
            if end.kind == "result":
                out[end.key] = end.value
            else:
                result = out[end.key]
                why = "stopped" if end.kind == "timeout" else "error"
                out[end.key] = replace(result, stats={**result.stats, "polish": {
                    "kept": False, why: str(end.value).strip().splitlines()[-1] if end.value else why}})
    return out


def _polish_job(args: tuple[DesignRequest, DesignResult, float], context: Any) -> DesignResult:
    request, result, seconds = args
    context.ready()
    return polish_result(request, result, seconds)


def _task(request: DesignRequest) -> Task:
    config, checkpoint = request.config, request.checkpoint
    return Task(request.target, request.time_limit, request.seed, config.env.folding, config.uniqueness, config,
                None if checkpoint is None else str(Path(checkpoint).resolve()), request.max_folds)


def _outcome(end: JobEnd) -> RunOutcome:
    if end.kind == "result":
        return end.value
    if end.kind == "timeout":
        outcome = end.partial or RunOutcome(None, end.elapsed_s, 0)
        return replace(outcome, stats={**outcome.stats, "stopped": end.value})
    return RunOutcome(None, end.elapsed_s, 0, stats={"error": str(end.value).strip()})
