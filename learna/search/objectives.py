"""Candidate evaluation: one MFE fold per candidate, the partition function only when it can matter.

Objectives (all minimised, see :class:`~learna.search.config.SearchConfig`):

* ``probability``: 1 − P(target), P the Boltzmann probability of the target;
* ``log_probability``: −ln P(target) / n = (E(target) − G) / (n·kT), the same order as ``probability``
  but without the floating-point floor at 1 that makes 1 − P flat on long targets; with an
  ``ensemble_weight`` β < 1, [(E(target) − MFE) + β·(MFE − G)] / (n·kT): the energy gap to the MFE weighs
  more than the ensemble's spread below the MFE;
* ``ensemble_defect``: the normalised ensemble defect (1/n) Σ_i (1 − p_i);
* ``mfe_distance``: (Hamming(MFE structure, target) + min(E(target) − MFE, 999)/1000) / n, from the
  MFE fold alone, with site defects from the mismatches (:func:`mismatch_defect`); with the ``probability``
  order of ties (``distance_ties``), (Hamming + x / (1 + x)) / n instead, x = −ln P(target) (a partition
  function; the fold's bound x ≥ (E(target) − MFE)/kT prunes it as for the probability objectives).

A candidate solves the target when the MFE structure ViennaRNA returns is the target: on an energy tie
the structure the backtracking returns decides, exactly as a final ``fold`` check does.

A GC target and patterns to avoid (:mod:`learna.constraints`) add d_C / n to every objective and to its
bound (d_C: the bases that must change to bring the GC content within the tolerance plus the occurrences
of patterns to avoid, so for ``mfe_distance`` a GC base too many, or a GGGG, weighs as much as a mismatched
site), and a candidate solves the target only when d_C = 0.

Since G ≤ MFE, P(target) ≤ exp(−(E(target) − MFE)/kT): the MFE fold gives a lower bound of both
probability objectives, and a candidate whose bound cannot beat the frontier is never given a
partition function (``pruned``).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from learna.alphabet import base_codes
from learna.folding import (DEFAULT_MODEL, FoldingModel, boltzmann_kt, ensemble_scores,
                            mfe_structures, mfe_with_target_energy)
from learna.search.turner import StructureSet, turner_model
from learna.structure import Target, hamming, pair_table


@dataclass(frozen=True, eq=False)
class Candidate:
    """An evaluated sequence."""

    sequence: str
    objective: float
    """The objective value, or its lower bound when ``complete`` is False."""
    folded: str
    """The MFE structure, as ViennaRNA's backtracking returns it (on a tie, one of the tied structures)."""
    mfe: float
    target_energy: float
    """Free energy of the sequence folded into the target."""
    distance: int
    """Hamming distance between ``folded`` and the target."""
    defect: np.ndarray
    """Per-site defect guiding where to mutate (positional defect, or MFE mismatch for mfe_distance)."""
    probability: float = math.nan
    """P(target) (NaN unless the partition function was computed)."""
    ensemble_defect: float = math.nan
    """Normalised ensemble defect (NaN unless the partition function was computed)."""
    complete: bool = True
    """False when the partition function was skipped (pruned, or a solution found with no need for it)."""
    constraint_distance: int = 0
    """d_C of the sequence: d_GC plus the occurrences of patterns to avoid (0 when unconstrained)."""
    rivals: tuple[str, ...] = ()
    """Distinct structures other than the target drawn from the candidate's Boltzmann ensemble, most often drawn
    first (``ensemble_rivals``; empty without a partition function)."""
    rival_draws: tuple[int, ...] = ()
    """How often each of ``rivals`` was drawn."""
    target_draws: int = 0
    """How often the target itself was drawn."""

    @property
    def solved(self) -> bool:
        """ViennaRNA's MFE structure is the target (the test of the final verification) and the GC content
        is within the tolerance."""
        return self.distance == 0 and self.constraint_distance == 0


