"""The BOHB objective as a plain function, usable without hpbandster (docs/original.md §3).

``evaluate(config, budget, targets, seed)`` maps a configuration of a search space to a
``DesignerConfig`` and measures it on validation targets (the loss: :mod:`learna.hpo.loss`):

* **learna**: budget = seconds of design (fresh weights, learning on the target) per validation target;
* **meta-learna**: budget = seconds of meta-training on generated training targets
  (``learna.meta_train.train``, with ``processes`` rollout workers), then ``design_time`` seconds of
  design per validation target with the trained, fixed policy (mode ``meta-learna``);
* **hybrid**: budget = seconds of hybrid design per validation target (the shipped pretrained policy, if
  any, proposes; the local search refines); ``info`` adds ``distance_loss`` and ``time_fractions``.

Each target is designed with its own seed (:func:`learna.seeding.derive_seed` of the evaluation's seed
and the target id), in ``processes`` worker processes (:func:`learna.processes.pool`, one torch thread each).
Every design runs under the paper's solved criterion (``uniqueness`` ``ignore``): the loss measures
reaching the target, and a search for uniqueness would only spend the budget of solved targets.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from learna.config import DesignerConfig
from learna.errors import ConfigError
from learna.hpo.loss import META_DESIGN_TIME, add_time_term, distance_loss, training_targets
from learna.hpo.space import get_space
from learna.processes import one_torch_thread, pool
from learna.seeding import derive_seed
from learna.structure import Target

_warm = False
_pools: dict = {}


def evaluate(config: Mapping[str, Any], budget: float, targets: Sequence[Target], seed: int,
             mode: str = "learna", processes: int = 1, *, design_time: float = META_DESIGN_TIME,
             training: Sequence[Target] | None = None, work_dir: str | Path | None = None) -> dict:
    """Loss (mean best normalised distance, plus the time term for ``hybrid``; lower is better) and info
    of ``config`` at ``budget``.

    ``mode`` names the search space (and objective): ``learna``, ``meta-learna`` or ``hybrid``. ``processes``
    designs that many targets in parallel (separate processes, one torch thread each). Meta-LEARNA
    only: ``training`` targets (default :data:`learna.hpo.loss.TRAINING_SPEC`), ``design_time`` per validation
    target, ``work_dir`` to keep the trained model (default: a temporary directory, removed).
    """
    if not budget > 0:
        raise ConfigError(f"budget must be positive, got {budget}")
    if not targets:
        raise ConfigError("evaluate needs at least one validation target")
    if processes < 1:
        raise ConfigError(f"processes must be ≥ 1, got {processes}")
    spec = get_space(mode)
    designer = replace(spec.to_designer(config), restart_timeout=None, uniqueness="ignore")  # no restarts (§3)
    if spec.mode == "meta-learna":
        return _evaluate_meta(designer, budget, targets, seed, processes, design_time, training, work_dir)
    # learna and hybrid: the budget is the design time per target
    results = _design_all(targets, designer, spec.mode, budget, seed, None, processes)
    outcome = distance_loss(targets, results, budget)
    return add_time_term(outcome, results, budget) if spec.mode == "hybrid" else outcome


def _evaluate_meta(designer: DesignerConfig, budget: float, targets: Sequence[Target], seed: int,
                   processes: int, design_time: float, training: Sequence[Target] | None,
                   work_dir: str | Path | None) -> dict:
    if not design_time > 0:
        raise ConfigError(f"design time must be positive, got {design_time}")
    training = list(training) if training is not None else training_targets()
    with tempfile.TemporaryDirectory(prefix="learna-meta-") as scratch:
        out_dir = Path(work_dir) if work_dir is not None else Path(scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        from learna.meta_train import train

        tic = time.monotonic()
        checkpoint = train(designer, training, budget, seed, out_dir, workers=processes).checkpoint
        train_time = time.monotonic() - tic
        results = _design_all(targets, designer, "meta-learna", design_time, seed, checkpoint, processes)
    outcome = distance_loss(targets, results, budget)
    outcome["info"]["train_time_s"] = train_time
    return outcome


def _design_all(targets: Sequence[Target], designer: DesignerConfig, mode: str, time_limit: float, seed: int,
                checkpoint: Path | None, processes: int) -> list[dict]:
    jobs = [(t, designer, mode, time_limit, derive_seed(seed, t.id), checkpoint) for t in targets]
    if processes == 1 or len(jobs) == 1:
        return [_design_one(job) for job in jobs]
    if processes not in _pools:  # lasting pools, reused across evaluations
        _pools[processes] = pool(processes, initializer=one_torch_thread)
    return _pools[processes].map(_design_one, jobs, chunksize=1)


def warm() -> None:
    """Pay torch's one-off initialisation once per process, before any design is timed."""
    global _warm
    if not _warm:
        from learna.api import warm_up

        warm_up()
        _warm = True


def _design_one(job: tuple) -> dict:
    from learna.designers import DesignRequest, run_design

    warm()
    target, designer, mode, time_limit, seed, checkpoint = job
    result = run_design(mode, DesignRequest(target, designer, time_limit, seed, checkpoint=checkpoint))
    return {"id": target.id, "distance": result.distance, "solved": result.solved, "time_s":
            result.time_to_solve_s if result.solved else result.time_s, "folds": result.folds}


def shutdown_pools() -> None:
    """Stop the processes of :func:`evaluate`'s pools (called by long-running workers on exit)."""
    while _pools:
        worker_pool = _pools.popitem()[1]
        worker_pool.terminate()
        worker_pool.join()
