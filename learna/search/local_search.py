"""Ensemble-guided local search (SAMFEO-like), with energy-informed moves and decomposition.

Each step draws a parent from the frontier of the k best candidates (softmax over objectives), picks
sites ∝ exp(defect_i / T) and re-draws their structural units (:mod:`learna.search.moves`); an informed
move scores every variant of the unit by free energies against the parent's competing MFE structure and
draws one (:mod:`learna.search.informed`) before anything is folded. The child is folded (MFE always,
the partition function only for ensemble objectives and only when the child can enter the frontier).
Long targets are decomposed first (:mod:`learna.search.decompose`), and with ``restart_parts`` again at
every restart. The search stops the moment the MFE structure ViennaRNA returns for a candidate is the
target (and is the only MFE structure, with ``require_unique``), when the budget is spent, or when no
unseen child can be drawn; :func:`polish` instead goes on past every unique solution, by P(target), until
its budget is spent. Every random draw comes from ``rng``: for a fixed seed the sequence of
candidates does not depend on the clock, only where the search stops does.

Design constraints of the target (:mod:`learna.constraints`): every candidate follows the sequence
constraint (starts and moves draw only allowed values; given initial sequences must follow it), and a GC
target enters the objective and the solved test (:mod:`learna.search.objectives`); starting sequences are
moved towards the GC window first. A decomposed target's parts carry their slice of the sequence
constraint but no GC target: the search of the whole target settles the GC content.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import asdict, dataclass, replace
from typing import Callable, MutableSequence

import numpy as np

from learna.errors import LearnaError
from learna.folding import DEFAULT_MODEL, FoldingModel, fold, seed_sampling
from learna.search.config import SearchConfig
from learna.search.decompose import Part, assemble, enclosing_part, enclosing_span, split_points
from learna.search.frontier import Frontier
from learna.search.informed import InformedProposer, Rival
from learna.search.moves import MoveSet, Prior, site_weights
from learna.search.objectives import BoundSet, Candidate, Evaluator, KnownEnergies
from learna.search.repair import Repair, shipped_repair_policy
from learna.patterns import hits
from learna.structure import Target, hamming, pair_table

KICK_FLOOR = 0.05
"""Site weight of a kick (``kick_probability``) where the best candidate has no defect: a kick lands mostly
at and next to the misfolded sites, now and then elsewhere."""


def luby(k: int) -> int:
    """The k-th term (k ≥ 1) of Luby's restart sequence 1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8, …: the
    universal strategy for restarting a randomised search whose run times are unknown (Luby, Sinclair and
    Zuckerman, 1993)."""
    if k < 1:
        raise ValueError(f"the Luby sequence starts at k = 1, got {k}")
    while True:
        m = k.bit_length()  # 2^(m-1) <= k <= 2^m - 1
        if k == (1 << m) - 1:
            return 1 << (m - 1)
        k -= (1 << (m - 1)) - 1

_SAMPLED_CACHE = 4096
"""Rivals drawn from ensembles kept ready for scoring before the cache is emptied."""

BOUND_SAMPLING_SEED = 1
"""ViennaRNA's random seed for the structures of ``bound_structures`` when ``ensemble_rivals`` draws none (a
fixed one, so that the search's own random numbers are those of a search without the bound)."""

_EXCLUDED_IN_A_ROW = 200
"""Children dropped unfolded in a row (``bound_structures``) after which the next one is folded anyway."""

_PARENT_FAILURES = 20
"""Parents in a row without an unseen child after which the search gives up (space exhausted)."""


@dataclass(frozen=True)
class SearchResult:
    """Outcome of one local search."""

    sequence: str
    """The solution, or the best candidate (lowest objective) when unsolved."""
    folded: str
    """MFE structure of ``sequence`` as ViennaRNA returns it (what ``folding.fold`` gives)."""
    distance: int
    """Hamming distance between ``folded`` and the target."""
    solved: bool
    """``folded`` is the target (on an energy tie, the structure ViennaRNA returns decides) and the GC
    content is within the tolerance."""
    unique_mfe: bool | None
    """For a solution: whether the target is the only MFE structure (False: tied); None when unsolved."""
    objective: float
    """Objective of ``sequence`` (NaN for a solution found without its partition function)."""
    probability: float
    """P(target) of ``sequence`` when computed, else NaN."""
    evaluations: int
    """Candidates folded (each one MFE fold)."""
    partition_functions: int
    """Candidates that also got a partition function."""
    steps: int
    """Mutation steps taken (initial candidates excluded)."""
    restarts: int
    time_s: float
    vienna_time_s: float
    """Time spent inside ViennaRNA calls."""
    constraint_distance: int = 0
    """d_C of ``sequence``: d_GC plus the occurrences of patterns to avoid (0 when unconstrained)."""
    excluded: int = 0
    """Children dropped without a fold because they could neither enter the frontier nor solve the target
    (``bound_structures``)."""
    followed: int = 0
    """Repaired children folded after a child that opened a new rival (``follow_up_moves``)."""
    time_to_solve_s: float | None = None
    """When the first solution (ties allowed) was evaluated, in the search's clock from its start; None if
    none was found."""
    time_to_unique_s: float | None = None
    """When the first solution whose target is the unique MFE structure was evaluated (None if none was
    found; without ``require_unique`` only the solution the search stopped at is checked)."""
    first_solution: str | None = None
    """The first solution found (possibly tied; it is ``sequence`` unless the search went on for a unique
    one)."""
    folds_to_solve: int | None = None
    """Candidates folded (of the whole target) until the first solution; None if none was found."""

    def to_dict(self) -> dict:
        """JSON-ready representation."""
        return asdict(self)


