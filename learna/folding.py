"""Folding: the only module that imports ViennaRNA.

Every fold in learna (environment reward, local improvement, local search, final
verification, baselines) goes through an explicit, frozen :class:`FoldingModel`, so one
set of energy-model settings is used end to end. Global ``RNA.cvar`` state is never touched; the one
global state set here is the seed of ViennaRNA's random numbers for Boltzmann sampling
(:func:`seed_sampling`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import RNA

from learna.errors import ConfigError

VIENNARNA_VERSION: str = RNA.__version__


@dataclass(frozen=True)
class FoldingModel:
    """ViennaRNA model settings; the defaults are ViennaRNA's own (37 °C, dangles 2, lonely pairs allowed)."""

    temperature: float = 37.0
    """Folding temperature in °C."""
    dangles: int = 2
    """Dangling-end model: 0, 1, 2 or 3 (RNAfold ``-d``)."""
    no_lp: bool = False
    """Forbid lonely (isolated) base pairs (RNAfold ``--noLP``)."""

    def __post_init__(self) -> None:
        if self.dangles not in (0, 1, 2, 3):
            raise ConfigError(f"dangles must be 0, 1, 2 or 3, got {self.dangles}")
        if not -273.15 < self.temperature < 200:
            raise ConfigError(f"temperature {self.temperature} °C is outside the range ViennaRNA supports")

    def to_dict(self) -> dict:
        """JSON-ready representation, including the ViennaRNA version."""
        return {**asdict(self), "viennarna": VIENNARNA_VERSION}


DEFAULT_MODEL = FoldingModel()


@lru_cache(maxsize=16)
def _model_details(model: FoldingModel, pair_probabilities: bool = True) -> RNA.md:
    """A ViennaRNA model-details object for ``model`` (cached: building one reads the parameter set);
    ``pair_probabilities=False`` makes a partition function stop after Z (no base-pair probabilities)."""
    md = RNA.md()
    md.temperature = model.temperature
    md.dangles = model.dangles
    md.noLP = int(model.no_lp)
    md.uniq_ML = 1  # required by subopt(), harmless otherwise
    md.compute_bpp = int(pair_probabilities)
    return md


def fold(sequence: str, model: FoldingModel = DEFAULT_MODEL) -> tuple[str, float]:
    """MFE structure and its free energy (kcal/mol) of ``sequence``."""
    fc = RNA.fold_compound(sequence, _model_details(model), RNA.OPTION_MFE)
    structure, energy = fc.mfe()
    return structure, energy


def fold_seconds(length: int) -> float:
    """A low estimate of the seconds one MFE fold of a ``length``-nt sequence takes on one core (measured
    with ViennaRNA 2.8.0: about 0.3 s at 400 nt, 100 s at 10,000 nt; it grows about as length^1.8)."""
    return 0.3 * (length / 400) ** 1.8


def fold_structure(sequence: str, model: FoldingModel = DEFAULT_MODEL) -> str:
    """MFE structure of ``sequence``."""
    return fold(sequence, model)[0]


def mfe_structures(sequence: str, model: FoldingModel = DEFAULT_MODEL) -> list[str]:
    """Every structure whose energy equals the MFE (more than one means a degenerate MFE)."""
    fc = RNA.fold_compound(sequence, _model_details(model), RNA.OPTION_MFE)
    return sorted(s.structure for s in fc.subopt(0))


def unique_mfe(sequence: str, target: str, model: FoldingModel = DEFAULT_MODEL) -> bool:
    """Whether ``target`` is the *only* MFE structure of ``sequence`` (ties enumerated; SAMFEO's criterion)."""
    return mfe_structures(sequence, model) == [target]


MAX_RIVAL_GAP = 25.6
"""kcal/mol above the MFE beyond which :func:`best_rival` stops looking for a competing structure."""
_MAX_SUBOPT = 100_000


