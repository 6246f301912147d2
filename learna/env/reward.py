"""Terminal reward with LEARNA's local improvement step (reference/learna.md §1).

Unlike the original, the improved sequence is returned and kept (§7.2: the original threw it away
and could print a sequence that does not fold into the target although the reward was 1).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from learna.folding import FoldingModel, fold_structure
from learna.structure import Target, hamming

BASES = "ACGU"


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


def local_improvement(sequence: str, folded: str, target: Target, model: FoldingModel,
                      deadline: float | None = None) -> tuple[str, str, int, int]:
    """Try every base assignment of the mismatched sites; return (sequence, folded, distance, folds).

    Each mismatched site is mutated on its own (pair complementarity is not kept, as in the
    original); stops early at distance 0 or at ``deadline`` (a ``time.monotonic()`` value).
    """
    mismatched = [i for i, (a, b) in enumerate(zip(folded, target.dot_bracket)) if a != b]
    best = (sequence, folded, hamming(folded, target.dot_bracket))
    folds = 0
    letters = list(sequence)
    for assignment in itertools.product(BASES, repeat=len(mismatched)):
        if deadline is not None and time.monotonic() > deadline:
            break
        for site, base in zip(mismatched, assignment):
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


def evaluate_design(sequence: str, target: Target, exponent: float, mutation_threshold: int,
                    model: FoldingModel, deadline: float | None = None) -> Outcome:
    """Fold ``sequence``, run the local improvement when 0 < d < threshold, and compute the reward."""
    folded = fold_structure(sequence, model)
    distance = hamming(folded, target.dot_bracket)
    folds = 1
    if 0 < distance < mutation_threshold:
        sequence, folded, distance, extra = local_improvement(sequence, folded, target, model, deadline)
        folds += extra
    return Outcome(sequence, folded, distance, reward_of(distance, len(target), exponent), folds)
