"""The BOHB objective as a plain function, usable without hpbandster (reference/learna.md §3).

``evaluate(config, budget, targets, seed)`` maps a configuration of a search space to a
``DesignerConfig`` and measures it on validation targets:

* **learna**: budget = seconds of design (fresh weights, learning on the target) per validation
  target; loss = mean over targets of the best normalised Hamming distance d/N reached. The
  original minimised the *sum*; the mean is the same ranking and does not scale with the number
  of targets, so losses stay comparable between validation sets.
* **meta-learna**: budget = seconds of meta-training on generated training targets
  (``learna.meta_train.train``, with ``processes`` rollout workers), then ``design_time`` seconds of
  design per validation target with the trained, fixed policy (mode ``meta-learna``); same loss.
* **hybrid**: budget = seconds of ``design(..., mode="hybrid")`` per validation target (the shipped
  pretrained policy, if any, proposes; the local search refines). The hybrid solves most generated
  targets, so the mean distance alone ties; the loss adds a time term that ranks faster solvers first:
  mean over targets of d/N + :data:`TIME_WEIGHT` × mean over targets of (time to solve / budget,
  1 for an unsolved target). A solved target adds at most 0.1 to the sum, an unsolved one 0.1 + d/N:
  any solved target costs less than any unsolved one. ``info`` adds ``distance_loss`` and ``time_fractions``.

Validation and training targets are generated (MFE structures of random sequences) with fixed
seeds used nowhere else, never Eterna100, so the benchmark stays untouched by the search.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from learna.data import GenerationSpec, generate_targets
from learna.design import design, warm_up
from learna.errors import ConfigError
from learna.hpo.space import get_space
from learna.meta_train import train
from learna.presets import DesignerConfig
from learna.structure import Target

VALIDATION_SPEC = GenerationSpec(count=32, min_length=50, max_length=150, seed=7_310_001)
"""Default validation set of the search: 32 targets of 50–150 nt (seed used nowhere else)."""
TRAINING_SPEC = GenerationSpec(count=2000, min_length=50, max_length=150, seed=7_320_001)
"""Default meta-training set for the meta-learna space (seed used nowhere else)."""
META_DESIGN_TIME = 60.0
"""Seconds of design per validation target after meta-training (the original's ``validation_timeout``)."""
TIME_WEIGHT = 0.1
"""hybrid: weight of the mean fraction of the budget spent per target (1 when unsolved) in the loss."""

_warm = False
_pools: dict[int, ProcessPoolExecutor] = {}


def validation_targets(count: int = VALIDATION_SPEC.count, min_length: int = VALIDATION_SPEC.min_length,
                       max_length: int = VALIDATION_SPEC.max_length, seed: int = VALIDATION_SPEC.seed) -> list[Target]:
    """The generated validation targets (reproducible: same arguments, same targets)."""
    return generate_targets(GenerationSpec(count, min_length, max_length, seed=seed))


def training_targets(spec: GenerationSpec = TRAINING_SPEC) -> list[Target]:
    """The generated meta-training targets."""
    return generate_targets(spec)


def evaluate(config: Mapping[str, Any], budget: float, targets: Sequence[Target], seed: int,
             mode: str = "learna", processes: int = 1, *, design_time: float = META_DESIGN_TIME,
             training: Sequence[Target] | None = None, work_dir: str | Path | None = None) -> dict:
    """Loss (mean best normalised distance, plus the time term for ``hybrid``; lower is better) and info
    of ``config`` at ``budget``.

    ``mode`` names the search space (and objective): ``learna``, ``meta-learna`` or ``hybrid``. ``processes``
    designs that many targets in parallel (separate processes, one torch thread each). Meta-LEARNA
    only: ``training`` targets (default :data:`TRAINING_SPEC`), ``design_time`` per validation
    target, ``work_dir`` to keep the trained model (default: a temporary directory, removed).
    """
    if not budget > 0:
        raise ConfigError(f"budget must be positive, got {budget}")
    if not targets:
        raise ConfigError("evaluate needs at least one validation target")
    if processes < 1:
        raise ConfigError(f"processes must be ≥ 1, got {processes}")
    spec = get_space(mode)
    designer = replace(spec.to_designer(config), restart_timeout=None)  # no restarts during the search (§3)
    if spec.mode == "meta-learna":
        return _evaluate_meta(designer, budget, targets, seed, processes, design_time, training, work_dir)
    # learna and hybrid: the budget is the design time per target
    results = _design_all(targets, designer, spec.mode, budget, seed, None, processes)
    outcome = _summary(targets, results, budget)
    if spec.mode == "hybrid":
        _add_time_term(outcome, results, budget)
    return outcome


def _evaluate_meta(designer: DesignerConfig, budget: float, targets: Sequence[Target], seed: int,
                   processes: int, design_time: float, training: Sequence[Target] | None,
                   work_dir: str | Path | None) -> dict:
    if not design_time > 0:
        raise ConfigError(f"design time must be positive, got {design_time}")
    training = list(training) if training is not None else training_targets()
    with tempfile.TemporaryDirectory(prefix="learna-meta-") as scratch:
        out_dir = Path(work_dir) if work_dir is not None else Path(scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        tic = time.monotonic()
        checkpoint = train(designer, training, budget, seed, out_dir, workers=processes).checkpoint
        train_time = time.monotonic() - tic
        results = _design_all(targets, designer, "meta-learna", design_time, seed, checkpoint, processes)
    outcome = _summary(targets, results, budget)
    outcome["info"]["train_time_s"] = train_time
    return outcome


def _design_all(targets: Sequence[Target], designer: DesignerConfig, mode: str, time_limit: float, seed: int,
                checkpoint: Path | None, processes: int) -> list[dict]:
    jobs = [(t, designer, mode, time_limit, seed + k, checkpoint) for k, t in enumerate(targets)]
    if processes == 1 or len(jobs) == 1:
        return [_design_one(job) for job in jobs]
    return list(_pool(processes).map(_design_one, jobs))


def warm() -> None:
    """Pay torch's one-off initialisation once per process, before any design is timed."""
    global _warm
    if not _warm:
        warm_up()
        _warm = True


def _design_one(job: tuple) -> dict:
    warm()
    target, designer, mode, time_limit, seed, checkpoint = job
    result = design(target, designer, mode=mode, time_limit=time_limit, seed=seed, checkpoint=checkpoint)
    return {"id": target.id, "distance": result.distance, "solved": result.solved, "time_s": result.time_s,
            "episodes": result.episodes}


def _pool(processes: int) -> ProcessPoolExecutor:
    """A lasting pool of ``processes`` spawned processes (one torch thread each), reused across evaluations."""
    if processes not in _pools:
        _pools[processes] = ProcessPoolExecutor(processes, mp_context=get_context("spawn"),
                                                initializer=_init_pool_process)
    return _pools[processes]


def _init_pool_process() -> None:
    torch.set_num_threads(1)


def shutdown_pools() -> None:
    """Stop the processes of :func:`evaluate`'s pools (called by long-running workers on exit)."""
    while _pools:
        _pools.popitem()[1].shutdown(cancel_futures=True)


def _summary(targets: Sequence[Target], results: list[dict], budget: float) -> dict:
    normalised = [r["distance"] / len(t) for t, r in zip(targets, results)]
    info = {
        "budget": budget,
        "solved": sum(r["solved"] for r in results),
        "targets": len(results),
        "ids": [r["id"] for r in results],
        "distances": [r["distance"] for r in results],
        "normalized_distances": normalised,
        "times_s": [r["time_s"] for r in results],
        "episodes": [r["episodes"] for r in results],
    }
    return {"loss": sum(normalised) / len(normalised), "info": info}


def _add_time_term(outcome: dict, results: list[dict], budget: float) -> None:
    """The hybrid's loss: + TIME_WEIGHT × mean of (time to solve / budget, 1 if unsolved), in place."""
    fractions = [min(1.0, r["time_s"] / budget) if r["solved"] else 1.0 for r in results]
    info = outcome["info"]
    info["distance_loss"] = outcome["loss"]
    info["time_fractions"] = fractions
    outcome["loss"] += TIME_WEIGHT * sum(fractions) / len(fractions)
