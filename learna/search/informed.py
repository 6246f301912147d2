"""Energy-informed moves: score every variant of a move by free energies before folding one of them.

Evaluating the energy of a given structure costs 100–1000× less than folding, so a move can afford to
look at every value of its unit (up to 36 variants). Each variant is scored against the parent's
*competitor*, its MFE structure where that differs from the target (negative design):

    score = E(target) − E(competitor) + λ · E(target)

and one variant is drawn with probability ∝ q(variant) · exp(−score / τ), q the proposal distribution
(uniform, or mixed with a learned prior). A competitor pair that a variant makes non-complementary is
opened before the competitor is evaluated (the competitor loses that pair). With a rival pool
(``rival_pool``: the last structures that beat the target somewhere in the search) a variant is scored
against its strongest rival, E(target) − min over the competitor and the pool of E(rival), each rival with
the pairs the variant cannot form opened; the same margin screens children before they are folded
(:meth:`InformedProposer.margin`). A region move (``region_probability``) scores random re-draws of the
units around the site (:meth:`~learna.search.moves.MoveSet.region_variants`) instead of every value of
one unit. With a GC target or patterns to avoid (:mod:`learna.constraints`) the score also adds
``GC_WEIGHT`` · d_C(variant), so that moves stabilising the target do not keep pushing the GC content out of
its window or writing GGGG. With a repair policy (:mod:`learna.search.repair`) the draw also weighs in
``repair_weight`` · log P(improve | variant), and the features of every chosen variant can be recorded as
training examples.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Callable

import numpy as np

from learna.alphabet import PAIRABLE, base_codes
from learna.folding import FoldingModel, structure_energies
from learna.search.config import SearchConfig
from learna.search.moves import MoveSet, sample_site, site_weights
from learna.search.repair import Repair, site_contexts, variant_features
from learna.search.turner import TurnerModel, turner_model
from learna.structure import Target, pair_table


@lru_cache(maxsize=256)
def _partners(structure: str) -> np.ndarray:
    """The pair table of ``structure`` as an array (cached: a competitor is edited for move after move)."""
    return np.asarray(pair_table(structure), dtype=np.int64)


RIVAL_REACH = 2
"""A rival is scored in a move when it pairs a site differently from the target within this many sites of
a site the move changes (elsewhere a change shifts E(rival) and E(target) alike: loop energies are local)."""


class Rival:
    """A structure that competes with the target, ready to be evaluated on any sequence."""

    def __init__(self, structure: str, target_partners: np.ndarray) -> None:
        self.structure = structure
        table = np.asarray(pair_table(structure))
        self.opening = np.flatnonzero(table > np.arange(len(table)))
        self.closing = table[self.opening]
        self.differs = np.flatnonzero(table != target_partners)
        """Sites whose partner differs from the target's."""
        near = np.zeros(len(table) + 2 * RIVAL_REACH + 1, dtype=int)
        np.add.at(near, self.differs, 1)
        np.add.at(near, self.differs + 2 * RIVAL_REACH + 1, -1)
        self.near = np.cumsum(near)[RIVAL_REACH : RIVAL_REACH + len(table)] > 0
        """Sites within :data:`RIVAL_REACH` of a differing site."""

    def on(self, codes: np.ndarray) -> list[str]:
        """For each sequence, a row of ``codes`` (V × n), the structure with every pair that the sequence
        cannot form opened (one array operation for all V: a move scores its variants at once)."""
        broken = ~PAIRABLE[codes[:, self.opening], codes[:, self.closing]]
        edited = [self.structure] * len(codes)
        for row in np.flatnonzero(broken.any(axis=1)):
            chars = list(self.structure)
            for a, b in zip(self.opening[broken[row]], self.closing[broken[row]]):
                chars[a] = chars[b] = "."
            edited[row] = "".join(chars)
        return edited


GC_WEIGHT = 1.0
"""kcal/mol added to a variant's score per base its GC content lies outside a GC target's window."""


