"""Benchmarks of the local search's ViennaRNA calls and of where its time goes.

Run with ``pytest benchmarks --benchmark-only`` (normal test runs skip benchmarks).
"""

from __future__ import annotations

import numpy as np
import pytest

from learna.data import GenerationSpec, generate_targets
from learna.folding import DEFAULT_MODEL, ensemble_scores, fold, mfe_with_target_energy, structure_energies
from learna.search import SearchConfig, local_search
from learna.structure import Target

LENGTHS = (50, 100, 200, 400)


def random_case(length: int) -> tuple[str, Target]:
    """A fixed random sequence of ``length`` nt and its own MFE structure as the target."""
    rng = np.random.default_rng(length)
    sequence = "".join(rng.choice(list("ACGU"), size=length))
    return sequence, Target(fold(sequence)[0])


@pytest.mark.parametrize("length", LENGTHS)
def test_full_evaluation(benchmark, length: int) -> None:
    """MFE + partition function + pair probabilities (one full candidate evaluation)."""
    sequence, target = random_case(length)

    def evaluate():
        structure, mfe, _ = mfe_with_target_energy(sequence, target.dot_bracket)
        return ensemble_scores(sequence, target.partners, target.dot_bracket, mfe)

    result = benchmark(evaluate)
    assert 0.0 <= result.positional_defect.mean() <= 1.0


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


@pytest.mark.parametrize("length", [100, 200])
def test_local_search_vienna_fraction(benchmark, length: int) -> None:
    """Fraction of local-search time spent inside ViennaRNA calls, over a full evaluation budget.

    The target is a generated structure followed by a hairpin with a two-nucleotide loop, which ViennaRNA
    never forms: the search cannot stop early, so every run takes exactly ``max_evaluations`` folds.
    """
    body = generate_targets(GenerationSpec(1, length - 13, length - 13, seed=9))[0].dot_bracket
    target = Target(body + "...((((..))))")
    fractions = []

    def run() -> None:
        result = local_search(target, SearchConfig(), max_evaluations=60, rng=np.random.default_rng(0))
        assert not result.solved and result.evaluations == 60
        fractions.append(result.vienna_time_s / result.time_s)

    benchmark.pedantic(run, rounds=3, iterations=1)
    benchmark.extra_info["vienna_fraction"] = round(float(np.mean(fractions)), 3)
    print(f"\n{length} nt: {np.mean(fractions):.1%} of local-search time inside ViennaRNA calls")
    assert 0.5 < np.mean(fractions) <= 1.0


@pytest.mark.parametrize("arrays", [True, False], ids=["arrays", "fold-compounds"])
@pytest.mark.parametrize("length", [100, 400])
def test_move_scoring(benchmark, length: int, arrays: bool) -> None:
    """Scoring the 32 variants of an informed move against two structures: all at once from the Turner tables
    (learna.search.turner), or one fold compound per variant (what the search did before). With 32 variants
    the Turner tables evaluate every term (below turner.SPLIT_ROWS); test_informed_move measures a whole move."""
    from learna.alphabet import base_codes
    from learna.search.turner import turner_model

    sequence, target = random_case(length)
    unpaired = [i for i, c in enumerate(target.dot_bracket) if c == "."][:3]
    rng = np.random.default_rng(0)
    variants = []
    for _ in range(32):
        bases = list(sequence)
        for i in unpaired:
            bases[i] = "ACGU"[int(rng.integers(4))]
        variants.append("".join(bases))
    structures = (target.dot_bracket, "." * length)
    model = turner_model(DEFAULT_MODEL)

    def score():
        if arrays:
            codes = base_codes(variants)
            return np.column_stack([model.energies(s, codes) for s in structures])
        return np.array([structure_energies(v, structures) for v in variants])

    energies = benchmark(score)
    assert energies.shape == (32, 2) and (energies[:, 1] == 0.0).all()


