"""Configuration of the ensemble-guided local search (one frozen dataclass, every field documented)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from learna.errors import ConfigError

OBJECTIVES = ("probability", "log_probability", "ensemble_defect", "mfe_distance")
"""Objectives the search can minimise (see :mod:`learna.search.objectives`)."""

DISTANCE_TIES = ("energy_gap", "probability")
"""How ``mfe_distance`` orders candidates at the same distance (see :attr:`SearchConfig.distance_ties`)."""

SITE_DEFECTS = ("ensemble", "mfe", "near")
"""Where an ensemble objective's moves land (see :attr:`SearchConfig.site_defect`)."""

INITIALISATIONS = ("gc_a", "gc_a_boost")
"""Rule-based starting sequences (see :mod:`learna.search.moves`)."""


@dataclass(frozen=True)
class SearchConfig:
    """Settings of :func:`learna.search.local_search`. The defaults are the hand-tuned setting that the
    environment's ``search`` improvement step uses; ``--mode hybrid`` ships BOHB-tuned values
    (:data:`learna.presets.HYBRID_TUNED`)."""

    objective: str = "mfe_distance"
    """What is minimised: ``probability`` (1 − P(target)), ``log_probability`` (−ln P(target) / n),
    ``ensemble_defect`` (normalised ensemble defect) or ``mfe_distance`` (Hamming distance of the MFE
    structure / n, ties broken by the energy gap or by P(target): ``distance_ties``; with the energy gap,
    MFE folds only, no partition function)."""
    distance_ties: str = "energy_gap"
    """``mfe_distance`` only: how candidates at the same distance are ordered. ``energy_gap``: by
    E(target) − MFE (the fold alone); ``probability``: by P(target), so that a plateau of near misses is
    ranked by how well the target beats *every* rival, not only the MFE structure (GREED-RNA's and NEMO's
    order: distance, then an ensemble score). Costs one partition function per candidate that can enter
    the frontier; site defects then also count the positional defect."""
    ensemble_weight: float = 1.0
    """``log_probability`` only: β in the objective [(E(target) − MFE) + β·(MFE − G)] / (n·kT), G the ensemble
    free energy. −ln P(target) = (E(target) − G)/kT is the sum of the energy gap to the MFE (the part that
    decides whether the target *is* the MFE structure) and the ensemble's spread below the MFE; β < 1 weighs
    the gap more. 1: −ln P(target) / n; 0: the energy gap alone (with a partition function for nothing). On
    short generated targets the searches by 1 − P(target) solve at P(target) of only 1–3 %, when the gap of
    a candidate happens to reach zero; β = 0.7 solved a few more of them within 60 s but fewer early, so the
    shipped preset keeps 1 (docs/results/search-hard/NOTES.md, "Weighing the energy gap")."""
    short_objective: str = ""
    """The objective of the search of a target of at most ``short_length`` nt (its parts too, if it is
    decomposed; the parts of a longer target keep ``objective``); empty: ``objective`` everywhere. On short
    hard targets the ensemble objective ``probability`` finds unique designs the MFE distance misses, on long
    ones it is slower (docs/results/search-hard/NOTES.md)."""
    short_length: int = 0
    """Longest target searched with ``short_objective``."""
    short_parts: bool = False
    """The parts of a decomposed target (of at most ``short_length`` nt) are searched with ``short_objective``
    too, as a short target of their own would be; otherwise with ``objective``, as the whole target (faster
    on generated long targets: docs/results/search-hard/NOTES.md, "Part budgets")."""
    short_mutation_exponent: float = 0.0
    """``mutation_exponent`` of the search of a target of at most ``short_length`` nt (its parts with
    ``short_parts``); 0: ``mutation_exponent`` there too. The searches by 1 − P(target) on short targets find
    their designs sooner with fewer sites per step than the searches by the MFE distance the shared value was
    tuned for (docs/results/search-hard/NOTES.md, "Fewer sites per step in the short searches")."""
    site_defect: str = "ensemble"
    """With an ensemble objective (``probability``, ``log_probability``, or ``mfe_distance`` ordered by
    ``probability``): where moves land. ``ensemble``: by the positional defect 1 − p_i from the pair
    probabilities; ``mfe``: by the MFE structure's mismatches (as ``mfe_distance``), so a partition function
    computes Z alone, about 40 % of its cost with pair probabilities at 100 nt (docs/local_search.md).
    ``near``: the positional defect for candidates whose MFE structure is within ``near_distance`` sites of the
    target, the mismatches (and Z alone) for the others. Both are faster early than ``ensemble`` on generated hard
    targets and level at 60 s; the ``hybrid`` preset uses ``near`` (docs/results/search-hard/NOTES.md, "Five seeds
    of the preset"). ``ensemble_defect`` always uses the pair probabilities."""
    near_distance: int = 4
    """``site_defect`` ``near`` only: the largest MFE distance at which a candidate's partition function also
    computes the pair probabilities for its positional defect."""
    frontier_size: int = 10
    """k: how many of the best candidates seen so far are kept as parents."""
    num_starts: int = 3
    """How many rule-based starting sequences are evaluated (capped at ``frontier_size``)."""
    parent_temperature: float = 1.0
    """T in P(parent) ∝ exp(−2·objective / T) over the frontier."""
    position_temperature: float = 0.2
    """T in P(site) ∝ exp(defect_i / T), defect_i the positional defect of site i."""
    free_site_share: float = 1.0
    """The largest share of moves that land on sites without defect (``mfe_distance``: where the MFE structure
    agrees with the target, outside ``defect_window``) while some site has one; 1: no cap, each such site
    weighs exp(0) = 1. A move there changes E(target) and E(competitor) alike (loop energies are local), and on
    a long target such sites take most moves; capping their share at 0.1 or 0 did not solve more generated
    long targets (docs/results/search-hard/NOTES.md, "Moves where the fold is wrong")."""
    defect_window: int = 2
    """``mfe_distance`` only: sites within this distance of a mismatched site (or of its partners) count
    as half defective, so moves also land next to the mismatches."""
    stack_probability: float = 0.5
    """Probability that a mutated pair also re-draws one stacked neighbouring pair."""
    closing_pair_probability: float = 0.5
    """Probability that a mutated unpaired site also re-draws an adjacent closing pair."""
    max_mutations: int = 3
    """Largest number of sites mutated in one step (1 = a single structured move)."""
    mutation_exponent: float = 1.5
    """Heavy tail of the number of mutated sites m: P(m) ∝ m^−exponent for m in 1..max_mutations."""
    informed_probability: float = 1.0
    """Probability that a step uses an energy-informed move (:mod:`learna.search.informed`) instead of a
    random structured move."""
    energy_temperature: float = 0.5
    """τ (kcal/mol) of the softmax over the energy scores of an informed move's variants."""
    stability_weight: float = 0.0
    """λ: weight of the target's own free energy in an informed move's score."""
    max_part: int = 150
    """Targets longer than this are decomposed (:mod:`learna.search.decompose`): their maximal
    substructures of ``min_part`` to ``max_part`` nt are designed first, each on its own; 0: never."""
    min_part: int = 30
    """Shortest substructure designed on its own."""
    part_evaluations: int = 200
    """Evaluation budget of each substructure's search (it stops earlier when the part is solved); a child dropped
    unfolded by a bound (``bound_structures``, ``gap_bound``) counts as the evaluation it saved, so a bound leaves
    the parts' searches as they were."""
    part_levels: int = 1
    """Levels of decomposition: with 2, a part longer than ``max_part`` / 2 is itself decomposed (its parts of
    at most ``max_part`` / 2 nt designed first), and so on; 1: parts are designed whole."""
    share_repeats: bool = False
    """A part with the same structure (and constraints) as one designed before starts from that design
    instead of rule-based starts: a repeated substructure is designed once (and searched on from there)."""
    stagnation_steps: int = 2000
    """Restart (new frontier, the best so far kept) after this many steps without a new best."""
    run_stagnation: bool = False
    """Count ``stagnation_steps`` from the last new best of the current *run* (since the last restart) rather
    than of the whole search. By default a run after the first ends ``stagnation_steps`` after its start unless
    it beats the best of all earlier runs, which a run climbing from fresh starts seldom does that soon: on a
    long time limit the search becomes a string of short runs. Counting per run cut the restarts to a third on
    generated hard targets and solved no more (docs/results/search-hard/NOTES.md, "Stagnation per run")."""
    restart_base: int = 0
    """Luby restarts of a target the search does not decompose (at most ``max_part`` nt): its k-th run
    (k = restarts + 1) also restarts after ``restart_base`` × luby(k) steps (1, 1, 2, 1, 1, 2, 4, …) while it
    is still improving; stagnation restarts it earlier. 0: restart on stagnation only. The ensemble
    objectives improve on their best now and then for thousands of steps, so stagnation rarely restarts a
    short target; cutting its runs this way solved fewer generated hard targets, though
    (docs/results/search-hard/NOTES.md, "Luby restarts")."""
    restart_parts: bool = False
    """A restart of a decomposed target starts as its first start did: from its parts designed anew, each on
    its own (``part_evaluations`` each), written into a fresh rule-based sequence; otherwise from rule-based
    starts of the whole target, which on a long target begin far below what its decomposed start reached."""
    initialisation: str = "gc_a"
    """``gc_a``: pairs random GC/CG, unpaired A (SAMFEO); ``gc_a_boost``: also G at the first unpaired
    base of every hairpin and internal loop (an Eterna heuristic)."""
    prune: bool = True
    """Skip the partition function when the MFE fold already proves the candidate cannot enter the
    frontier (exact for the probability objectives, since P(target) ≤ exp(−(E(target) − MFE)/kT))."""
    require_unique: bool = False
    """Keep searching until the target is the *unique* MFE structure (SAMFEO's criterion); otherwise the
    search stops as soon as ViennaRNA's MFE structure is the target (ties included)."""
    max_redraws: int = 100
    """Attempts to draw a not yet evaluated child before another parent is chosen."""
    pair_weights: tuple[float, ...] = ()
    """Relative weights of the pairs GC CG AU UA GU UG in the moves' proposals (before a prior is mixed in);
    empty: uniform. NEMO's pair prior is about (16, 16, 9, 9, 2, 2)."""
    gu_ends_only: bool = False
    """Propose GU and UG only at helix ends (a pair stacked on one side only), never inside a helix or as a
    lone pair, as in the published designs of long puzzles (a sequence constraint that leaves nothing else
    wins)."""
    region_probability: float = 0.0
    """Probability that an informed move re-draws a *region* instead of one unit: the unit of the site, the
    pairs of the loops on both sides of it and the unpaired sites next to those pairs (whole-loop moves,
    lone pair with its bulges, loop boosts), ``region_samples`` random variants scored like unit variants."""
    region_samples: int = 48
    """Random variants drawn and scored per region move."""
    mismatch_probability: float = 0.0
    """Probability that a move at a pair, or at an unpaired site next to one, re-draws the pair together with
    the unpaired sites facing each other across it on one side (inside: its terminal mismatch in the loop it
    closes; outside: its dangles in the loop it is a branch of), all values at once: an informed move scores
    every one of the up to 6 × 4 × 4 combinations, so the loop "boosts" of Eterna players (a GA first
    mismatch, a G beside a closing pair) are found by the energy score rather than by luck. The ``hybrid``
    preset uses 0.3 (docs/results/search-hard/NOTES.md, "Mismatch moves and decomposed restarts")."""
    hairpin_probability: float = 0.0
    """Probability that an informed move at a site of a hairpin loop of at most ``HAIRPIN_MOVE_MAX`` (4)
    unpaired bases, or at its closing pair, re-draws every base of the loop at once: all up to 4^4 = 256
    loops are scored by the energy score, so the tetraloops and triloops that ViennaRNA's parameters reward
    as a whole (up to about 1 kcal/mol beyond the best first mismatch, e.g. C CUCG G; the special hairpin
    table) can be chosen; a mismatch move sees two of the loop's bases, a unit move one. Only in a search
    with an ensemble objective (short targets, with ``short_objective``): where the competitor forms the
    hairpin too, every loop scores alike, and only P(target) tells the loops apart; the MFE distance does
    not, and such moves cost long generated targets distance (docs/results/search-hard/NOTES.md,
    "Hairpin moves")."""
    lone_pair_probability: float = 0.0
    """Probability that an informed move at a lone pair (stacked on neither side), or at an unpaired site
    next to one, re-draws the pair together with the units at its four neighbouring sites (bases, or the
    pairs they belong to, while the variants stay within ``MAX_JOINT_VARIANTS``), every combination
    scored at once: a lone pair has no stacking and holds only by the loops on its two sides (a 1×1 loop's
    mismatch, a bulge, a multiloop's dangles), which a move of one or two units cannot set together. The
    ``hybrid`` preset uses 0.3: it solved more long generated targets (docs/results/search-hard/NOTES.md,
    "Lone-pair moves in long targets"), and, since the variants are scored from the Turner tables, short ones
    searched by 1 − P(target) too ("Lone-pair moves in short targets too"); before that, scoring up to 2,304
    variants cost as much as three folds of a short target and the move fired only in searches by the MFE
    distance."""
    interior_probability: float = 0.0
    """Probability that an energy-informed move at a site of a small interior loop or bulge (one branch, 1 to
    ``INTERIOR_MOVE_MAX`` unpaired bases), or at one of its two closing pairs, re-draws the whole loop: both
    pairs and every unpaired base, every combination scored at once (:meth:`~learna.search.moves.MoveSet.variants`;
    when they exceed ``MAX_JOINT_VARIANTS``, as a 2×2 loop's 9,216 do, one closing pair, not the one the
    move's site belongs to, keeps its value). The energy of a 1×1, 1×2 or 2×2 loop is tabulated for all of its
    bases and both pairs together, and a mismatch left next to such a loop (the pair at its edge missing, or its
    bases paired across) needs them set together, which a move of one or two units cannot. Only in a search by
    the MFE distance (long targets and their parts). Off in the preset: at 0.3 it
    solved 4 of 42 runs on hard generated long targets against 8 (docs/results/search-hard/NOTES.md, "Whole small
    interior loops")."""
    crossover_probability: float = 0.0
    """Probability that a child is drawn as a crossover of its parent and another frontier member (the donor,
    drawn as parents are): a window of 3–17 sites around a site drawn by the parent's defect, with the partners
    of its paired sites, is taken from the donor (:meth:`learna.search.moves.MoveSet.crossover`). In a stalled
    search the frontier's members differ in a few places each; a crossover joins what two of them got right
    (docs/results/search-hard/NOTES.md, "Two speed-ups, and crossover": on stalled generated targets as many
    solved as without it, so the ``hybrid`` preset leaves it off)."""
    part_screen: bool = False
    """In the search of a decomposed target as a whole (longer than ``max_part``): before a child is folded,
    for every site the move changed, fold alone the smallest target substructure of ``min_part`` to
    ``max_part`` sites that holds it (:func:`~learna.search.decompose.enclosing_span`), and drop the child,
    unfolded, when such a substructure folds alone further from its target than the parent's does. A fold of
    a part costs a fraction of a fold of the whole (n³). Off in the preset: it lost on long generated targets
    (docs/results/search-hard/NOTES.md, "Lone-pair moves and a part screen")."""
    ensemble_rivals: int = 0
    """With an ensemble objective (short targets, with ``short_objective``): draw 4 × this many structures from
    each candidate's Boltzmann ensemble after its partition function (stochastic backtracking, about 1 % of its
    cost); the ``ensemble_rivals`` most often drawn ones other than the target are the candidate's own rivals
    (``SAMPLES_PER_RIVAL`` in :mod:`learna.search.objectives`), and an informed move on it
    scores each variant against the strongest of them near the move and its competitor (as ``rival_pool`` does
    with the search's recent MFE structures): negative design against the structures the ensemble actually
    holds, where the MFE competitor is one of several near-degenerate alternatives. 0: the competitor alone."""
    bound_structures: int = 0
    """With the ``probability`` objective (or ``log_probability`` at ``ensemble_weight`` 1): draw 4 × this many
    structures from the ensemble of every candidate that enters the full frontier and keep the most often drawn
    ``bound_structures`` and its MFE structure. A child of such a parent is first evaluated on them by the
    Turner tables (:mod:`learna.search.turner`, ViennaRNA's default model only): their Boltzmann weights bound
    its partition function from below, so its P(target) from above, and a child that provably can neither enter
    the frontier nor solve the target is dropped without folding. The frontier evolves exactly as without
    it (the same children enter, the same steps are counted); only folds are saved
    (docs/local_search.md, "Children that cannot enter the frontier"). 0: every child is folded."""
    gap_bound: bool = False
    """With ``mfe_distance`` ordered by the energy gap (long targets and their parts in the ``hybrid`` preset): a
    child is first evaluated on its parent's MFE structure and the frontier members' (when the parent is first
    drawn) by the Turner tables (:mod:`learna.search.turner`, ViennaRNA's default model only). Where its energy in
    one of them lies below its energy in the target, it does not
    solve, its MFE structure is at least two sites from the target and its gap at least the difference; a child
    that therefore cannot enter the frontier is dropped without folding. The frontier evolves exactly as
    without it; it saves folds once every member is at distance 2 (a stalled search one pair from the target),
    where most children keep their parent's rival (docs/local_search.md, "The same drop in the searches by the
    MFE distance"). Off: every child is folded."""
    estimate_screen: float = 0.0
    """With ``bound_structures``: also drop a child unfolded when a structure drawn from its parent's ensemble
    beats the target (so it cannot solve) and its P(target), estimated from those draws, falls below this
    multiple (0–1) of the P(target) that enters the frontier. The estimate is importance sampling with the
    parent's ensemble as the proposal: Z_child / Z_parent ≈ the mean of exp(−(E_child(S) − E_parent(S))/kT)
    over the parent's draws of its kept structures and the target, the energies from the Turner tables, never
    below the exact bound. It misses structures the child forms and the parent did not, so it mostly
    underestimates Z (overestimates P(target)): few children that would have entered are dropped, but some
    can be, so the trajectory changes (docs/local_search.md, "Children screened by an estimate of their
    partition function"). 0: off; the shipped preset uses 1."""
    rival_pool: int = 0
    """Keep the last K distinct rival structures (MFE structures of unsolved candidates, tied structures
    of solutions); informed moves score a variant against the strongest of them and of the parent's
    competitor (0: the competitor alone)."""
    screen_attempts: int = 0
    """Near a solution (parent distance ≤ ``screen_distance``): draw up to this many children and fold the
    first one whose target energy beats every known rival (the others provably do not solve the target),
    else the one that comes closest (0: fold every child)."""
    screen_distance: int = 6
    """Largest parent distance at which children are screened against the rivals."""
    screen_min_length: int = 150
    """Screen only (sub)targets at least this long: energy evaluations are cheap next to a fold only there."""
    follow_up_moves: int = 0
    """In a search by an ensemble objective (in the preset, a target of at most ``short_length`` nt), from a
    parent within ``follow_up_distance`` of the target: when a folded child made the target more stable than
    its parent did (lower E(target)) but folds into a new rival further from the target (a move that helps
    the target and opens a rival elsewhere, often across a multiloop), repair it with up to this many
    informed moves at the sites where that rival, or the parent's competitor, differs from the target,
    scored against both, and fold the repaired child too: a two-step path through a child that neither
    objective keeps (docs/results/search-hard/NOTES.md, "Repairing a child that opened a new rival"). Never in
    a search by the MFE distance: there a repaired child of a long target costs a whole fold, and on long
    generated targets it lost. 0: off."""
    follow_up_distance: int = 4
    """Largest parent distance at which children are followed up (``follow_up_moves``)."""
    focus_probability: float = 0.0
    """Long targets (≥ ``focus_min_length``) near a solution (parent distance ≤ ``focus_distance``): the
    probability that a step re-designs the smallest substructure around a mismatch instead (closed by a
    pair that the parent's MFE structure forms too, nothing pairing across its ends, ``min_part`` to
    ``max_part`` nt) with a search of its own within ``focus_evaluations`` folds of the substructure alone;
    a solution of the substructure counts only when the whole sequence then beats every known rival of
    the whole target in energy (the whole target's rivals fed back to the part)."""
    focus_evaluations: int = 100
    """Fold budget of one focused substructure search."""
    focus_distance: int = 12
    """Largest parent distance at which focused steps are taken."""
    focus_min_length: int = 150
    """Shortest target on which focused steps are taken."""
    kick_probability: float = 0.0
    """Probability that a restart starts from the best candidate so far, shaken by ``kick_sites`` structured
    moves at sites drawn ∝ its defect (plus a floor elsewhere), instead of from rule-based starts (iterated
    local search: what folds right is kept, the neighbourhood of the misfold is re-drawn)."""
    kick_sites: int = 8
    """Structured moves in one kick (each re-draws a site's unit, as a random move does)."""
    portfolio: int = 1
    """Restarts cycle through this many differently configured searches (:data:`PORTFOLIO`): restart k uses
    variant k mod ``portfolio`` (variant 0 is this configuration itself); 1: every restart is alike."""
    repair_weight: float = 0.0
    """Weight of the repair policy's log P(improve | variant) in every informed move's draw
    (:mod:`learna.search.repair`; the shipped policy unless another is given); 0: no repair policy."""
    rank_ties: bool = False
    """With ``require_unique``: a solution tied with other MFE structures is mutated where its rivals differ
    from the target, and (``mfe_distance``) ranked among tied solutions by P(target) (one partition
    function per tied solution), so the search can climb towards a unique MFE."""

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}")
        if self.short_objective and self.short_objective not in OBJECTIVES:
            raise ConfigError(f"short_objective must be empty or one of {', '.join(OBJECTIVES)}, "
                              f"got {self.short_objective!r}")
        if self.site_defect not in SITE_DEFECTS:
            raise ConfigError(f"site_defect must be one of {', '.join(SITE_DEFECTS)}, got {self.site_defect!r}")
        if self.distance_ties not in DISTANCE_TIES:
            raise ConfigError(f"distance_ties must be one of {', '.join(DISTANCE_TIES)}, got {self.distance_ties!r}")
        if self.initialisation not in INITIALISATIONS:
            raise ConfigError(f"initialisation must be one of {', '.join(INITIALISATIONS)}, "
                              f"got {self.initialisation!r}")
        for name in ("frontier_size", "num_starts", "max_mutations", "stagnation_steps", "max_redraws",
                     "min_part", "part_evaluations", "region_samples", "part_levels", "portfolio", "kick_sites"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.ensemble_weight <= 1.0:
            raise ConfigError(f"ensemble_weight must lie in [0, 1], got {self.ensemble_weight}")
        if not (0.0 <= self.repair_weight <= 100.0):
            raise ConfigError(f"repair_weight must lie in [0, 100], got {self.repair_weight}")
        for name in ("parent_temperature", "position_temperature", "energy_temperature"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.short_length < 0:
            raise ConfigError(f"short_length must be at least 0, got {self.short_length}")
        if not self.short_mutation_exponent >= 0.0:
            raise ConfigError(f"short_mutation_exponent must be 0 (mutation_exponent) or positive, "
                              f"got {self.short_mutation_exponent}")
        if self.max_part < 0:
            raise ConfigError(f"max_part must be 0 (no decomposition) or positive, got {self.max_part}")
        if self.pair_weights and (len(self.pair_weights) != 6 or min(self.pair_weights) < 0
                                  or sum(self.pair_weights) <= 0):
            raise ConfigError(f"pair_weights must be empty or six non-negative weights (GC CG AU UA GU UG), "
                              f"got {self.pair_weights}")
        for name in ("ensemble_rivals", "bound_structures", "near_distance", "restart_base", "rival_pool",
                     "screen_attempts", "screen_distance", "screen_min_length", "follow_up_moves",
                     "follow_up_distance", "focus_evaluations", "focus_distance", "focus_min_length"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be at least 0, got {getattr(self, name)}")
        for name in ("stack_probability", "closing_pair_probability", "informed_probability", "region_probability",
                     "mismatch_probability", "hairpin_probability", "lone_pair_probability", "interior_probability",
                     "focus_probability", "kick_probability", "free_site_share", "crossover_probability",
                     "estimate_screen"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must lie in [0, 1], got {getattr(self, name)}")

    @property
    def ensemble_objective(self) -> bool:
        """Whether ``objective`` reads the ensemble (every objective but ``mfe_distance``): the searches that
        take hairpin moves and the follow-up (``hairpin_probability``, ``follow_up_moves``)."""
        return self.objective != "mfe_distance"

    def for_length(self, length: int) -> "SearchConfig":
        """The configuration of the search of a target of ``length`` nt: up to ``short_length`` nt,
        ``short_objective`` replaces ``objective`` and ``short_mutation_exponent`` ``mutation_exponent`` (each
        where set); itself where nothing changes."""
        if length > self.short_length:
            return self
        changes = {}
        if self.short_objective and self.short_objective != self.objective:
            changes["objective"] = self.short_objective
        if self.short_mutation_exponent and self.short_mutation_exponent != self.mutation_exponent:
            changes["mutation_exponent"] = self.short_mutation_exponent
        return replace(self, **changes) if changes else self

    def variant(self, k: int) -> "SearchConfig":
        """The k-th search of the restart portfolio (``portfolio``): this configuration with the changes of
        ``PORTFOLIO[k mod portfolio]``."""
        changes = PORTFOLIO[(k % self.portfolio) % len(PORTFOLIO)]
        return replace(self, **{key: value(self) if callable(value) else value for key, value in changes.items()})

    def to_dict(self) -> dict:
        """JSON-ready representation."""
        return asdict(self)


PORTFOLIO: tuple[dict, ...] = (
    {},
    # Eterna-style starts and loop moves, a colder choice of parents: exploit another basin
    {"initialisation": "gc_a_boost", "region_probability": lambda c: max(c.region_probability, 0.5),
     "parent_temperature": lambda c: c.parent_temperature / 3},
    # wider jumps: more sites per step, warmer energy choice, GC-heavy pair prior
    {"max_mutations": lambda c: max(c.max_mutations, 8), "mutation_exponent": 0.5,
     "energy_temperature": lambda c: c.energy_temperature * 3, "pair_weights": (16.0, 16.0, 9.0, 9.0, 2.0, 2.0)},
)
"""How the searches of a restart portfolio differ from the configuration (values, or functions of it)."""
