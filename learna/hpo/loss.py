"""The BOHB objective's loss and its fixed settings, without running anything (no torch, no hpbandster).

* **learna**, **meta-learna**: loss = mean over validation targets of the best normalised Hamming distance
  d/N reached. The original minimised the *sum*; the mean is the same ranking and does not scale with the
  number of targets, so losses stay comparable between validation sets.
* **hybrid**: the hybrid solves most generated targets, so the mean distance alone ties; the loss adds a
  time term that ranks faster solvers first: mean d/N + :data:`TIME_WEIGHT` × mean over targets of (time to
  solve / budget, 1 for an unsolved target). A solved target adds at most 0.1, an unsolved one 0.1 + d/N:
  any solved target costs less than any unsolved one.

Validation and training targets are generated (MFE structures of random sequences) with fixed seeds used
nowhere else, never Eterna100, so the benchmark stays untouched by the search.
"""

from __future__ import annotations

from typing import Sequence

from learna.data import GenerationSpec, generate_targets
from learna.structure import Target

VALIDATION_SPEC = GenerationSpec(count=32, min_length=50, max_length=150, seed=7_310_001)
"""Default validation set of the search: 32 targets of 50–150 nt (seed used nowhere else)."""
TRAINING_SPEC = GenerationSpec(count=2000, min_length=50, max_length=150, seed=7_320_001)
"""Default meta-training set for the meta-learna space (seed used nowhere else)."""
META_DESIGN_TIME = 60.0
"""Seconds of design per validation target after meta-training (the original's ``validation_timeout``)."""
TIME_WEIGHT = 0.1
"""hybrid: weight of the mean fraction of the budget spent per target (1 when unsolved) in the loss."""


def validation_targets(count: int = VALIDATION_SPEC.count, min_length: int = VALIDATION_SPEC.min_length,
                       max_length: int = VALIDATION_SPEC.max_length, seed: int = VALIDATION_SPEC.seed) -> list[Target]:
    """The generated validation targets (reproducible: same arguments, same targets)."""
    return generate_targets(GenerationSpec(count, min_length, max_length, seed=seed))


def training_targets(spec: GenerationSpec = TRAINING_SPEC) -> list[Target]:
    """The generated meta-training targets."""
    return generate_targets(spec)


def distance_loss(targets: Sequence[Target], results: list[dict], budget: float) -> dict:
    """``{"loss": mean d/N, "info": {...}}`` of per-target results (``id``, ``distance``, ``solved``, ``time_s``,
    ``folds``)."""
    normalised = [r["distance"] / len(t) for t, r in zip(targets, results)]
    info = {"budget": budget, "solved": sum(r["solved"] for r in results), "targets": len(results),
            "ids": [r["id"] for r in results], "distances": [r["distance"] for r in results],
            "normalized_distances": normalised, "times_s": [r["time_s"] for r in results],
            "folds": [r["folds"] for r in results]}
    return {"loss": sum(normalised) / len(normalised), "info": info}


def add_time_term(outcome: dict, results: list[dict], budget: float) -> dict:
    """The hybrid's loss: + TIME_WEIGHT × mean of (time to solve / budget, 1 if unsolved); ``outcome`` updated."""
    fractions = [min(1.0, r["time_s"] / budget) if r["solved"] else 1.0 for r in results]
    info = outcome["info"]
    info["distance_loss"] = outcome["loss"]
    info["time_fractions"] = fractions
    outcome["loss"] += TIME_WEIGHT * sum(fractions) / len(fractions)
    return outcome
