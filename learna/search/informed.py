"""Energy-informed moves: score every variant of a move by free energies before folding one of them.

Evaluating the energy of a given structure costs 100–1000× less than folding, so a move can afford to
look at every value of its unit (up to 36 variants). Each variant is scored against the parent's
*competitor*, its MFE structure where that differs from the target (negative design):

    score = E(target) − E(competitor) + λ · E(target)

and one variant is drawn with probability ∝ q(variant) · exp(−score / τ), q the proposal distribution
(uniform, or mixed with a learned prior). A competitor pair that a variant makes non-complementary is
opened before the competitor is evaluated (the competitor loses that pair). With a GC target
(:mod:`learna.constraints`) the score also adds ``GC_WEIGHT`` · d_GC(variant), so that moves stabilising the
target do not keep pushing the GC content out of its window.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from learna.folding import FoldingModel, structure_energies
from learna.search.config import SearchConfig
from learna.search.moves import PAIRS, MoveSet, sample_site
from learna.structure import Target, pair_table

_COMPLEMENTARY = frozenset(PAIRS)
GC_WEIGHT = 1.0
"""kcal/mol added to a variant's score per base its GC content lies outside a GC target's window."""


class InformedProposer:
    """Draws children of a parent by the energy score above (see the module docstring)."""

    def __init__(self, target: Target, moves: MoveSet, config: SearchConfig, model: FoldingModel,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.target = target.dot_bracket
        self.moves = moves
        self.config = config
        self.model = model
        self.energy_evaluations = 0
        self.vienna_seconds = 0.0
        self.clock = clock
        self.gc_distance = target.constraints.gc_distance if target.constraints.gc is not None else None

    def _competitor(self, child: str, competitor: list[str], table: tuple[int, ...], positions: list[int]) -> str:
        """The competitor with every pair the child cannot form opened."""
        broken = [p for p in positions if table[p] >= 0 and child[p] + child[table[p]] not in _COMPLEMENTARY]
        if not broken:
            return "".join(competitor)
        edited = list(competitor)
        for p in broken:
            edited[p] = edited[table[p]] = "."
        return "".join(edited)

    def scores(self, children: list[str], positions: list[int],
               competitor: str | None) -> tuple[np.ndarray, list[str | None]]:
        """Energy score of each child (lower is better) and the competitor each child was scored against."""
        weight = self.config.stability_weight
        self.energy_evaluations += len(children)
        if competitor:
            table, letters = pair_table(competitor), list(competitor)
            rivals: list[str | None] = [self._competitor(c, letters, table, positions) for c in children]
        else:
            rivals = [None] * len(children)
        start = self.clock()
        energies = [structure_energies(c, (self.target, r), self.model) if r else
                    structure_energies(c, (self.target,), self.model) + [0.0] for c, r in zip(children, rivals)]
        self.vienna_seconds += self.clock() - start
        target_energy, rival_energy = np.array(energies).T
        scores = target_energy - rival_energy + weight * target_energy
        if self.gc_distance is not None:  # a GC target: each base outside the window costs GC_WEIGHT
            scores = scores + GC_WEIGHT * np.array([self.gc_distance(c) for c in children])
        return scores, rivals

    def step(self, sequence: str, site: int, competitor: str | None, seen: set[str],
             rng: np.random.Generator) -> tuple[str, str | None] | None:
        """One informed move at ``site``: a variant drawn by score and its (edited) competitor; None if
        every variant was seen."""
        children, log_q, positions = self.moves.variants(sequence, site, rng)
        keep = [k for k, child in enumerate(children) if child not in seen]
        if not keep:
            return None
        children = [children[k] for k in keep]
        scores, rivals = self.scores(children, positions, competitor)
        logits = log_q[keep] - scores / self.config.energy_temperature
        chosen = sample_site(np.exp(logits - logits.max()), rng)
        return children[chosen], rivals[chosen]

    def propose(self, sequence: str, defect: np.ndarray, competitor: str | None, seen: set[str],
                rng: np.random.Generator) -> str | None:
        """A child of ``sequence``: a heavy-tailed number of informed moves at sites drawn ∝
        exp(defect / T), each scored against the competitor as edited by the moves before it; None when a
        move found only seen variants."""
        weights = np.exp(defect / self.config.position_temperature)
        for _ in range(self.moves.mutation_count(rng)):
            drawn = self.step(sequence, sample_site(weights, rng), competitor, seen, rng)
            if drawn is None:
                return None
            sequence, competitor = drawn
        return sequence