class InformedProposer:
    """Draws children of a parent by the energy score above (see the module docstring)."""

    def __init__(self, target: Target, moves: MoveSet, config: SearchConfig, model: FoldingModel,
                 clock: Callable[[], float] = time.perf_counter, repair: Repair | None = None) -> None:
        self.target = target.dot_bracket
        self.moves = moves
        self.config = config
        self.model = model
        self.energy_evaluations = 0
        self.vienna_seconds = 0.0
        self.clock = clock
        constraints = target.constraints
        self.constraint_distance = constraints.distance if constraints.gc is not None or constraints.avoid else None
        self.pool: list[Rival] = []
        """Rivals every variant is also scored against (kept by the search; empty without ``rival_pool``)."""
        self.bias = repair is not None and repair.policy is not None and config.repair_weight > 0
        """Whether the repair policy re-weights the variants (with ``repair_weight``)."""
        self.learned = repair if self.bias or (repair is not None and repair.log is not None) else None
        """The repair policy and/or the log of its training examples (:mod:`learna.search.repair`)."""
        self.contexts = site_contexts(moves) if self.learned else None
        self.trace: list[np.ndarray] = []
        """Features of the variants chosen since :meth:`propose` began (when examples are recorded)."""

    @staticmethod
    def _competitors(competitor: str, codes: np.ndarray, positions: list[int]) -> tuple[list[str], np.ndarray]:
        """The competitor as each child (a row of ``codes``, :func:`~learna.alphabet.base_codes`) leaves it,
        every pair the child cannot form opened (only pairs at the move's ``positions`` can break): the
        distinct edited competitors, and for each child the index of its own among them."""
        table = _partners(competitor)
        sites = np.array([p for p in positions if table[p] >= 0], dtype=np.int64)
        if not len(sites):
            return [competitor], np.zeros(len(codes), dtype=np.int64)
        broken = ~PAIRABLE[codes[:, sites], codes[:, table[sites]]]
        if not broken.any():
            return [competitor], np.zeros(len(codes), dtype=np.int64)
        keys, which = np.unique(broken @ (1 << np.arange(len(sites), dtype=np.int64)), return_inverse=True)
        edited = []
        for key in keys.tolist():
            chars = list(competitor)
            for bit, p in enumerate(sites.tolist()):
                if key >> bit & 1:
                    chars[p] = chars[table[p]] = "."
            edited.append("".join(chars))
        return edited, which.reshape(-1)

    def scores(self, children: list[str], positions: list[int],
               competitor: str | None) -> tuple[np.ndarray, list[str | None], np.ndarray]:
        """Energy score of each child (lower is better), the competitor each child was scored against, and
        the energies (V, 2): E(target) and E(competitor) of each child. The children differ only at
        ``positions``."""
        weight = self.config.stability_weight
        self.energy_evaluations += len(children)
        codes = base_codes(children)
        rivals: list[str | None] = [None] * len(children)
        if competitor:
            edited, which = self._competitors(competitor, codes, positions)
            rivals = [edited[k] for k in which]
        start = self.clock()
        pool = [r for r in self.pool if r.near[positions].any()] if self.pool else []
        groups: list[tuple[str, np.ndarray]] = []
        if pool:
            edited_pool = [r.on(codes) for r in pool]
            rows: dict[str, list[int]] = {}
            for k, rival in enumerate(rivals):
                for other in ([rival] if rival else []) + [structures[k] for structures in edited_pool]:
                    if other != self.target:
                        rows.setdefault(other, []).append(k)
            groups = [(structure, np.array(ks)) for structure, ks in rows.items()]
        elif competitor:  # each distinct edited competitor with the children it is scored against
            groups = [(structure, np.flatnonzero(which == k)) for k, structure in enumerate(edited)]
        energies = self._energies(children, codes, groups, open_chain=bool(pool), positions=positions)
        self.vienna_seconds += self.clock() - start
        target_energy, rival_energy = energies.T
        scores = target_energy - rival_energy + weight * target_energy
        if self.constraint_distance is not None:  # each base outside a GC window, each pattern to avoid: GC_WEIGHT
            scores = scores + GC_WEIGHT * np.array([self.constraint_distance(c) for c in children])
        return scores, rivals, energies

    def _energies(self, children: list[str], codes: np.ndarray, groups: list[tuple[str, np.ndarray]],
                  open_chain: bool, positions: list[int]) -> np.ndarray:
        """(V, 2): E(target) of each child and its lowest energy among the structures of the ``groups`` (a
        structure and the children scored against it) it belongs to (0 when it belongs to none; with
        ``open_chain`` never above 0, the open chain's energy); the children differ only at ``positions``."""
        turner = turner_model(self.model)  # built at the first move (about 0.02 s), then cached per process
        energies = self._array_energies(turner, codes, groups, positions) if turner is not None else None
        if energies is None:
            energies = self._vienna_energies(children, groups)
        if open_chain:
            energies[:, 1] = np.minimum(energies[:, 1], 0.0)
        return energies

    def _vienna_energies(self, children: list[str], groups: list[tuple[str, np.ndarray]]) -> np.ndarray:
        """:meth:`_energies` with one fold compound per child (any folding model)."""
        others: list[list[str]] = [[] for _ in children]
        for structure, ks in groups:
            for k in ks:
                others[k].append(structure)
        rows = []
        for child, structures in zip(children, others):
            values = structure_energies(child, [self.target] + structures, self.model)
            rows.append((values[0], min(values[1:]) if structures else 0.0))
        return np.array(rows, dtype=float)

    def _array_energies(self, turner: TurnerModel, codes: np.ndarray, groups: list[tuple[str, np.ndarray]],
                        positions: list[int]) -> np.ndarray | None:
        """:meth:`_energies` for all children at once (:mod:`learna.search.turner`: ViennaRNA's default model,
        the same values as ViennaRNA's; only the terms that read ``positions`` on every child); None when
        some child cannot form some pair of a structure."""
        target = turner.energies(self.target, codes, positions)
        if target is None:
            return None
        lowest = np.full(len(codes), np.inf)
        for structure, ks in groups:
            values = turner.energies(structure, codes[ks], positions)
            if values is None:
                return None
            np.minimum.at(lowest, ks, values)
        return np.column_stack([target, np.where(np.isfinite(lowest), lowest, 0.0)])

    def step(self, sequence: str, site: int, competitor: str | None, seen: set[str],
             rng: np.random.Generator) -> tuple[str, str | None] | None:
        """One informed move at ``site``: a variant drawn by score and its (edited) competitor; None if
        every variant was seen."""
        if self.config.region_probability and rng.random() < self.config.region_probability:
            children, log_q, positions = self.moves.region_variants(sequence, site, rng, self.config.region_samples)
        else:
            children, log_q, positions = self.moves.variants(sequence, site, rng)
        keep = [k for k, child in enumerate(children) if child not in seen]
        if not keep:
            return None
        children = [children[k] for k in keep]
        scores, rivals, energies = self.scores(children, positions, competitor)
        logits = log_q[keep] - scores / self.config.energy_temperature
        features = None
        if self.learned is not None:
            changed = base_codes("".join(child[p] for child in children for p in positions))
            features = variant_features(base_codes("".join(sequence[p] for p in positions)),
                                        changed.reshape(len(children), len(positions)), np.asarray(positions),
                                        self.contexts, np.column_stack([scores, energies]))
            if self.bias:
                logits = logits + self.config.repair_weight * self.learned.policy.log_improve(features)
        chosen = sample_site(np.exp(logits - logits.max()), rng)
        if features is not None and self.learned.log is not None:
            self.trace.append(features[chosen])
        return children[chosen], rivals[chosen]

    def propose(self, sequence: str, defect: np.ndarray, competitor: str | None, seen: set[str],
                rng: np.random.Generator) -> str | None:
        """A child of ``sequence``: a heavy-tailed number of informed moves at sites drawn ∝
        exp(defect / T), each scored against the competitor as edited by the moves before it; None when a
        move found only seen variants."""
        weights = site_weights(defect, self.config)
        self.trace = []
        for _ in range(self.moves.mutation_count(rng)):
            drawn = self.step(sequence, sample_site(weights, rng), competitor, seen, rng)
            if drawn is None:
                return None
            sequence, competitor = drawn
        return sequence

    def margin(self, sequence: str, rivals: list[Rival]) -> tuple[float, Rival | None, str | None]:
        """min over ``rivals`` of E(rival) − E(target) for ``sequence`` (each rival with the pairs the
        sequence cannot form opened), the rival that attains it and its edited structure: positive when the
        target beats all of them; the sequence cannot solve the target when it is negative."""
        codes = base_codes(sequence)[None, :]
        edited = [(r, e) for r, e in ((r, r.on(codes)[0]) for r in rivals) if e != self.target]
        if not edited:
            return np.inf, None, None
        start = self.clock()
        values = structure_energies(sequence, [self.target] + [e for _, e in edited], self.model)
        self.vienna_seconds += self.clock() - start
        self.energy_evaluations += 1
        worst = int(np.argmin(values[1:]))
        return values[1 + worst] - values[0], edited[worst][0], edited[worst][1]

    def repair(self, sequence: str, rivals: list[Rival], moves: int, seen: set[str],
               rng: np.random.Generator) -> str:
        """Up to ``moves`` informed moves, each at a site where the rival with the smallest margin pairs
        differently from the target (scored against that rival and the pool), until the target beats every
        rival; the sequence with the largest margin met on the way."""
        margin, rival, edited = self.margin(sequence, rivals)
        best_margin, best = margin, sequence
        for _ in range(moves):
            if margin > 0 or rival is None:
                break
            site = int(rival.differs[int(rng.integers(len(rival.differs)))])
            drawn = self.step(sequence, site, edited, seen, rng)
            if drawn is None:
                break
            sequence = drawn[0]
            margin, rival, edited = self.margin(sequence, rivals)
            if margin > best_margin:
                best_margin, best = margin, sequence
        return best
