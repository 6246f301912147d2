"""Benchmarks of the local search's ViennaRNA calls and of where its time goes.

Run with ``pytest benchmarks --benchmark-only`` (normal test runs skip benchmarks).
"""

from __future__ import annotations

import numpy as np
import pytest

from learna.data import GenerationSpec, generate_targets
from learna.folding import (evaluate_ensemble, fold, mfe_with_target_energy, structure_energies)
from learna.search import SearchConfig, local_search
from learna.structure import Target

LENGTHS = (50, 100, 200, 400)


def random_case(length: int) -> tuple[str, Target]:
    """A fixed random sequence of ``length`` nt and its own MFE structure as the target."""
    rng = np.random.default_rng(length)
    sequence = "".join(rng.choice(list("ACGU"), size=length))
    return sequence, Target(fold(sequence)[0])


@pytest.mark.parametrize("length", LENGTHS)
def test_evaluate_ensemble(benchmark, length: int) -> None:
    """MFE + partition function + pair probabilities (one full candidate evaluation)."""
    sequence, target = random_case(length)
    result = benchmark(evaluate_ensemble, sequence, target.partners, target.dot_bracket)
    assert 0.0 <= result.ensemble_defect <= 1.0


@pytest.mark.parametrize("length", LENGTHS)
def test_mfe_with_target_energy(benchmark, length: int) -> None:
    """The first stage of every evaluation: MFE fold and the target's energy."""
    sequence, target = random_case(length)
    structure, mfe, energy = benchmark(mfe_with_target_energy, sequence, target.dot_bracket)
    assert structure == target.dot_bracket and energy == pytest.approx(mfe)


@pytest.mark.parametrize("length", LENGTHS)
def test_structure_energies(benchmark, length: int) -> None:
    """Scoring one variant of an informed move: the energy of two structures, no folding."""
    sequence, target = random_case(length)
    open_chain = "." * length
    energies = benchmark(structure_energies, sequence, (target.dot_bracket, open_chain))
    assert energies[1] == 0.0


@pytest.mark.parametrize("length_range", [(80, 120), (180, 220)])
def test_local_search_vienna_fraction(benchmark, length_range: tuple[int, int]) -> None:
    """Fraction of local-search time spent inside ViennaRNA calls (reported as extra_info)."""
    targets = generate_targets(GenerationSpec(3, *length_range, seed=9))

    def run() -> tuple[float, float]:
        vienna = total = 0.0
        for k, target in enumerate(targets):
            result = local_search(target, SearchConfig(require_unique=True), max_evaluations=40,
                                  rng=np.random.default_rng(k))
            vienna += result.vienna_time_s
            total += result.time_s
        return vienna, total

    vienna, total = benchmark.pedantic(run, rounds=2, iterations=1)
    benchmark.extra_info["vienna_fraction"] = round(vienna / total, 3)
    assert 0.5 < vienna / total <= 1.0
