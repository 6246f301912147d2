"""Polishing a finished design (``learna design --polish SECONDS``): time spent on robustness after a design is found.

A design stops at its first unique-MFE solution, which often holds the target with little to spare: a
probability of the target of a few per cent, an energy gap of 0.1–0.3 kcal/mol. Given more seconds,
:func:`polish_result` hands a design that counts as solved to :func:`learna.search.polish`, a search from it by
P(target) that keeps the target the MFE structure, and keeps the polished design when it is better: unique
where the original was tied, else a higher P(target). The polished design is assessed again like any design
(:func:`learna.quality.assess`, the run's energy model); the design's own times and folds are unchanged and
``stats["polish"]`` says what the polish did. Every mode's designs are polished with the search's moves:
the hybrid's own configuration for ``hybrid``, the shipped hybrid preset's for the others.
:func:`polish_outcome` does the same to a run's raw outcome, inside a benchmark's worker process
(``learna benchmark --polish SECONDS``), before the harness assesses it.
"""

from __future__ import annotations

from dataclasses import replace

from learna.designers.base import DesignRequest, DesignResult, RunOutcome, finish
from learna.quality import assess
from learna.search import polish
from learna.seeding import generator


def polish_result(request: DesignRequest, result: DesignResult, seconds: float) -> DesignResult:
    """``result`` after up to ``seconds`` of polishing (and at most ``request.max_folds`` folds), or ``result``
    itself when it does not count as solved or ``seconds`` is 0."""
    if seconds <= 0 or not result.solved or result.sequence is None:
        return result
    from learna.presets import PRESETS

    config = request.config
    search = config.hybrid.search if result.mode == "hybrid" else PRESETS["hybrid"].hybrid.search
    model = config.env.folding
    found = polish(result.sequence, request.target, search, rng=generator(request.seed, "polish"),
                   time_limit=seconds, max_evaluations=request.max_folds, model=model)
    check = assess(request.target, found.sequence, model)
    better = check.solved_under(config.uniqueness) and (
        (check.unique_mfe and not result.unique_mfe)
        or (check.unique_mfe == result.unique_mfe and check.probability > result.probability))
    stats = {**result.stats, "polish": {"seconds": round(found.time_s, 3), "folds": found.evaluations,
                                        "kept": bool(better), "probability_before": result.probability,
                                        "energy_gap_before": result.energy_gap, "unique_mfe_before": result.unique_mfe}}
    if not better:
        return replace(result, stats=stats)
    unique_time = result.time_to_unique_s
    if unique_time is None and check.unique_mfe:
        unique_time = result.time_s + (found.time_s if found.time_to_unique_s is None else found.time_to_unique_s)
    return replace(result, sequence=found.sequence, time_to_unique_s=unique_time, stats=stats, **check.measures())


def polish_outcome(request: DesignRequest, mode: str, outcome: RunOutcome, seconds: float) -> RunOutcome:
    """``outcome`` after up to ``seconds`` of polishing (:func:`polish_result` of its assessment): the polished
    design in place of the final one when it is kept, the design's own times, folds and first solution kept
    (the time to a unique MFE moves past the design's end only when the polish made a tied design unique), and
    ``stats["polish"]``; ``outcome`` itself when its design does not count as solved or ``seconds`` is 0."""
    if seconds <= 0 or outcome.sequence is None:
        return outcome
    polished = polish_result(request, finish(request, mode, outcome, request.config), seconds)
    if "polish" not in polished.stats:
        return outcome
    stats = {**outcome.stats, "polish": polished.stats["polish"]}
    if polished.sequence == outcome.sequence:
        return replace(outcome, stats=stats)
    return replace(outcome, sequence=polished.sequence, first_solution=outcome.first_solution or outcome.sequence,
                   time_to_unique_s=polished.time_to_unique_s, stats=stats)