def best_rival(sequence: str, structure: str, model: FoldingModel = DEFAULT_MODEL) -> tuple[str, float] | None:
    """The lowest-energy structure of ``sequence`` other than ``structure`` and its free energy (kcal/mol):
    the MFE structure ViennaRNA returns when that is not ``structure``, else the next one up (suboptimal
    structures enumerated in widening bands: 0, 0.5, 1, 2, … kcal/mol above the MFE; of several at the same
    energy, the first in dot-bracket order). None when no other structure lies within :data:`MAX_RIVAL_GAP`
    (e.g. a sequence that cannot pair)."""
    fc = RNA.fold_compound(sequence, _model_details(model), RNA.OPTION_MFE)
    folded, mfe = fc.mfe()
    if folded != structure:
        return folded, mfe
    band = 0.0
    while True:
        found = fc.subopt(int(round(band * 100)))  # band in dcal/mol
        others = [(s.energy, s.structure) for s in found if s.structure != structure]
        if others:
            energy, rival = min(others)
            return rival, energy
        if band >= MAX_RIVAL_GAP or len(found) > _MAX_SUBOPT:
            return None
        band = 0.5 if band == 0 else 2 * band


def positional_defect(bpp: np.ndarray, partners: np.ndarray) -> np.ndarray:
    """Per-site defect 1 − p_i from ViennaRNA's 1-based upper-triangular pair-probability matrix."""
    n = len(partners)
    p = bpp[1 : n + 1, 1 : n + 1]
    p = p + p.T
    paired_prob = p.sum(axis=1)
    idx = np.arange(n)
    correct = np.where(partners >= 0, p[idx, np.maximum(partners, 0)], 1.0 - paired_prob)
    return np.clip(1.0 - correct, 0.0, 1.0)


# --- Two-stage evaluation for the local search (learna.search) -------------------------------------
# The search folds every candidate; the MFE fold settles whether it solves the target, and the partition
# function (about 3× an MFE fold) is computed only when the candidate can still matter.


def boltzmann_kt(model: FoldingModel = DEFAULT_MODEL) -> float:
    """kT in kcal/mol at the model's temperature (ViennaRNA's gas constant, 1.98717 cal/(K·mol))."""
    return (model.temperature + 273.15) * 1.98717 / 1000.0


def mfe_with_target_energy(sequence: str, target: str,
                           model: FoldingModel = DEFAULT_MODEL) -> tuple[str, float, float]:
    """MFE structure, MFE and the free energy of ``sequence`` in ``target``, from one fold compound
    (E(target) − MFE is the energy gap the search's objectives and bounds use)."""
    fc = RNA.fold_compound(sequence, _model_details(model), RNA.OPTION_MFE)
    structure, energy = fc.mfe()
    return structure, energy, fc.eval_structure(target)


@dataclass(frozen=True)
class EnsembleScores:
    """Partition-function quantities of a sequence with respect to a target (no MFE fold)."""

    ensemble_energy: float
    """Ensemble free energy G = −kT ln Z (kcal/mol)."""
    probability: float
    """Boltzmann probability of the target structure."""
    positional_defect: np.ndarray | None
    """Per-site defect 1 − p_i; its mean is the normalised ensemble defect (None when the pair
    probabilities were not computed)."""
    samples: tuple[str, ...] = ()
    """Structures drawn from the Boltzmann ensemble (stochastic backtracking), when asked for."""


