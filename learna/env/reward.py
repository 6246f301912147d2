"""Terminal reward with LEARNA's local improvement step (docs/original.md §1).

Unlike the original, the improved sequence is returned and kept (docs/original.md §7: the original threw it away
and could print a sequence that does not fold into the target although the reward was 1).

Design constraints (:mod:`learna.constraints`): a GC target and patterns to avoid count as extra distance.
With d the Hamming distance of the MFE fold to the target and d_C the constraint distance (the GC distance
d_GC, the least number of bases that must change to bring the GC content within the tolerance, plus the
number of occurrences of patterns to avoid; 0 when unconstrained), the reward is

    (1 − min(d + d_C, N) / N)^α

and a design is solved only when d + d_C = 0. The local improvement runs when 0 < d < threshold, tries
only the bases (or pairs) the sequence constraint allows at each re-assigned site, and keeps the
assignment with the lowest d + d_C.

Beyond the original, ``EnvConfig.improvement = "search"`` replaces the local improvement by the
ensemble-guided local search (:func:`learna.search.refine`, objective ``mfe_distance`` by default). It
starts from every unsolved design (d + d_C > 0: the threshold, which bounds the local improvement's 4^d
folds, does not apply) and stops when solved, after ``improvement_evaluations`` folds or at the deadline.
The search's moves honour the sequence constraint and its objective the GC target (:mod:`learna.search`);
the refined sequence replaces the design only when its d + d_C is lower. ``"near_search"`` runs the same
search only for a near miss, 0 < d + d_C < threshold, as the local improvement is gated. The search's random draws are
seeded from the target and the design (:func:`learna.seeding.generator`), so the improvement is a
deterministic function of the design, as the local improvement is: the design loops may cache outcomes by
sequence, and the environment's only randomness stays ``np_random``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from learna.alphabet import BASES, PAIRS
from learna.env.config import EnvConfig
from learna.folding import FoldingModel, fold_structure
from learna.search import refine
from learna.seeding import generator
from learna.structure import Target, hamming


@dataclass(frozen=True)
class Outcome:
    """Result of evaluating one designed sequence against its target."""

    sequence: str
    """The sequence that achieved ``distance`` (after the improvement step, if it helped)."""
    folded: str
    """MFE structure of ``sequence``."""
    distance: int
    """Hamming distance between ``folded`` and the target."""
    reward: float
    folds: int
    """ViennaRNA folds spent on this evaluation."""
    constraint_distance: int = 0
    """d_C of ``sequence``: d_GC plus the occurrences of patterns to avoid (0 when unconstrained)."""

    @property
    def total_distance(self) -> int:
        """d + d_C: what the reward and the choice of the best design use."""
        return self.distance + self.constraint_distance

    @property
    def solved(self) -> bool:
        return self.distance == 0 and self.constraint_distance == 0


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


def unit_choices(target: Target, units: list[tuple[int, ...]]) -> list[tuple[str, ...]]:
    """The values each improvement unit may take: the bases (single site) or pairs (GC CG AU UA GU UG)
    the target's sequence constraint allows, in that order."""
    constraints = target.constraints
    if constraints.sequence is None:
        return [PAIRS if len(unit) == 2 else tuple(BASES) for unit in units]
    bases, pairs = constraints.allowed_bases(len(target)), constraints.pair_mask(target.partners, PAIRS)
    return [tuple(p for p, ok in zip(PAIRS, pairs[unit[0]]) if ok) if len(unit) == 2
            else tuple(b for b, ok in zip(BASES, bases[unit[0]]) if ok) for unit in units]


def local_improvement(sequence: str, folded: str, target: Target, model: FoldingModel,
                      deadline: float | None = None, paired: bool = False) -> tuple[str, str, int, int]:
    """Try every assignment of the improvement units; return (sequence, folded, distance, folds).

    A single site takes any allowed base; a pair (``paired=True``) any allowed pair of GC CG AU UA GU UG,
    so it stays complementary. The assignment with the lowest d + d_C wins (``distance`` is its d). Stops
    early when d + d_C = 0 or at ``deadline`` (a ``time.monotonic()`` value).
    """
    units = improvement_units(folded, target, paired)
    choices = unit_choices(target, units)
    constraint_distance = target.constraints.distance
    best = (sequence, folded, hamming(folded, target.dot_bracket))
    best_total = best[2] + constraint_distance(sequence)
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
        total = distance + constraint_distance(candidate)
        if total < best_total:
            best, best_total = (candidate, candidate_folded, distance), total
            if total == 0:
                break
    return (*best, folds)


def search_improvement(sequence: str, folded: str, target: Target, config: EnvConfig,
                       deadline: float | None = None) -> tuple[str, str, int, int]:
    """Refine ``sequence`` with the local search; return (sequence, folded, distance, folds) like
    :func:`local_improvement`. The refined sequence is kept only when its d + d_C is lower. Nothing is
    folded once ``deadline`` (a ``time.monotonic()`` value) has passed; the search stops at it."""
    distance = hamming(folded, target.dot_bracket)
    time_limit = None if deadline is None else deadline - time.monotonic()
    if time_limit is not None and time_limit <= 0:
        return sequence, folded, distance, 0
    found = refine(sequence, target, config.improvement_search, max_evaluations=config.improvement_evaluations,
                   rng=generator(0, "improvement", target.dot_bracket, sequence), model=config.folding, time_limit=time_limit)
    if found.distance + target.constraints.distance(found.sequence) < distance + target.constraints.distance(sequence):
        return found.sequence, found.folded, found.distance, found.evaluations
    return sequence, folded, distance, found.evaluations


def _improves(config: EnvConfig, distance: int, total: int) -> bool:
    """Whether the improvement step runs on a design at d = ``distance``, d + d_C = ``total``."""
    if config.improvement == "lis":
        return 0 < distance < config.mutation_threshold
    if config.improvement == "near_search":
        return 0 < total < config.mutation_threshold
    return total > 0


def evaluate_design(sequence: str, target: Target, config: EnvConfig, deadline: float | None = None) -> Outcome:
    """Fold ``sequence``, improve it (``lis``: when 0 < d < threshold; ``search``: when d + d_C > 0;
    ``near_search``: when 0 < d + d_C < threshold), and compute the reward."""
    model = config.folding
    folded = fold_structure(sequence, model)
    distance = hamming(folded, target.dot_bracket)
    folds = 1
    if _improves(config, distance, distance + target.constraints.distance(sequence)):
        if config.improvement == "lis":
            sequence, folded, distance, extra = local_improvement(sequence, folded, target, model, deadline,
                                                                  config.paired_improvement)
        else:
            sequence, folded, distance, extra = search_improvement(sequence, folded, target, config, deadline)
        folds += extra
    constraint_distance = target.constraints.distance(sequence)
    total = min(distance + constraint_distance, len(target))
    return Outcome(sequence, folded, distance, reward_of(total, len(target), config.reward_exponent), folds,
                   constraint_distance)
