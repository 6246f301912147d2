"""How good a design is: one assessment of a sequence against its target, behind every result.

:func:`assess` re-folds a design with the run's energy model, independently of the designer that made it,
and measures what a biologist ordering the sequence cares about:

* ``folded``/``distance``: ViennaRNA's MFE structure and its Hamming distance to the target;
* ``unique_mfe``: for a design that folds into the target, whether the target is the *only* MFE structure
  (no other structure has the same free energy; SAMFEO's criterion). A tied design spends much of its time
  in the other structure;
* ``energy_gap``: E(best competing structure) − E(target) in kcal/mol, the competitor being the
  lowest-energy structure other than the target: positive when the target is the unique MFE (by that
  margin), 0 for a tie, negative when another structure lies lower; ``competitor`` is that structure
  (for a design that does not fold into the target, ``folded`` itself), so a tie shows what it ties with;
* ``probability``: the Boltzmann probability of the target in the ensemble, and ``ensemble_defect``, the
  normalised ensemble defect (1/n) Σ_i (1 − p_i) (docs/local_search.md);
* ``gc_content`` and whether the design constraints hold.

Whether a design counts as *solved* depends on the run's uniqueness rule
(:attr:`learna.config.DesignerConfig.uniqueness`): it folds into the target and satisfies its constraints,
and with ``require`` its MFE is also unique (:meth:`Assessment.solved_under`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from learna.folding import DEFAULT_MODEL, FoldingModel, best_rival, ensemble_scores, mfe_with_target_energy
from learna.structure import Target, hamming

_TIE = 1e-6  # kcal/mol: ViennaRNA's energies are multiples of 0.01


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """What an independent check of a design found (all None without a design). Design results and benchmark
    records extend it with what the run did."""

    folded: str | None = None
    """MFE structure of the sequence, as ViennaRNA returns it."""
    distance: int | None = None
    """Hamming distance of ``folded`` to the target."""
    unique_mfe: bool | None = None
    """The target is the only MFE structure; None unless ``folded`` is the target."""
    mfe: float | None = None
    """Free energy of the MFE structure (kcal/mol)."""
    energy_gap: float | None = None
    """E(lowest-energy structure other than the target) − E(target), kcal/mol (None: no competitor found)."""
    competitor: str | None = None
    """The lowest-energy structure other than the target, the one ``energy_gap`` is measured to (``folded``
    when that is not the target; None: no competitor found)."""
    probability: float | None = None
    """Boltzmann probability of the target structure."""
    ensemble_defect: float | None = None
    """Normalised ensemble defect with respect to the target, in [0, 1]."""
    gc_content: float | None = None
    constraints: dict | None = None
    """The target's design constraints (``sequence``, ``gc``, ``gc_tolerance``); None when unconstrained."""
    constraints_satisfied: bool | None = None
    """The sequence follows the sequence constraint and its GC content is within the tolerance (None when
    unconstrained or without a design)."""

    @property
    def folds_into_target(self) -> bool:
        """ViennaRNA's MFE structure is the target and the constraints hold (ties allowed)."""
        return self.distance == 0 and self.constraints_satisfied is not False

    def solved_under(self, uniqueness: str) -> bool:
        """Solved under a run's uniqueness rule: folds into the target, uniquely when it is ``require``."""
        return self.folds_into_target and (uniqueness != "require" or bool(self.unique_mfe))

    def measures(self) -> dict:
        """The assessment's own fields (without those of a subclass)."""
        return {f.name: getattr(self, f.name) for f in fields(Assessment)}

    def to_json(self) -> dict:
        return asdict(self)


def assess(target: Target, sequence: str | None, model: FoldingModel = DEFAULT_MODEL,
           ensemble: bool = True) -> Assessment:
    """Assess ``sequence`` (None: no design) against ``target`` and its constraints; ``ensemble=False`` skips
    the partition function (``probability`` and ``ensemble_defect`` are then None)."""
    summary = target.constraints.summary(sequence)
    if not sequence:
        return Assessment(**summary)
    structure = target.dot_bracket
    folded, mfe, target_energy = mfe_with_target_energy(sequence, structure, model)
    rival = best_rival(sequence, structure, model)
    competitor, gap = (None, None) if rival is None else (rival[0], round(rival[1] - target_energy, 2))
    unique = (gap is None or gap > _TIE) if folded == structure else None
    probability = defect = None
    if ensemble:
        scores = ensemble_scores(sequence, target.partners, structure, mfe, model)
        probability, defect = float(scores.probability), float(scores.positional_defect.mean())
    return Assessment(folded=folded, distance=hamming(folded, structure), unique_mfe=unique, mfe=round(mfe, 2),
                      energy_gap=gap, competitor=competitor, probability=probability, ensemble_defect=defect, **summary)