def mismatch_defect(folded: np.ndarray, partners: np.ndarray, window: int) -> np.ndarray:
    """Per-site defect from the MFE structure alone: 1 where a site's partner differs from the target's,
    0.5 within ``window`` sites of a mismatch or of a partner (in either structure) of a mismatch."""
    mismatch = folded != partners
    if window <= 0 or not mismatch.any():
        return mismatch.astype(float)
    near = mismatch.copy()
    for table in (folded, partners):
        mates = table[mismatch]
        near[mates[mates >= 0]] = True
    near = np.convolve(near, np.ones(2 * window + 1), mode="same") > 0
    return np.where(mismatch, 1.0, np.where(near, 0.5, 0.0))


def _squash(x: float) -> float:
    """x / (1 + x): a non-negative score mapped into [0, 1) in the same order (a tie-break below one site)."""
    return x / (1.0 + x)


@dataclass(frozen=True)
class KnownEnergies:
    """A sequence's free energies in the target and in some known structures, before it is folded
    (:meth:`Evaluator.known_energies`)."""

    target_energy: float
    lowest: float
    """The lowest energy among the known structures the sequence can form (inf if none)."""
    log_z: float
    """ln Σ exp(−E(S)/kT) over those structures and the target: a lower bound of ln Z."""
    structures: tuple[str, ...]
    """The known structures (distinct, none of them the target)."""
    log_z_estimate: float = -math.inf
    """An estimate of ln Z from the parent's draws (:class:`BoundSet`), at least ``log_z``; −inf without one."""


@dataclass(frozen=True, eq=False)
class BoundSet:
    """The structures a parent's children are evaluated on before they are folded (:meth:`Evaluator.bound_set`),
    with what an estimate of a child's partition function needs (``estimate_screen``).

    The estimate is importance sampling with the parent's ensemble as the proposal: Z_child / Z_parent =
    E_parent[exp(−(E_child(S) − E_parent(S))/kT)], estimated over the structures kept (the most often drawn and
    the target) by Σ_S s_S exp(−(E_child(S) − E_parent(S))/kT), s_S the share of S among their draws (the draws
    of the structures not kept are assumed to change as theirs do), so ln Z_child ≈ logsumexp_S(a_S −
    E_child(S)/kT) with the offsets a_S = ln s_S + E_parent(S)/kT + ln Z_parent (docs/local_search.md,
    "Children screened by an estimate of their partition function")."""

    structures: StructureSet
    offsets: np.ndarray | None = None
    """a_S of each structure of the set (−inf for one not drawn, as the parent's MFE structure may be); None:
    no estimate."""
    target_offset: float = -math.inf
    """a_S of the target (−inf when the parent's draws did not hold it)."""


BOUND_MARGIN = 1e-6
"""How far the objective's bound must lie beyond the frontier's threshold to exclude a child (ViennaRNA returns
energies in single precision; P(target) from its partition function agrees with the bound's sum to about 1e-7)."""

SAMPLES_PER_RIVAL = 4
"""Structures drawn from a candidate's ensemble per rival it keeps (``ensemble_rivals``): the rivals are the
most often drawn, so the most probable alternatives rather than one draw each."""


