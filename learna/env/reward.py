"""Terminal reward with LEARNA's local improvement step (reference/learna.md §1).

Unlike the original, the improved sequence is returned and kept (§7.2: the original threw it away
and could print a sequence that does not fold into the target although the reward was 1).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from learna.env.config import EnvConfig
from learna.folding import FoldingModel, fold_structure
from learna.structure import Target, hamming

BASES = "ACGU"
PAIR_CHOICES = ("GC", "CG", "AU", "UA", "GU", "UG")


@dataclass(frozen=True)
class Outcome:
    """Result of evaluating one designed sequence against its target."""

    sequence: str
    """The sequence that achieved ``distance`` (after local improvement, if it helped)."""
    folded: str
    """MFE structure of ``sequence``."""
    distance: int
    """Hamming distance between ``folded`` and the target."""
    reward: float
    folds: int
    """ViennaRNA folds spent on this evaluation."""

    @property
    def solved(self) -> bool:
        return self.distance == 0


def reward_of(distance: int, length: int, exponent: float) -> float:
    """(1 − d/N)^α."""
    return (1.0 - distance / length) ** exponent


def improvement_units(folded: str, target: Target, paired: bool) -> list[tuple[int, ...]]:
    """Sites re-assigned by the local improvement: each mismatched site on its own (the original), or,
    with ``paired``, a mismatched site that is paired in the target together with its partner."""
    mismatched = [i for i, (a, b) in enumerate(zip(folded, target.dot_bracket)) if a != b]
    if not paired:
        return [(i,) for i in mismatched]
    units = {(min(i, target.partners[i]), max(i, target.partners[i])) if target.partners[i] >= 0 else (i,)
             for i in mismatched}
    return sorted(units)


def local_improvement(sequence: str, folded: str, target: Target, model: FoldingModel,
                      deadline: float | None = None, paired: bool = False) -> tuple[str, str, int, int]:
    """Try every assignment of the improvement units; return (sequence, folded, distance, folds).

    A single site takes any of the 4 bases; a pair (``paired=True``) any of GC CG AU UA GU UG, so it
    stays complementary. Stops early at distance 0 or at ``deadline`` (a ``time.monotonic()`` value).
    """
    units = improvement_units(folded, target, paired)
    choices = [PAIR_CHOICES if len(unit) == 2 else BASES for unit in units]
    best = (sequence, folded, hamming(folded, target.dot_bracket))
    folds = 0
    letters = list(sequence)
    for assignment in itertools.product(*choices):
        if deadline is not None and time.monotonic() > deadline:
            break
        for unit, value in zip(units, assignment):
            for site, base in zip(unit, value):
                letters[site] = base
        candidate = "".join(letters)
        if candidate == sequence:
            continue
        candidate_folded = fold_structure(candidate, model)
        folds += 1
        distance = hamming(candidate_folded, target.dot_bracket)
        if distance < best[2]:
            best = (candidate, candidate_folded, distance)
            if distance == 0:
                break
    return (*best, folds)


def evaluate_design(sequence: str, target: Target, config: EnvConfig, deadline: float | None = None) -> Outcome:
    """Fold ``sequence``, run the local improvement when 0 < d < threshold, and compute the reward."""
    model = config.folding
    folded = fold_structure(sequence, model)
    distance = hamming(folded, target.dot_bracket)
    folds = 1
    if 0 < distance < config.mutation_threshold:
        sequence, folded, distance, extra = local_improvement(sequence, folded, target, model, deadline,
                                                              config.paired_improvement)
        folds += extra
    return Outcome(sequence, folded, distance, reward_of(distance, len(target), config.reward_exponent), folds)
