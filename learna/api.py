"""The Python front door: :func:`design` a sequence for a target, :func:`warm_up` a process.

``design("((((....))))", time_limit=10)`` runs the default designer (``hybrid``) in this process and returns a
:class:`~learna.designers.base.DesignResult`, the same object ``learna design --json`` prints. ``learna.design``
is :func:`learna.harness.designs.design`: this function, or with ``workers`` > 1 several searches in worker
processes. Batch evaluation is :func:`learna.harness.benchmark`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

from learna.config import DesignerConfig
from learna.constraints import DesignConstraints
from learna.designers import DEFAULT_MODE, DesignRequest, DesignResult, Status, get_designer, run_design
from learna.errors import ConfigError
from learna.folding import FoldingModel, fold_seconds
from learna.presets import resolve_config
from learna.processes import check_seconds
from learna.seeding import check_seed, nth_seed
from learna.structure import Target, hamming


def check_time_limit(value: float, name: str = "time limit") -> float:
    """``value`` if it is a positive number of seconds up to a week, else a one-line :class:`ConfigError`."""
    return check_seconds(value, name, positive=True)


def check_foldable(target: Target, time_limit: float) -> None:
    """Refuse a target that cannot be folded even once within ``time_limit`` (the estimate is a low one)."""
    seconds = fold_seconds(len(target))
    if seconds > time_limit:
        raise ConfigError(f"target {target.id} has {len(target)} nt: one fold takes about {seconds:.0f} s, longer "
                          f"than the time limit of {time_limit:g} s; give at least {math.ceil(4 * seconds)} s")


def make_target(target: str | Target, constraint: str | None = None, gc: str | float | None = None,
                avoid: str | tuple[str, ...] | None = None, id: str = "target") -> Target:
    """A :class:`Target` from a dot-bracket string (with a sequence constraint, a GC target ``CONTENT[:TOL]`` and
    patterns to avoid), or ``target`` itself with ``gc`` applied where it has no GC target of its own and the
    patterns added."""
    if isinstance(target, Target):
        if constraint is not None:
            raise ConfigError("give the sequence constraint of a Target in its constraints, not as constraint=")
        return target.with_defaults(gc, avoid)
    if not isinstance(target, str):
        raise ConfigError(f"a target is a dot-bracket string or a learna.Target, got {type(target).__name__}")
    if constraint is not None and not constraint.strip():
        raise ConfigError("empty sequence constraint: give one IUPAC code per target site, or none")
    return Target(target, id=id, constraints=DesignConstraints.from_fields(constraint, gc, avoid))


def design_config(mode: str, config: DesignerConfig | dict | str | Path | None = None,
                  model: FoldingModel | None = None, unique_mfe: bool = False) -> DesignerConfig:
    """The config ``mode`` runs with: its preset, overridden by ``config`` (a :class:`DesignerConfig`, a dict
    of overrides, or a JSON file), with the energy model ``model``; ``unique_mfe`` requires a unique MFE."""
    get_designer(mode)
    if isinstance(config, DesignerConfig):
        resolved = config if model is None else config.with_folding(model)
    elif isinstance(config, dict):
        resolved = resolve_config(mode, data=config, model=model)
    elif config is None or isinstance(config, (str, Path)):
        resolved = resolve_config(mode, path=config, model=model)
    else:
        raise ConfigError(f"config must be a DesignerConfig, a dict or a JSON file path, got {type(config).__name__}")
    if unique_mfe:
        resolved = replace(resolved, uniqueness="require")
    return resolved


def design(target: str | Target, *, mode: str = DEFAULT_MODE, time_limit: float = 60.0, seed: int = 0,
           constraint: str | None = None, gc: str | float | None = None, avoid: str | tuple[str, ...] | None = None,
           config: DesignerConfig | dict | str | Path | None = None, checkpoint: str | Path | None = None,
           model: FoldingModel | None = None, unique_mfe: bool = False, max_folds: int | None = None,
           designs: int = 1, min_distance: int | None = None, polish: float = 0.0,
           progress: Callable[[Status], None] | None = None) -> DesignResult | list[DesignResult]:
    """Design a sequence that folds into ``target`` within ``time_limit`` seconds (see the README).

    ``mode``: one of :data:`learna.designers.MODES`. ``constraint``: IUPAC codes, one per site; ``gc``: a GC
    target ``CONTENT[:TOLERANCE]``; ``avoid``: patterns the design must not contain (``"GGGG,AAAAA"``, or
    ``"default"`` for GGGG CCCC AAAAA UUUUU). ``config`` overrides the mode's preset; ``checkpoint`` replaces the
    shipped weights of the modes that use them. ``unique_mfe``: only a design whose *unique* MFE structure is
    the target counts as solved. ``max_folds``: a fold budget besides the time limit (reproducible runs).
    ``designs`` > 1: a list of that many different designs (:func:`several`; ``time_limit`` applies to each).
    ``polish``: seconds spent after each design that counts as solved on raising the probability of the target,
    the target kept the (unique) MFE structure (:func:`polished`). ``progress`` is called with a
    :class:`~learna.designers.base.Status` a few times per second.
    """
    seconds = check_seconds(polish, "polish")
    request = make_request(target, mode=mode, time_limit=time_limit, seed=seed, constraint=constraint, gc=gc,
                           avoid=avoid, config=config, checkpoint=checkpoint, model=model, unique_mfe=unique_mfe,
                           max_folds=max_folds, progress=progress)
    found = deliver(request, lambda batch: [run_design(mode, r) for r in batch], designs, min_distance)
    return polished(request, found, seconds, min_distance)


def polished(request: DesignRequest, found: DesignResult | list[DesignResult], seconds: float,
             min_distance: int | None = None) -> DesignResult | list[DesignResult]:
    """``found`` (one design, or several of one target ranked by robustness) with every design that counts as
    solved polished for ``seconds`` in this process (:func:`polished_all` of one request)."""
    return polished_all([(request, found)], seconds, min_distance)[0]


def designs_of(found: DesignResult | list[DesignResult]) -> list[DesignResult]:
    """The designs of one target as a list, whether ``found`` is one design or several."""
    return [found] if isinstance(found, DesignResult) else list(found)


PolishMany = Callable[[list[tuple[DesignRequest, DesignResult]], float], list[DesignResult]]
"""Polishes ``(request, design)`` pairs for up to the given seconds each, returning the designs in order (here:
:func:`polish_here`; in worker processes or on a cluster: :func:`learna.harness.designs.polish_batch`)."""


def polish_here(pairs: list[tuple[DesignRequest, DesignResult]], seconds: float) -> list[DesignResult]:
    """Every design of ``pairs`` polished in this process, one after another."""
    from learna.designers.polish import polish_result

    return [polish_result(request, result, seconds) for request, result in pairs]


def polished_all(items: list[tuple[DesignRequest, DesignResult | list[DesignResult]]], seconds: float,
                 min_distance: int | None = None, polish_many: PolishMany = polish_here,
                 ) -> list[DesignResult | list[DesignResult]]:
    """For every ``(request, found)`` (one design, or several of one target ranked by robustness), ``found`` with
    every design that counts as solved polished for ``seconds`` (:func:`learna.designers.polish.polish_result`),
    all of them handed to ``polish_many`` at once. Of several designs, a polished one is kept only if it stays
    ``min_distance`` (default a tenth of the sites) from every other design, and the list is ranked again.
    ``seconds`` is taken as checked (:func:`check_seconds`)."""
    if not seconds:
        return [found for _, found in items]
    pairs = [(request, result) for request, found in items for result in designs_of(found)]
    done = iter(polish_many(pairs, seconds))
    out: list[DesignResult | list[DesignResult]] = []
    for request, found in items:
        if isinstance(found, DesignResult):
            out.append(next(done))
            continue
        designs = list(found)
        candidates = [next(done) for _ in designs]
        distance = _distance(min_distance, request)
        for k, (result, candidate) in enumerate(zip(designs, candidates)):
            others = [d.sequence for j, d in enumerate(designs) if j != k and d.sequence]
            if candidate.sequence == result.sequence or all(hamming(candidate.sequence, o) >= distance
                                                            for o in others):
                designs[k] = candidate
            else:  # polished too close to another design: the original stays
                designs[k] = replace(result, stats={**candidate.stats,
                                                    "polish": {**candidate.stats["polish"], "kept": False}})
        out.append([replace(result, rank=rank + 1) for rank, result in enumerate(sorted(designs, key=robustness))])
    return out


def deliver(request: DesignRequest, run_batch: Callable[[list[DesignRequest]], list[DesignResult]],
            designs: int = 1, min_distance: int | None = None) -> DesignResult | list[DesignResult]:
    """The result of ``request`` run by ``run_batch`` (which runs a list of requests and returns their results
    in order), or with ``designs`` > 1 a ranked list of that many different designs (:func:`several`)."""
    if designs == 1:
        return run_batch([request])[0]
    return next(several([request], run_batch, designs, min_distance))


def default_min_distance(length: int) -> int:
    """The default least Hamming distance between several designs of one target: a tenth of its sites."""
    return max(1, math.ceil(length / 10))


def several(requests: list[DesignRequest], run_batch: Callable[[list[DesignRequest]], list[DesignResult]],
            designs: int, min_distance: int | None = None) -> Iterator[list[DesignResult]]:
    """``designs`` different designs per request, ranked by robustness, one list per request in order.

    The designs of one target are runs one after another, each with its own seed (the request's first, then
    derived ones) and the request's time limit, and each told the designs before it: a solution closer than
    ``min_distance`` (Hamming; default a tenth of the sites) to one of them does not count, so the run goes on
    to a different one. The runs of different requests go in one batch per round (``run_batch`` runs a list
    of requests, here or in worker processes, and returns their results in order). A target stops getting
    runs once one ends unsolved. Ranking: solved first, then a unique MFE, then the energy gap to the best
    competitor, then the probability of the target (unsolved: the smallest distance first).
    """
    if isinstance(designs, bool) or not isinstance(designs, int) or not 1 <= designs <= 1000:
        raise ConfigError(f"designs must be an integer from 1 to 1000, got {designs!r}")
    distances = [_distance(min_distance, request) for request in requests]
    kept: list[list[DesignResult]] = [[] for _ in requests]
    active = list(range(len(requests)))
    for attempt in range(designs):
        batch = [replace(requests[k], seed=nth_seed(requests[k].seed, "design", attempt), min_distance=distances[k],
                         exclude=tuple(r.sequence for r in kept[k] if r.solved)) for k in active]
        results = run_batch(batch) if batch else []
        fresh = [result.sequence is not None and request.novel(result.sequence) for request, result in zip(batch, results)]
        for k, result, new in zip(active, results, fresh):
            if new:
                kept[k].append(result)
        active = [k for k, result, new in zip(active, results, fresh) if result.solved and new]
    for k, results in enumerate(kept):
        yield [replace(result, rank=rank + 1) for rank, result in enumerate(sorted(results, key=robustness))]


def _distance(min_distance: int | None, request: DesignRequest) -> int:
    if min_distance is None:
        return default_min_distance(len(request.target))
    if isinstance(min_distance, bool) or not isinstance(min_distance, int) or min_distance < 1:
        raise ConfigError(f"min_distance must be a positive integer, got {min_distance!r}")
    return min_distance


def robustness(result: DesignResult) -> tuple:
    """Sort key, most robust first: solved, a unique MFE, the energy gap, the probability; else the distance."""
    gap = result.energy_gap if result.energy_gap is not None else math.inf
    return (not result.solved, not result.unique_mfe, -gap if result.solved else result.distance or math.inf,
            -(result.probability or 0.0))
def make_request(target: str | Target, *, mode: str = DEFAULT_MODE, time_limit: float = 60.0, seed: int = 0,
                 constraint: str | None = None, gc: str | float | None = None,
                 avoid: str | tuple[str, ...] | None = None,
                 config: DesignerConfig | dict | str | Path | None = None, checkpoint: str | Path | None = None,
                 model: FoldingModel | None = None, unique_mfe: bool = False, max_folds: int | None = None,
                 progress: Callable[[Status], None] | None = None) -> DesignRequest:
    """The validated :class:`DesignRequest` :func:`design` runs (every input checked before any work)."""
    resolved = design_config(mode, config, model, unique_mfe)
    time_limit = check_time_limit(time_limit)
    checked = make_target(target, constraint, gc, avoid)
    check_foldable(checked, time_limit)
    if max_folds is not None and (isinstance(max_folds, bool) or not isinstance(max_folds, int) or max_folds < 1):
        raise ConfigError(f"max_folds must be a positive integer, got {max_folds!r}")
    return DesignRequest(checked, resolved, time_limit, check_seed(seed), max_folds,
                         None if checkpoint is None else Path(checkpoint), progress)


def warm_up(mode: str | None = None) -> None:
    """Pay torch's one-off lazy initialisation before any design is timed: the first forward pass sets up
    kernels (0.2 s) and, for a mode that learns (``None``: any mode), creating the optimiser imports
    torch._dynamo (about 2 s); and build the Turner tables the searches score moves with (about 0.02 s,
    :mod:`learna.search.turner`). Call once per process."""
    import torch

    from learna.designers.agent import new_learner
    from learna.presets import preset
    from learna.search.turner import turner_model

    config = preset("learna")
    turner_model(config.env.folding)
    learning = mode is None or get_designer(mode).learns
    learner = new_learner(config, None, learning=learning, seed=0)
    logits, values = learner.network(torch.zeros((2, config.env.window), dtype=torch.int64))
    if learning:
        (logits.sum() + values.sum()).backward()