class Evaluator:
    """Evaluates candidates for one target and objective; counts calls and time spent in ViennaRNA."""

    def __init__(self, target: Target, objective: str, model: FoldingModel = DEFAULT_MODEL,
                 clock: Callable[[], float] = time.perf_counter, window: int = 0,
                 distance_ties: str = "energy_gap", site_defect: str = "ensemble", near_distance: int = 4,
                 ensemble_rivals: int = 0, ensemble_weight: float = 1.0, bound_structures: int = 0,
                 estimate_screen: float = 0.0, gap_bound: bool = False) -> None:
        self.target = target
        self.ensemble_weight = ensemble_weight
        """β of ``log_probability`` (see the module docstring)."""
        self.objective = objective
        self.model = model
        self.kt = boltzmann_kt(model)
        self.partners = np.asarray(target.partners)
        self.evaluations = 0
        self.partition_functions = 0
        self.vienna_seconds = 0.0
        self.clock = clock
        self.window = window
        self.ensemble_rivals = ensemble_rivals if objective != "mfe_distance" else 0
        """How many rivals each candidate with a partition function keeps: the most often drawn of
        ``SAMPLES_PER_RIVAL`` × ``ensemble_rivals`` structures from its ensemble (none under ``mfe_distance``,
        whose informed moves see the MFE competitor alone)."""
        self.ensemble_ties = objective == "mfe_distance" and distance_ties == "probability"
        """Whether candidates at the same MFE distance are ordered by P(target) (``distance_ties``)."""
        bounded = objective == "probability" or (objective == "log_probability" and ensemble_weight == 1.0)
        self.bound_structures = bound_structures if bounded else 0
        """How many structures drawn from the ensemble of each candidate that enters the frontier bound the
        objective of its children before they are folded (``bound_structures``; 0 under objectives that
        :meth:`excluded` cannot bound)."""
        self.estimate_screen = estimate_screen if self.bound_structures else 0.0
        """A child whose P(target) estimated from its parent's draws is below this multiple of the frontier's
        entry probability, and that a drawn structure beats, is dropped unfolded (``estimate_screen``; 0: off)."""
        self.gap_bound = gap_bound and objective == "mfe_distance" and not self.ensemble_ties
        """Whether a child is first evaluated on its parent's MFE structure, and dropped unfolded when that shows
        it can neither solve nor enter the frontier (``gap_bound``; under the energy-gap order only)."""
        self.estimate_exclusions = 0
        """Children :meth:`excluded` by the estimate alone (the exact bound would have let them through)."""
        self._ties: dict[str, list[str]] = {}
        if site_defect == "ensemble" or objective == "ensemble_defect":
            self.ensemble_site_distance = len(target)
        elif site_defect == "near":
            self.ensemble_site_distance = near_distance
        else:
            self.ensemble_site_distance = -1
        """The largest MFE distance at which site defects come from the pair probabilities (a partition
        function with its outside recursions); beyond it from the MFE structure's mismatches (Z alone, no
        pair probabilities): ``site_defect`` ``mfe`` everywhere, ``near`` beyond ``near_distance``; the
        ensemble defect objective always needs them."""

    def lower_bound(self, gap: float, distance: int) -> float:
        """A lower bound of the objective from the MFE fold alone (exact value for ``mfe_distance``)."""
        n = len(self.target)
        if self.objective == "probability":
            return -math.expm1(-max(gap, 0.0) / self.kt)
        if self.objective == "log_probability":
            return max(gap, 0.0) / (self.kt * n)
        if self.objective == "mfe_distance":
            if self.ensemble_ties:
                return (distance + _squash(max(gap, 0.0) / self.kt)) / n
            return (distance + min(max(gap, 0.0), 999.0) / 1000.0) / n
        return 0.0

    def evaluate(self, sequence: str, threshold: float = math.inf, need_complete: bool = True,
                 known: KnownEnergies | None = None) -> Candidate:
        """Fold ``sequence``; compute the partition function unless the bound reaches ``threshold`` or the
        candidate solves the target and ``need_complete`` is False. With ``known`` energies of other structures
        (:meth:`known_energies`) the bound also counts their Boltzmann weights and the MFE structure's. Under a
        finite ``threshold`` (a full frontier) the pair probabilities that a site defect near the target needs
        (``site_defect``) are computed only for a candidate that beats it or solves: a candidate that does not
        enter the frontier is never a parent, and Z alone costs about half as much."""
        target = self.target.dot_bracket
        start = self.clock()
        structure, mfe, target_energy = mfe_with_target_energy(sequence, target, self.model)
        self.vienna_seconds += self.clock() - start
        self.evaluations += 1
        # Solved means ViennaRNA's MFE fold *is* the target, the same test as the final verification
        # (``fold_structure(sequence) == target``); a tie won by a rival structure is not a solution.
        constraint_distance = self.target.constraints.distance(sequence)
        solved = structure == target and constraint_distance == 0
        distance = hamming(structure, target)
        penalty = constraint_distance / len(target)
        bound = self.lower_bound(target_energy - mfe, distance) + penalty
        if known is not None and self.bound_structures and not solved:
            log_z = known.log_z
            if structure != target and structure not in known.structures:
                log_z = np.logaddexp(log_z, -mfe / self.kt)
            bound = max(bound, self._bound(log_z, target_energy, penalty))
        if self.objective == "mfe_distance" and not self.ensemble_ties:
            return Candidate(sequence, bound, structure, mfe, target_energy, distance, self._mismatches(structure),
                             constraint_distance=constraint_distance)
        if bound >= threshold or (solved and not need_complete):
            return Candidate(sequence, bound, structure, mfe, target_energy, distance, np.zeros(len(target)),
                             complete=False, constraint_distance=constraint_distance)
        start = self.clock()
        pair_probabilities = distance <= self.ensemble_site_distance
        # Under a threshold, Z comes first: the pair probabilities (the outside recursions, as costly again) only
        # for a candidate that enters the frontier or solves, the only ones whose site defect is used.
        later = (pair_probabilities and not math.isinf(threshold)
                 and self.objective in ("probability", "log_probability"))
        scores = ensemble_scores(sequence, self.partners, target, mfe, self.model,
                                 pair_probabilities=pair_probabilities and not later,
                                 samples=SAMPLES_PER_RIVAL * max(self.ensemble_rivals, self.bound_structures),
                                 sample_above=0.0 if self.ensemble_rivals else self._entry_probability(threshold,
                                                                                                       penalty))
        self.partition_functions += 1
        if later and (solved or self._value(scores.probability, scores.ensemble_energy, target_energy, mfe,
                                            math.nan) + penalty < threshold):
            defect = ensemble_scores(sequence, self.partners, target, mfe, self.model).positional_defect
            scores = replace(scores, positional_defect=defect)
        self.vienna_seconds += self.clock() - start
        site = scores.positional_defect
        if site is None:  # site_defect "mfe" (or "near", far from the target): Z alone
            ned, defect = math.nan, self._mismatches(structure)
        else:
            ned = float(site.mean())
            defect = np.maximum(self._mismatches(structure), site) if self.ensemble_ties else site
        if self.ensemble_ties:
            value = (distance + _squash(-math.log(max(scores.probability, 1e-300)))) / len(target) + penalty
        else:
            value = self._value(scores.probability, scores.ensemble_energy, target_energy, mfe, ned) + penalty
        return Candidate(sequence, value, structure, mfe, target_energy, distance, defect,
                         scores.probability, ned, constraint_distance=constraint_distance,
                         **self._distinct_rivals(scores.samples))

    def _distinct_rivals(self, samples: tuple[str, ...]) -> dict:
        """The ``ensemble_rivals`` (or ``bound_structures``, the larger) most often drawn of the distinct
        ``samples`` other than the target (ties: the first drawn first), how often each was drawn, and how often
        the target was: :class:`Candidate` fields."""
        target = self.target.dot_bracket
        counts = Counter(s for s in samples if s != target)
        kept = counts.most_common(max(self.ensemble_rivals, self.bound_structures))
        return {"rivals": tuple(s for s, _ in kept), "rival_draws": tuple(n for _, n in kept),
                "target_draws": len(samples) - sum(counts.values())}

    def _entry_probability(self, threshold: float, penalty: float) -> float:
        """The P(target) a candidate with constraint ``penalty`` must exceed for its objective to fall below
        ``threshold``, above which it draws the structures of ``bound_structures`` (``probability`` and
        ``log_probability`` with β = 1; 0 without the bound, so that ``ensemble_rivals`` draws for every
        candidate; 1, none, while the frontier is not full: no child is dropped then)."""
        if not self.bound_structures:
            return 0.0
        if math.isinf(threshold):
            return 1.0
        if self.objective == "probability":
            return 1.0 - threshold + penalty
        return math.exp(-len(self.target) * max(threshold - penalty, 0.0))

    def bound_set(self, candidate: Candidate, known: Sequence[str] = ()) -> BoundSet | None:
        """The structures that bound the objective of ``candidate``'s children (:meth:`excluded`): its
        ``bound_structures`` most often drawn rivals and its MFE structure, compiled together (with
        ``estimate_screen``, and the offsets of the estimate); with ``gap_bound``, its MFE structure and the
        ``known`` ones (the frontier's); None without them or outside ViennaRNA's default model."""
        turner = turner_model(self.model)
        if turner is not None and self.gap_bound:
            structures = list(dict.fromkeys(s for s in (candidate.folded, *known) if s != self.target.dot_bracket))
            return BoundSet(turner.structure_set(structures)) if structures else None
        if turner is None or not self.bound_structures or not candidate.rivals:
            return None
        structures = list(candidate.rivals[: self.bound_structures])
        draws = list(candidate.rival_draws[: len(structures)])
        if candidate.folded != self.target.dot_bracket and candidate.folded not in structures:
            structures.append(candidate.folded)
            draws.append(0)
        compiled = turner.structure_set(structures)
        if not self.estimate_screen or not candidate.probability > 0:  # also no estimate without P(target) (NaN)
            return BoundSet(compiled)
        total = sum(draws) + candidate.target_draws  # the estimate is normalised over the structures kept
        # ln Z of the parent from its P(target): P = exp(−E(target)/kT) / Z
        log_z = -candidate.target_energy / self.kt - math.log(candidate.probability)
        with np.errstate(divide="ignore"):  # a structure never drawn (the MFE structure appended): share 0
            shares = np.log(np.asarray(draws, dtype=float) / total)
        target_offset = math.log(candidate.target_draws / total) if candidate.target_draws else -math.inf
        energies = turner.set_energies(compiled, base_codes(candidate.sequence))
        offsets = np.where(np.isfinite(energies), shares + energies / self.kt + log_z, -np.inf)
        return BoundSet(compiled, offsets, target_offset + candidate.target_energy / self.kt + log_z)

    def known_energies(self, sequence: str, bound: BoundSet) -> KnownEnergies | None:
        """``sequence``'s free energies in the target and in the structures of ``bound`` from the Turner tables,
        before it is folded, and with the set's offsets the estimate of ln Z (None when it cannot form the
        target)."""
        turner = turner_model(self.model)
        codes = base_codes(sequence)
        target_energy = turner.energies(self.target.dot_bracket, codes[None, :])
        if target_energy is None:
            return None
        energies = turner.set_energies(bound.structures, codes)
        finite = np.isfinite(energies)
        formed = energies[finite]
        target_energy, lowest = float(target_energy[0]), float(formed.min(initial=math.inf))
        shift = min(lowest, target_energy)  # ln Σ exp(−E/kT), computed from the lowest energy
        log_z = -shift / self.kt + math.log(np.exp(-(formed - shift) / self.kt).sum()
                                            + math.exp(-(target_energy - shift) / self.kt))
        estimate = -math.inf
        if bound.offsets is not None:
            terms = np.append(bound.offsets[finite] - formed / self.kt, bound.target_offset - target_energy / self.kt)
            estimate = max(float(np.logaddexp.reduce(terms)), log_z)
        return KnownEnergies(target_energy, lowest, log_z, bound.structures.structures, estimate)

    def _bound(self, log_z: float, target_energy: float, penalty: float) -> float:
        """The objective's lower bound from a lower bound ``log_z`` of ln Z (P(target) ≤ exp(−E(target)/kT) / Z)."""
        log_p = min(-target_energy / self.kt - log_z, 0.0)
        if self.objective == "probability":
            return -math.expm1(log_p) + penalty
        return -log_p / len(self.target) + penalty

    def excluded(self, sequence: str, known: KnownEnergies, threshold: float) -> bool:
        """Whether ``sequence``, unfolded, can neither enter a frontier of this ``threshold`` nor solve the
        target, by its ``known`` energies: every structure is one of the ensemble's, so Z ≥ Σ_S exp(−E(S)/kT)
        over distinct structures S, here the known ones and the target, which bounds P(target) from above and
        the objective from below; and a structure with an energy below the target's makes the target no MFE
        structure (docs/local_search.md, "Children that cannot enter the frontier").
        With ``estimate_screen``, a child that cannot solve is also excluded when its P(target) estimated from the
        parent's draws (:class:`BoundSet`) falls below that multiple of the frontier's entry probability: not a
        bound, so such a child might have entered.
        With ``gap_bound`` (the energy-gap order of ``mfe_distance``): a child whose energy in a known structure
        lies below its energy in the target does not solve, so its MFE structure differs from the target at two
        sites at least (one changed character unbalances a dot-bracket), and its gap is at least that difference
        (the MFE lies at or below every structure's energy); it is excluded when that distance and gap cannot
        beat the frontier's threshold. Exact in floating point too: the Turner tables give the energies ViennaRNA
        gives (single precision), so the gap bound is the child's own gap when its MFE structure is that one, and
        below it otherwise."""
        if not known.lowest < known.target_energy:
            return False
        penalty = self.target.constraints.distance(sequence) / len(self.target)
        if self.gap_bound:
            return self.lower_bound(known.target_energy - known.lowest, 2) + penalty >= threshold
        if self._bound(known.log_z, known.target_energy, penalty) >= threshold + BOUND_MARGIN:
            return True
        if not self.estimate_screen or math.isinf(known.log_z_estimate):
            return False
        entry = self.estimate_screen * self._entry_probability(threshold, penalty)
        if not 0.0 < entry < 1.0:
            return False
        dropped = -known.target_energy / self.kt - known.log_z_estimate < math.log(entry)
        self.estimate_exclusions += dropped
        return dropped

    def _mismatches(self, structure: str) -> np.ndarray:
        """The site defect of a candidate whose MFE structure (or tied rival) is ``structure``
        (:func:`mismatch_defect` within the evaluator's window)."""
        return mismatch_defect(np.asarray(pair_table(structure)), self.partners, self.window)

    def is_unique(self, candidate: Candidate) -> bool:
        """Whether the target is the only MFE structure of a solved candidate (all MFE structures are
        enumerated; cached per sequence)."""
        if not candidate.solved:
            return False
        if candidate.sequence not in self._ties:
            start = self.clock()
            self._ties[candidate.sequence] = mfe_structures(candidate.sequence, self.model)
            self.vienna_seconds += self.clock() - start
        return len(self._ties[candidate.sequence]) == 1

    def ties(self, candidate: Candidate) -> list[str]:
        """The other MFE structures of a solution already checked by :meth:`is_unique` (else empty)."""
        target = self.target.dot_bracket
        return [s for s in self._ties.get(candidate.sequence, ()) if s != target]

    def rank_tie(self, candidate: Candidate) -> Candidate:
        """A solution tied with other MFE structures (after :meth:`is_unique`), re-scored to climb towards a
        unique MFE: its defect marks the sites where the tied rivals differ from the target, and with
        ``mfe_distance`` its objective becomes (1 − P(target)) / (2n), below that of any candidate that
        is not a solution (one partition function, unless the candidate already has P(target))."""
        target = self.target.dot_bracket
        rivals = [s for s in self._ties.get(candidate.sequence, ()) if s != target]
        if not rivals:
            return candidate
        defect = np.max([self._mismatches(r) for r in rivals], axis=0)
        if self.objective != "mfe_distance":
            return replace(candidate, defect=np.maximum(defect, candidate.defect))
        probability, ensemble_defect = candidate.probability, candidate.ensemble_defect
        if math.isnan(probability):  # the energy-gap order computed no partition function
            start = self.clock()
            scores = ensemble_scores(candidate.sequence, self.partners, target, candidate.mfe, self.model)
            self.vienna_seconds += self.clock() - start
            self.partition_functions += 1
            probability, ensemble_defect = scores.probability, float(scores.positional_defect.mean())
        objective = (1.0 - probability) / (2 * len(target))
        return replace(candidate, objective=objective, defect=defect, probability=probability,
                       ensemble_defect=ensemble_defect)

    def competitor(self, candidate: Candidate) -> str | None:
        """The structure to design against: the MFE structure when it is not the target, else a tied rival
        found by :meth:`is_unique`, else None."""
        target = self.target.dot_bracket
        if candidate.folded != target:
            return candidate.folded
        return next((s for s in self._ties.get(candidate.sequence, ()) if s != target), None)

    def _value(self, probability: float, ensemble_energy: float, target_energy: float, mfe: float,
               ned: float) -> float:
        if self.objective == "probability":
            return 1.0 - probability
        if self.objective == "log_probability":  # (E(target) − G) − (1 − β)(MFE − G) = gap + β (MFE − G)
            spread = max(mfe - ensemble_energy, 0.0)
            value = target_energy - ensemble_energy - (1.0 - self.ensemble_weight) * spread
            return max(value, 0.0) / (self.kt * len(self.target))
        return ned