def ensemble_scores(sequence: str, partners: tuple[int, ...] | np.ndarray, target: str, mfe: float,
                    model: FoldingModel = DEFAULT_MODEL, pair_probabilities: bool = True,
                    samples: int = 0, sample_above: float = 0.0) -> EnsembleScores:
    """Partition function and pair probabilities of ``sequence`` given its already known ``mfe`` (from
    :func:`fold` or :func:`mfe_with_target_energy`): the Boltzmann factors are rescaled from ``mfe`` so long
    sequences do not overflow. ``pair_probabilities=False`` computes Z alone (G and P(target), no positional
    defect): the same Z, at about 40 % of the cost at 100 nt and 54 % at 200 nt (the outside recursions
    of the pair probabilities cost more than the partition function itself; docs/local_search.md).
    ``samples`` structures are drawn from the ensemble by stochastic backtracking (ViennaRNA's random numbers:
    :func:`seed_sampling`), only when P(target) exceeds ``sample_above``; ten cost well under 1 % of the
    partition function at 100 nt."""
    fc = RNA.fold_compound(sequence, _model_details(model, pair_probabilities), RNA.OPTION_PF)
    fc.exp_params_rescale(mfe)
    _, ensemble_energy = fc.pf()
    probability = fc.pr_structure(target)
    defect = (positional_defect(np.array(fc.bpp(), dtype=float), np.asarray(partners))
              if pair_probabilities else None)
    drawn = tuple(fc.pbacktrack(samples)) if samples > 0 and probability > sample_above else ()
    return EnsembleScores(ensemble_energy, probability, defect, drawn)


def seed_sampling(seed: int) -> None:
    """Seed ViennaRNA's random numbers (process-wide), which its Boltzmann sampling draws from: with the same
    seed, :func:`ensemble_scores` draws the same structures."""
    RNA.init_rand(seed)


def svg_drawing(sequence: str, structure: str) -> str:
    """ViennaRNA's own drawing (its layout and SVG writer) of ``sequence`` in ``structure``, as SVG text."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".svg")
    os.close(fd)
    try:
        if not RNA.svg_rna_plot(sequence, structure, path):
            raise ConfigError(f"ViennaRNA could not draw a structure of {len(structure)} nt")
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    finally:
        os.unlink(path)


# --- Inverse folding (the RNAinverse baseline, learna.baselines) -----------------------------------
# RNA.inverse_fold takes no model details: it folds with ViennaRNA's global defaults (RNA.cvar). It is
# the one place learna touches that global state, deliberately and only for the duration of the call,
# restoring the previous values after it (docs/architecture.md: otherwise never). Call it from a single thread;
# the baseline runs it in a dedicated child process.

_GLOBAL_SETTINGS = (("temperature", "temperature", float), ("dangles", "dangles", int), ("noLP", "no_lp", int))


def inverse_fold(start: str, target: str, model: FoldingModel = DEFAULT_MODEL) -> tuple[str, float]:
    """One RNAinverse (adaptive walk) from ``start`` towards a sequence whose MFE structure is ``target``.

    Returns the sequence reached and ViennaRNA's own score (0 when it claims success). It has no
    time limit of its own: a long target can take minutes. ``start`` must be upper case (lower-case
    letters are kept fixed by ViennaRNA).
    """
    saved = {name: getattr(RNA.cvar, name) for name, _, _ in _GLOBAL_SETTINGS}
    try:
        for name, field_name, kind in _GLOBAL_SETTINGS:
            setattr(RNA.cvar, name, kind(getattr(model, field_name)))
        sequence, score = RNA.inverse_fold(start, target)
    finally:
        for name, value in saved.items():
            setattr(RNA.cvar, name, value)
    return sequence, float(score)


def parameter_file_text() -> str:
    """ViennaRNA's energy parameters (Turner 2004 unless a parameter file was loaded), as the text of the
    parameter file ``RNA.params_save`` writes: the values at 37 °C with their enthalpies, whatever a
    :class:`FoldingModel`'s temperature (:mod:`learna.search.turner` uses them only for ViennaRNA's default model)."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".par")
    os.close(fd)
    try:
        if not RNA.params_save(path):
            raise ConfigError("ViennaRNA could not write its energy parameters")
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    finally:
        os.unlink(path)


def structure_energies(sequence: str, structures: list[str] | tuple[str, ...],
                       model: FoldingModel = DEFAULT_MODEL) -> list[float]:
    """Free energies (kcal/mol) of ``sequence`` in each of ``structures``: no folding, about 0.05–0.15 ms
    per sequence up to 400 nt (the search scores many candidate moves with it before folding one)."""
    fc = RNA.fold_compound(sequence, _model_details(model), RNA.OPTION_EVAL_ONLY)
    return [fc.eval_structure(structure) for structure in structures]
