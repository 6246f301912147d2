"""Configuration of the ensemble-guided local search (one frozen dataclass, every field documented)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from learna.errors import ConfigError

OBJECTIVES = ("probability", "log_probability", "ensemble_defect", "mfe_distance")
"""Objectives the search can minimise (see :mod:`learna.search.objectives`)."""

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
    structure / n, ties broken by the energy gap; MFE folds only, no partition function)."""
    frontier_size: int = 10
    """k: how many of the best candidates seen so far are kept as parents."""
    num_starts: int = 3
    """How many rule-based starting sequences are evaluated (capped at ``frontier_size``)."""
    parent_temperature: float = 1.0
    """T in P(parent) ∝ exp(−2·objective / T) over the frontier."""
    position_temperature: float = 0.2
    """T in P(site) ∝ exp(defect_i / T), defect_i the positional defect of site i."""
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
    """Evaluation budget of each substructure's search (it stops earlier when the part is solved)."""
    stagnation_steps: int = 2000
    """Restart (new frontier, the best so far kept) after this many steps without a new best."""
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

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}")
        if self.initialisation not in INITIALISATIONS:
            raise ConfigError(f"initialisation must be one of {', '.join(INITIALISATIONS)}, "
                              f"got {self.initialisation!r}")
        for name in ("frontier_size", "num_starts", "max_mutations", "stagnation_steps", "max_redraws",
                     "min_part", "part_evaluations"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("parent_temperature", "position_temperature", "energy_temperature"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.max_part < 0:
            raise ConfigError(f"max_part must be 0 (no decomposition) or positive, got {self.max_part}")
        for name in ("stack_probability", "closing_pair_probability", "informed_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must lie in [0, 1], got {getattr(self, name)}")

    def to_dict(self) -> dict:
        """JSON-ready representation."""
        return asdict(self)