@pytest.mark.parametrize("what", ["bound", "mfe-fold"])
def test_child_bound(benchmark, what: str) -> None:
    """What a child of a 110-nt parent costs before its fold: its energies in the parent's 40 drawn structures
    and the target (learna.search.objectives.Evaluator.known_energies, the structures compiled once), against
    the MFE fold the bound can save."""
    import RNA

    from learna.search import Evaluator
    from learna.search.turner import turner_model

    sequence, target = random_case(110)
    evaluator = Evaluator(target, "probability", bound_structures=40)
    fc = RNA.fold_compound(sequence)
    fc.exp_params_rescale(fc.mfe()[1])
    fc.pf()
    drawn = sorted({s for s in fc.pbacktrack(160) if s != target.dot_bracket})[:40]
    structures = turner_model(DEFAULT_MODEL).structure_set(drawn)
    if what == "bound":
        known = benchmark(evaluator.known_energies, sequence, structures)
        assert known.target_energy == structure_energies(sequence, (target.dot_bracket,))[0]
    else:
        assert benchmark(fold, sequence)[0] == target.dot_bracket


@pytest.mark.parametrize("what", ["gap-bound", "mfe-fold"])
def test_child_gap_bound(benchmark, what: str) -> None:
    """What a child of a 400-nt parent costs before its fold in a search by the MFE distance (``gap_bound``): its
    energies in the target and in its parent's MFE structure from the Turner tables
    (learna.search.objectives.Evaluator.known_energies), against the MFE fold the bound can save."""
    from learna.search import Evaluator
    from learna.search.objectives import BoundSet
    from learna.search.turner import turner_model

    sequence, target = random_case(400)
    other = "A" if sequence[200] != "A" else "C"
    rival = fold(sequence[:200] + other + sequence[201:])[0]  # a structure near the target
    evaluator = Evaluator(target, "mfe_distance", gap_bound=True)
    bound = BoundSet(turner_model(DEFAULT_MODEL).structure_set([rival]))
    if what == "gap-bound":
        known = benchmark(evaluator.known_energies, sequence, bound)
        assert known.target_energy == structure_energies(sequence, (target.dot_bracket,))[0]
    else:
        assert benchmark(fold, sequence)[0] == target.dot_bracket


@pytest.mark.parametrize("cached", [False, True])
def test_bound_set_compile(benchmark, cached: bool) -> None:
    """Compiling a 110-nt parent's 40 drawn structures into one set (learna.search.turner.TurnerModel.structure_set):
    each structure from scratch, against from the cache of the structures the sets of related parents share."""
    import RNA

    from learna.search.turner import TurnerModel, turner_model

    sequence, target = random_case(110)
    fc = RNA.fold_compound(sequence)
    fc.exp_params_rescale(fc.mfe()[1])
    fc.pf()
    drawn = sorted({s for s in fc.pbacktrack(160) if s != target.dot_bracket})[:40]
    model = TurnerModel(turner_model(DEFAULT_MODEL).p)
    if cached:
        model.structure_set(drawn)
        compiled = benchmark(model.structure_set, drawn)
    else:  # the cache emptied before every round
        compiled = benchmark.pedantic(model.structure_set, args=(drawn,), setup=model._set_terms.clear, rounds=50)
    assert compiled.structures == tuple(drawn)


@pytest.mark.parametrize("length", [100, 400])
def test_informed_move(benchmark, length: int) -> None:
    """One informed move of the shipped preset (its variants listed, filtered and scored against the parent's
    MFE structure, one drawn), the work the search does between two folds."""
    from learna.presets import PRESETS
    from learna.search import MoveSet
    from learna.search.informed import InformedProposer

    sequence, target = random_case(length)
    config = PRESETS["hybrid"].hybrid.search
    moves = MoveSet(target, config)
    proposer = InformedProposer(target, moves, config, DEFAULT_MODEL)
    parent = moves.initial(np.random.default_rng(1))
    competitor = fold(parent)[0]
    rng = np.random.default_rng(2)

    def move():
        return proposer.step(parent, int(rng.integers(length)), competitor, set(), rng)

    child, _ = benchmark(move)
    assert len(child) == length and child != parent