class _Budget:
    """The budget of one :func:`local_search` call, shared by the searches of its parts."""

    def __init__(self, clock: Callable[[], float], time_limit: float | None, max_evaluations: int | None) -> None:
        self.clock = clock
        self.start = clock()
        self.deadline = math.inf if time_limit is None else self.start + time_limit
        self.max_evaluations = math.inf if max_evaluations is None else max_evaluations
        self.evaluations = 0

    def spent(self) -> bool:
        return self.evaluations >= self.max_evaluations or self.clock() >= self.deadline


class _Search:
    """State of the search of one (sub)target; :func:`local_search` is the public entry point."""

    def __init__(self, target: Target, config: SearchConfig, rng: np.random.Generator, model: FoldingModel,
                 moves: MoveSet, budget: _Budget, stage_limit: int | None,
                 on_evaluation: Callable[[Candidate], bool | None] | None,
                 proposal: tuple[Prior | None, float] = (None, 0.0), repair: Repair | None = None) -> None:
        self.target, self.config, self.rng, self.model, self.moves = target, config, rng, model, moves
        self.base_config, self.proposal, self.repair = config, proposal, repair
        self.traced: Candidate | None = None
        """The parent of the child just drawn when an informed move drew it (its moves are in the proposer's
        trace), else None."""
        self.accept: Callable[[str], float] | None = None
        """For a focused substructure search: the margin of a solution in its whole target (a solution with
        margin ≤ 0 is ranked by it instead of ending the search)."""
        self.focus_counts = [0, 0, 0.0]
        """Folds, partition functions and ViennaRNA seconds of the focused substructure searches."""
        self.retired_seconds = 0.0
        """ViennaRNA time of the proposers of earlier portfolio searches."""
        self.clock = budget.clock
        self.evaluator = Evaluator(target, config.objective, model, self.clock, config.defect_window,
                                   config.distance_ties, config.site_defect, config.near_distance,
                                   config.ensemble_rivals, config.ensemble_weight, config.bound_structures,
                                   config.estimate_screen, config.gap_bound)
        self.proposer = InformedProposer(target, moves, config, model, self.clock, repair)
        self.frontier: Frontier[Candidate] = Frontier(config.frontier_size)
        self.start_time = self.clock()
        self.budget, self.stage_limit = budget, stage_limit
        self.on_evaluation = on_evaluation
        self.best: Candidate | None = None
        self.solution: Candidate | None = None
        self.tied: Candidate | None = None
        """With ``require_unique``: the first solution found, tied with a rival (returned if no unique one is)."""
        self.first_solution: tuple[str, float, int] | None = None
        self.unique_time: float | None = None
        self.steps = self.restarts = self.last_improvement = self.run_start = 0
        self.run_best = math.inf
        """The objective a candidate must beat to restart the stagnation count: the best of the current run
        with ``run_stagnation`` (reset at every restart), else the best of the whole search."""
        decomposed = config.max_part and len(target) > config.max_part
        self.luby_base = 0 if decomposed else config.restart_base
        """Steps of a run before a Luby restart (``restart_base``; 0: none, as for a decomposed target)."""
        self.pool: deque[Rival] = deque(maxlen=max(config.rival_pool, 1))
        self.proposer.pool = self.pool if config.rival_pool else []
        self._sampled: dict[str, Rival] = {}
        """Rivals drawn from candidates' ensembles (``ensemble_rivals``), by structure."""
        self.screened = 0
        """Children changed by the rival-guided repair before they were folded (``screen_attempts``)."""
        self.followed = 0
        """Repaired children folded after a child that opened a new rival (``follow_up_moves``)."""
        self.follows_up = bool(config.follow_up_moves) and config.ensemble_objective
        """Whether children that open a new rival are followed up: in searches by an ensemble objective only."""
        self.parent: Candidate | None = None
        """The parent of the child just drawn."""
        self.excluded = self.excluded_in_a_row = 0
        """Children dropped unfolded by the bound of ``bound_structures`` (in all, and since the last fold)."""
        self._bound_sets: dict[str, BoundSet | None] = {}
        self.part_screen = bool(config.part_screen and decomposed)
        """Whether children are screened by a fold of their changed substructure (``part_screen``)."""
        self.part_folds = [0, 0, 0.0]
        """Substructure folds of the part screen, children it dropped, and their ViennaRNA seconds."""
        self._part_distances: dict[tuple[str, Part], int] = {}
        self.fresh_starts: Callable[[], list[str]] | None = None
        """Starts of a restart in place of the rule-based ones (a decomposed target's, ``restart_parts``)."""
        self.keep_searching = False
        """Go on past every unique-MFE solution until the budget is spent, keeping the best one by objective
        (:func:`polish`); by default the first one ends the search."""

    def remember(self, structure: str) -> None:
        """Add a rival structure to the pool (``rival_pool``), the oldest one leaving when it is full."""
        if self.config.rival_pool:
            self.with_rival(self.pool, structure)

    def with_rival(self, rivals: MutableSequence[Rival], structure: str | None) -> MutableSequence[Rival]:
        """``rivals`` with ``structure`` added at the end, unless it is None, the target or one of them already
        (the rivals a repair or a focused search must beat)."""
        if structure and structure != self.target.dot_bracket and all(r.structure != structure for r in rivals):
            rivals.append(Rival(structure, self.evaluator.partners))
        return rivals

    def budget_left(self) -> bool:
        if self.solution is not None and not self.keep_searching:
            return False
        if self.evaluator.evaluations == 0:
            return True
        # a child dropped unfolded by a bound counts as the fold it saved: a part's search stays as it was
        if self.stage_limit is not None and self.evaluator.evaluations + self.excluded >= self.stage_limit:
            return False
        return not self.budget.spent()

    def consider(self, sequence: str, known: KnownEnergies | None = None) -> Candidate:
        """Evaluate an unseen sequence and update frontier, best and solution; the evaluated candidate."""
        self.frontier.seen.add(sequence)
        self.budget.evaluations += 1
        threshold = self.frontier.threshold if self.config.prune else math.inf
        candidate = self.evaluator.evaluate(sequence, threshold, need_complete=self.config.require_unique,
                                            known=known)
        if self.on_evaluation is not None and self.on_evaluation(candidate) is False and candidate.solved:
            return candidate  # a solution the caller does not want (too close to a design it has): discarded
        if candidate.solved and self.accept is not None:
            margin = self.accept(sequence)
            if margin <= 0:  # solves the substructure but loses to a rival of the whole target
                candidate = replace(candidate, objective=(min(-margin, 998.0) + 1.0) / (1000.0 * len(self.target)))
                self.note_best(candidate)
                self.frontier.offer(candidate)
                return candidate
        if candidate.solved:
            now = self.clock() - self.budget.start
            if self.first_solution is None:
                self.first_solution = (candidate.sequence, now, self.evaluator.evaluations)
            if not self.config.require_unique:
                self.solution = candidate
                return candidate
            if self.evaluator.is_unique(candidate):
                if self.unique_time is None:
                    self.unique_time = now
                if self.solution is None or (candidate.complete and candidate.objective < self.solution.objective):
                    self.solution = candidate
                if not self.keep_searching:
                    return candidate
            else:
                for structure in self.evaluator.ties(candidate):
                    self.remember(structure)
                if self.config.rank_ties:
                    candidate = self.evaluator.rank_tie(candidate)
                if self.tied is None or candidate.objective < self.tied.objective:
                    self.tied = candidate
        else:
            self.remember(candidate.folded)
        if candidate.complete:
            self.note_best(candidate)
        self.frontier.offer(candidate)
        return candidate

    def note_best(self, candidate: Candidate) -> None:
        """Keep ``candidate`` as the best so far if it is, and restart the stagnation count if it is a new best
        of the current run (``run_stagnation``) or of the whole search (by default)."""
        if self.best is None or candidate.objective < self.best.objective:
            self.best = candidate
        if candidate.objective < self.run_best:
            self.run_best, self.last_improvement = candidate.objective, self.steps

    def seed(self, sequences: list[str]) -> None:
        """Evaluate starting sequences (already seen ones are skipped)."""
        for sequence in sequences:
            if not self.budget_left():
                return
            if sequence not in self.frontier.seen:
                self.consider(sequence)

    @property
    def start_count(self) -> int:
        """How many starting sequences a (re)start evaluates: ``num_starts``, capped at ``frontier_size``."""
        return min(self.config.num_starts, self.config.frontier_size)

    def rule_based_starts(self) -> list[str]:
        return [self.moves.initial(self.rng) for _ in range(self.start_count)]

    def kicked_starts(self, best: Candidate) -> list[str]:
        """Starts for a restart of the iterated local search (``kick_probability``): ``best`` with
        ``kick_sites`` random structured moves at sites drawn ∝ its defect plus ``KICK_FLOOR``."""
        weights = np.asarray(best.defect, dtype=float) + KICK_FLOOR
        return [self.moves.toward_constraints(self.moves.mutate(best.sequence, weights, self.rng,
                                                                count=self.config.kick_sites), self.rng)
                for _ in range(self.start_count)]

    def draw_child(self) -> str | None:
        """An unseen child of a frontier member, or None when none could be drawn.

        Informed moves are tried with probability ``informed_probability``; random structured moves
        otherwise and as the fallback, with uniform site weights after half the parents failed."""
        seen, target = self.frontier.seen, self.target.dot_bracket
        config = self.config
        self.traced = None
        for attempt in range(_PARENT_FAILURES):
            parent = self.parent = self.frontier.sample(self.rng, self.config.parent_temperature)
            if (config.focus_probability and len(target) >= config.focus_min_length
                    and 0 < parent.distance <= config.focus_distance and self.rng.random() < config.focus_probability):
                child = self.focus(parent)
                if child is not None and self.fits(child, parent):
                    return child
            if (config.crossover_probability and len(self.frontier) > 1
                    and self.rng.random() < config.crossover_probability):
                child = self.crossover(parent)
                if child is not None and child not in seen and self.fits(child, parent):
                    return child
            if self.rng.random() < self.config.informed_probability:
                if self.evaluator.ensemble_rivals:
                    self.proposer.pool = self.parent_rivals(parent)
                competitor = self.evaluator.competitor(parent)
                child = self.proposer.propose(parent.sequence, parent.defect, competitor, seen, self.rng)
                if child is not None:
                    child = self.screen(parent, competitor, child)
                    if self.fits(child, parent):
                        self.traced = parent
                        return child
            flat = attempt >= _PARENT_FAILURES // 2
            weights = np.ones(len(target)) if flat else site_weights(parent.defect, self.config)
            for _ in range(self.config.max_redraws):
                child = self.moves.mutate(parent.sequence, weights, self.rng)
                if child not in seen and self.fits(child, parent):
                    return child
        return None

    def crossover(self, parent: Candidate) -> str | None:
        """A child of ``parent`` and another frontier member, the donor, drawn as parents are
        (:meth:`MoveSet.crossover`, at a site drawn by ``parent``'s defect); None when three draws gave
        ``parent`` itself."""
        for _ in range(3):
            donor = self.frontier.sample(self.rng, self.config.parent_temperature)
            if donor.sequence != parent.sequence:
                return self.moves.crossover(parent.sequence, donor.sequence, site_weights(parent.defect, self.config),
                                            self.rng)
        return None

    def parent_rivals(self, parent: Candidate) -> list[Rival]:
        """The rivals an informed move on ``parent`` is scored against besides its competitor: the rival pool
        (``rival_pool``) and the structures drawn from ``parent``'s ensemble (``ensemble_rivals``)."""
        if len(self._sampled) > _SAMPLED_CACHE:
            self._sampled.clear()
        drawn = parent.rivals[: self.evaluator.ensemble_rivals]
        for structure in drawn:
            if structure not in self._sampled:
                self._sampled[structure] = Rival(structure, self.evaluator.partners)
        own = [self._sampled[s] for s in drawn]
        return (list(self.pool) + own) if self.config.rival_pool else own

    def fits(self, child: str, parent: Candidate) -> bool:
        """Whether ``child`` holds no more occurrences of patterns to avoid than its parent (the search never
        proposes a new one: its starts hold none where the constraints allow, :meth:`MoveSet.without_patterns`)
        and, with ``part_screen``, passes :meth:`part_holds`. A child that does not fit counts as seen."""
        avoid = self.target.constraints.avoid
        no_new_pattern = not avoid or len(hits(child, avoid)) <= len(hits(parent.sequence, avoid))
        if no_new_pattern and self.part_holds(child, parent):
            return True
        self.frontier.seen.add(child)
        return False

    def part_distance(self, sequence: str, part: Part) -> int:
        """Distance between the MFE structure of ``part``'s slice of ``sequence`` folded alone and its target
        (cached)."""
        key = (part.cut(sequence), part)
        if key not in self._part_distances:
            start = self.clock()
            structure = fold(key[0], self.model)[0]
            self.part_folds[2] += self.clock() - start
            self.part_folds[0] += 1
            self._part_distances[key] = hamming(structure, part.cut(self.target.dot_bracket))
        return self._part_distances[key]

    def part_holds(self, child: str, parent: Candidate) -> bool:
        """With ``part_screen``: False when, for some site where ``child`` differs from its parent, the
        smallest target substructure holding it (``min_part`` to ``max_part`` sites) folds alone further from
        its target than the parent's; True otherwise (always for sites without such a substructure)."""
        if not self.part_screen:
            return True
        partners, config = self.target.partners, self.config
        parts = {enclosing_span(partners, k, k, config.min_part, config.max_part)
                 for k, (a, b) in enumerate(zip(child, parent.sequence)) if a != b}
        parts.discard(None)
        for part in sorted(parts, key=len):
            if self.part_distance(child, part) > self.part_distance(parent.sequence, part):
                self.part_folds[1] += 1
                return False
        return True

    def focus_region(self, parent: Candidate) -> Part | None:
        """The smallest substructure around a random mismatched site of ``parent`` that both the target and
        the parent's MFE structure close (:func:`enclosing_part`), of ``min_part`` to ``max_part`` sites (half
        the target without decomposition); None if there is none."""
        folded = pair_table(parent.folded)
        mismatched = [k for k, (a, b) in enumerate(zip(folded, self.target.partners)) if a != b]
        if not mismatched:
            return None
        site = mismatched[int(self.rng.integers(len(mismatched)))]
        return enclosing_part(self.target.partners, folded, site, self.config.min_part,
                              self.config.max_part or len(folded) // 2)

    def focus(self, parent: Candidate) -> str | None:
        """A child of ``parent`` whose substructure around a mismatch (:meth:`focus_region`) was re-designed by
        a search of its own, solutions of which must beat the whole target's known rivals; None if no region
        or no unseen child came of it."""
        region = self.focus_region(parent)
        if region is None:
            return None
        target = self.target
        sub_target = Target(region.cut(target.dot_bracket), id=f"{target.id}[{region.start}:{region.end}]",
                            constraints=target.constraints.part(region.start, region.end))
        sub_config = replace(self.base_config, max_part=0, require_unique=False, rank_ties=False, portfolio=1,
                             focus_probability=0.0)
        prior, mix = self.proposal
        sub_prior = Prior(region.cut(prior.unpaired_probs), region.cut(prior.pair_probs)) if prior else None
        sub_moves = MoveSet(sub_target, sub_config, sub_prior, mix)
        rivals = self.with_rival(list(self.pool), parent.folded)

        def accept(part_sequence: str) -> float:
            return self.proposer.margin(assemble(parent.sequence, [region], [part_sequence]), rivals)[0]

        search = _Search(sub_target, sub_config, self.rng, self.model, sub_moves, self.budget,
                         self.config.focus_evaluations, None, (sub_prior, mix), self.repair)
        search.accept = accept
        search.seed([region.cut(parent.sequence)])
        search.run()
        counts = self.focus_counts
        counts[0] += search.evaluator.evaluations
        counts[1] += search.evaluator.partition_functions
        counts[2] += search.evaluator.vienna_seconds + search.proposer.vienna_seconds
        chosen = search.solution or search.best
        if chosen is None:
            return None
        child = assemble(parent.sequence, [region], [chosen.sequence])
        return None if child in self.frontier.seen else child

    def screen(self, parent: Candidate, competitor: str | None, child: str) -> str:
        """With ``screen_attempts``, near a solution: ``child`` repaired by up to ``screen_attempts`` informed
        moves against the known rivals (:meth:`InformedProposer.repair`) so that it beats them all before it
        is folded, if that can be done."""
        config = self.config
        if (not config.screen_attempts or parent.distance > config.screen_distance
                or len(self.target) < config.screen_min_length):
            return child
        rivals = self.with_rival(list(self.pool), competitor)
        if not rivals:
            return child
        repaired = self.proposer.repair(child, rivals, config.screen_attempts, self.frontier.seen, self.rng)
        self.screened += repaired != child
        return repaired

    def run(self) -> None:
        while self.budget_left():
            if (not self.frontier.members or self.steps - self.last_improvement >= self.config.stagnation_steps
                    or self.luby_base and self.steps - self.run_start >= self.luby_base * luby(self.restarts + 1)):
                if not self.restart():
                    return
                continue
            child = self.draw_child()
            if child is None:
                return
            self.steps += 1
            known = self.known_energies(child)
            if known is not None and self.drops(child, known):
                continue
            candidate = self.consider(child, known)
            if self.traced is not None and self.repair is not None and self.repair.log is not None:
                parent = self.traced
                self.repair.log.add(self.proposer.trace, candidate.solved or (
                    candidate.complete and candidate.objective < parent.objective))
            if self.follows_up and self.parent is not None:  # after the log: its repair moves add to the trace
                self.follow_up(candidate, self.parent)

    def follow_up(self, child: Candidate, parent: Candidate) -> Candidate | None:
        """With ``follow_up_moves``, from a parent within ``follow_up_distance`` of the target: when ``child``
        made the target more stable than ``parent`` but folds into a new structure further from the target,
        fold it once more, repaired against that structure and the parent's competitor
        (:meth:`InformedProposer.repair`), if the repair changed it; the repaired candidate, or None."""
        if (parent.distance > self.config.follow_up_distance or child.solved
                or child.target_energy >= parent.target_energy or child.distance <= parent.distance
                or not self.budget_left()):
            return None
        rivals = self.with_rival(self.with_rival([], child.folded), self.evaluator.competitor(parent))
        repaired = self.proposer.repair(child.sequence, rivals, self.config.follow_up_moves, self.frontier.seen,
                                        self.rng)
        if repaired == child.sequence or repaired in self.frontier.seen or not self.fits(repaired, parent):
            return None
        self.followed += 1
        return self.consider(repaired)

    def known_energies(self, child: str) -> KnownEnergies | None:
        """With ``bound_structures`` and a full frontier: ``child``'s energies in the structures drawn from its
        parent's ensemble; with ``gap_bound``, in its parent's MFE structure and the frontier members'
        (:meth:`Evaluator.known_energies`; the parent's set is compiled at its first draw); None otherwise."""
        parent = self.parent
        bounded = self.evaluator.bound_structures or self.evaluator.gap_bound
        if not bounded or parent is None or not self.config.prune or math.isinf(self.frontier.threshold):
            return None
        if parent.sequence not in self._bound_sets:
            if len(self._bound_sets) >= 4 * self.config.frontier_size:
                self._bound_sets.clear()
            self._bound_sets[parent.sequence] = self.evaluator.bound_set(
                parent, [member.folded for member in self.frontier.members] if self.evaluator.gap_bound else ())
        structures = self._bound_sets[parent.sequence]
        return None if structures is None else self.evaluator.known_energies(child, structures)

    def drops(self, child: str, known: KnownEnergies) -> bool:
        """Whether ``child`` is dropped unfolded because its ``known`` energies show that it can neither enter
        the frontier nor solve the target (:meth:`Evaluator.excluded`); it then counts as seen. After
        ``_EXCLUDED_IN_A_ROW`` such children in a row the next one is folded anyway, so that a search limited by
        evaluations always spends them."""
        if (self.excluded_in_a_row >= _EXCLUDED_IN_A_ROW
                or not self.evaluator.excluded(child, known, self.frontier.threshold)):
            self.excluded_in_a_row = 0
            return False
        self.frontier.seen.add(child)
        self.excluded += 1
        self.excluded_in_a_row += 1
        return True

    def restart(self) -> bool:
        """Fresh rule-based starts (or, with ``kick_probability``, the best so far shaken); the best so far and
        the seen set are kept. False if nothing to go on.
        With a portfolio, the next search of it takes over (its moves and starts)."""
        self.frontier.clear()
        self.restarts += 1
        if self.base_config.portfolio > 1:
            self.config = self.base_config.variant(self.restarts)
            self.moves = MoveSet(self.target, self.config, *self.proposal)
            pool = self.proposer.pool
            self.retired_seconds += self.proposer.vienna_seconds
            self.proposer = InformedProposer(self.target, self.moves, self.config, self.model, self.clock, self.repair)
            self.proposer.pool = pool
        self.last_improvement = self.run_start = self.steps
        if self.config.run_stagnation:
            self.run_best = math.inf
        before = self.evaluator.evaluations
        kick = (self.best is not None and self.config.kick_probability > 0
                and self.rng.random() < self.config.kick_probability)
        self.seed(self.kicked_starts(self.best) if kick else (self.fresh_starts or self.rule_based_starts)())
        if self.evaluator.evaluations == before and not self.frontier.members and self.best is not None:
            self.frontier.offer(self.best)
        return bool(self.frontier.members)

    def result(self) -> SearchResult:
        chosen = self.solution or self.tied or self.best
        if chosen is None:
            raise LearnaError("the search ended before evaluating any candidate: give it a larger budget")
        unique = self.evaluator.is_unique(chosen) if chosen.solved else None
        first_sequence, first_time, first_folds = self.first_solution or (None, None, None)
        unique_time = self.unique_time if self.unique_time is not None else first_time if unique else None
        return SearchResult(
            sequence=chosen.sequence, folded=chosen.folded, distance=chosen.distance, solved=chosen.solved,
            unique_mfe=unique, objective=chosen.objective if chosen.complete else math.nan,
            probability=chosen.probability, evaluations=self.evaluator.evaluations + self.focus_counts[0],
            partition_functions=self.evaluator.partition_functions + self.focus_counts[1], steps=self.steps,
            restarts=self.restarts,
            time_s=self.clock() - self.start_time,
            vienna_time_s=(self.evaluator.vienna_seconds + self.proposer.vienna_seconds + self.retired_seconds
                           + self.focus_counts[2] + self.part_folds[2]),
            constraint_distance=chosen.constraint_distance, excluded=self.excluded, followed=self.followed,
            time_to_solve_s=first_time, time_to_unique_s=unique_time, first_solution=first_sequence,
            folds_to_solve=first_folds)


def _check_sequences(sequences: list[str], target: Target) -> None:
    for sequence in sequences:
        if len(sequence) != len(target) or set(sequence) - set("ACGU"):
            raise LearnaError(f"an initial sequence must be {len(target)} characters from ACGU, "
                              f"got {sequence[:40]!r}{'…' if len(sequence) > 40 else ''}")
        violations = target.constraints.violations(sequence)
        if violations:
            raise LearnaError(f"an initial sequence breaks the sequence constraint at position {violations[0] + 1}")


def _design(target: Target, config: SearchConfig, rng: np.random.Generator, model: FoldingModel,
            initial: list[str] | None, proposal: tuple[Prior | None, float], budget: _Budget,
            stage_limit: int | None, on_evaluation: Callable[[Candidate], bool | None] | None,
            repair: Repair | None) -> SearchResult:
    """Search ``target`` (after its parts, when it is decomposed) within the shared ``budget``; at most
    ``stage_limit`` evaluations (children dropped unfolded included) for the search of ``target`` itself. Counts
    include the parts'."""
    moves = MoveSet(target, config, *proposal)
    part_results: list[SearchResult] = []

    def decomposed_starts(initial: list[str] | None) -> list[str]:
        """The start assembled from the parts, each searched on its own; their results are kept for the counts."""
        starts, results = _design_parts(target, config, moves, rng, model, initial, proposal, budget, repair)
        part_results.extend(results)
        return starts

    if config.max_part and len(target) > config.max_part:
        initial = decomposed_starts(initial)
    search = _Search(target, config, rng, model, moves, budget, stage_limit, on_evaluation, proposal, repair)
    if part_results and config.restart_parts:
        search.fresh_starts = lambda: [moves.toward_constraints(s, rng) for s in decomposed_starts(None)]
    search.seed([moves.toward_constraints(s, rng) for s in initial] if initial else search.rule_based_starts())
    search.run()
    result = search.result()
    return replace(result, **{name: getattr(result, name) + sum(getattr(r, name) for r in part_results)
                              for name in ("evaluations", "partition_functions", "steps", "restarts",
                                           "vienna_time_s", "excluded", "followed")})


def _design_parts(target: Target, config: SearchConfig, moves: MoveSet, rng: np.random.Generator,
                  model: FoldingModel, initial: list[str] | None, proposal: tuple[Prior | None, float],
                  budget: _Budget, repair: Repair | None) -> tuple[list[str], list[SearchResult]]:
    """Search every part of a decomposed target on its own (each within ``part_evaluations``); returns the
    start for the whole target (the first initial sequence, or a rule-based one, with every part replaced
    by its design) and the parts' results."""
    parts = split_points(target, config.max_part, config.min_part)
    skeleton = initial[0] if initial else moves.initial(rng)
    prior, mix = proposal
    results = []
    if config.part_levels > 1 and config.max_part // 2 >= config.min_part:
        sub_config = replace(config, max_part=config.max_part // 2, part_levels=config.part_levels - 1)
    else:
        sub_config = replace(config, max_part=0)
    designed: dict[tuple, str] = {}
    for part in parts:
        if budget.spent():
            break
        sub_prior = Prior(part.cut(prior.unpaired_probs), part.cut(prior.pair_probs)) if prior else None
        sub_target = Target(part.cut(target.dot_bracket), id=f"{target.id}[{part.start}:{part.end}]",
                            constraints=target.constraints.part(part.start, part.end))
        sub_initial = [part.cut(s) for s in initial] if initial else None
        key = (sub_target.dot_bracket, sub_target.constraints)
        if config.share_repeats and key in designed:
            sub_initial = [designed[key]]
        part_config = sub_config.for_length(len(part)) if config.short_parts else sub_config
        results.append(_design(sub_target, part_config, rng, model, sub_initial, (sub_prior, mix), budget,
                               config.part_evaluations, None, repair))
        designed[key] = results[-1].sequence
    return [assemble(skeleton, parts, [r.sequence for r in results])], results


def _seed_sampling(config: SearchConfig, rng: np.random.Generator) -> None:
    """Seed ViennaRNA's sampling from ``rng`` for ``ensemble_rivals`` (whose draws steer the search), else with
    :data:`BOUND_SAMPLING_SEED` for ``bound_structures`` (whose draws only bound it)."""
    if config.ensemble_rivals:
        seed_sampling(int(rng.integers(2**31 - 1)))
    elif config.bound_structures:
        seed_sampling(BOUND_SAMPLING_SEED)


def local_search(target: Target, config: SearchConfig, *, time_limit: float | None = None,
                 max_evaluations: int | None = None, rng: np.random.Generator,
                 model: FoldingModel = DEFAULT_MODEL, initial: list[str] | None = None,
                 prior: Prior | None = None, proposal_mix: float = 0.0,
                 on_evaluation: Callable[[Candidate], bool | None] | None = None,
                 clock: Callable[[], float] = time.perf_counter, repair: Repair | None = None) -> SearchResult:
    """Design a sequence whose MFE structure is ``target``; see the module docstring.

    ``initial`` replaces the rule-based starts (restarts still use the rule, or the parts designed anew:
    ``config.restart_parts``); ``prior`` and
    ``proposal_mix`` bias the replacement bases and pairs of every move; ``on_evaluation`` is called with
    every evaluated :class:`~learna.search.objectives.Candidate` of the whole target, and a solution for
    which it returns False does not count (the search goes on without it). Targets longer
    than ``config.max_part`` are decomposed first (:mod:`learna.search.decompose`); the parts' searches
    share the budget. A target of at most ``config.short_length`` nt is searched, parts included, with
    ``config.short_objective`` (:meth:`SearchConfig.for_length`). At least one candidate is always
    evaluated. ``clock`` measures ``time_limit`` and the reported times (``time.process_time`` gives CPU
    seconds, insensitive to other load). ``repair`` gives the repair policy (:mod:`learna.search.repair`) to
    use with ``config.repair_weight`` (default: the shipped one) and/or a log that records its training
    examples.
    """
    if time_limit is None and max_evaluations is None:
        raise LearnaError("local_search needs a time_limit or max_evaluations (or both)")
    if initial is not None:
        _check_sequences(initial, target)
    if config.repair_weight > 0 and (repair is None or repair.policy is None):
        repair = Repair(shipped_repair_policy(), repair.log if repair else None)
    budget = _Budget(clock, time_limit, max_evaluations)
    config = config.for_length(len(target))
    _seed_sampling(config, rng)
    result = _design(target, config, rng, model, initial, (prior, proposal_mix), budget, None, on_evaluation, repair)
    return replace(result, time_s=clock() - budget.start)


POLISH_SETTINGS = {"objective": "log_probability", "short_objective": "", "ensemble_weight": 1.0, "max_part": 0,
                   "require_unique": True, "stagnation_steps": 2**31 - 1, "restart_base": 0, "portfolio": 1,
                   "focus_probability": 0.0, "kick_probability": 0.0, "repair_weight": 0.0, "follow_up_moves": 0}
"""What :func:`polish` changes in the search configuration it is given (the moves stay as they are)."""


def polish(sequence: str, target: Target, config: SearchConfig, *, rng: np.random.Generator,
           time_limit: float | None = None, max_evaluations: int | None = None,
           model: FoldingModel = DEFAULT_MODEL, clock: Callable[[], float] = time.perf_counter) -> SearchResult:
    """A design that folds into ``target`` made more robust: a search from ``sequence`` by −ln P(target) (the
    order of P(target), without a floor on long targets) that goes on past every unique-MFE solution until the
    budget is spent, with ``config``'s moves and no decomposition or restarts (:data:`POLISH_SETTINGS`). The
    result is its best unique-MFE solution by P(target), ``sequence`` itself when it is unique and nothing
    beat it, else its best tied solution or best candidate (the caller keeps whichever design is better)."""
    if time_limit is None and max_evaluations is None:
        raise LearnaError("polish needs a time_limit or max_evaluations (or both)")
    _check_sequences([sequence], target)
    config = replace(config, **POLISH_SETTINGS)
    _seed_sampling(config, rng)
    search = _Search(target, config, rng, model, MoveSet(target, config), _Budget(clock, time_limit, max_evaluations),
                     None, None)
    search.keep_searching = True
    search.seed([sequence])
    search.run()
    return search.result()


def refine(sequence: str, target: Target, config: SearchConfig, *, max_evaluations: int,
           rng: np.random.Generator, model: FoldingModel = DEFAULT_MODEL,
           time_limit: float | None = None) -> SearchResult:
    """Local search started from one given sequence (the improvement step of a design episode), within
    ``max_evaluations`` and, if given, ``time_limit`` seconds; no decomposition, whatever
    ``config.max_part`` says."""
    return local_search(target, replace(config, max_part=0), time_limit=time_limit,
                        max_evaluations=max_evaluations, rng=rng, model=model, initial=[sequence])
