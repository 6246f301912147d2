import csv
from pathlib import Path

import pytest
import RNA

from learna.alphabet import PAIRS
from learna.constraints import DesignConstraints
from learna.errors import ConfigError
from learna.folding import (DEFAULT_MODEL, FoldingModel, ensemble_scores, fold, fold_structure, mfe_structures,
                            best_rival, seed_sampling, structure_energies, unique_mfe)
from learna.quality import assess
from learna.structure import Target, pair_table

PUZZLES = Path(__file__).resolve().parents[1] / "learna" / "data" / "eterna100" / "original" / "eterna100_puzzles.tsv"


def _player_solutions():
    with open(PUZZLES, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(r["Secondary Structure V2"], r["Sample Solution (V2/Vienna2)"]) for r in rows
            if set(r["Sample Solution (V2/Vienna2)"]) <= set("ACGU")]


@pytest.mark.slow
def test_player_solutions_fold_into_their_v2_targets():
    """The energy model matches the benchmark's: all 99 disclosed V2 player solutions fold exactly."""
    solutions = _player_solutions()
    assert len(solutions) == 99
    failures = [i for i, (target, seq) in enumerate(solutions) if fold_structure(seq) != target]
    assert failures == []


def test_fold_known_hairpin_value():
    structure, energy = fold("GGGGAAACCCC")
    assert structure == "((((...))))"
    assert energy == pytest.approx(-4.5, abs=0.01)  # RNAfold 2.8.0 -p0 value
    assert structure_energies("GGGGAAACCCC", [structure])[0] == pytest.approx(energy, abs=1e-6)


def test_model_settings_change_the_fold():
    seq = "GGGAAAUCCCAGGGAAAUCCCA"
    hot = FoldingModel(temperature=90.0)
    assert fold_structure(seq, hot) == "." * len(seq)
    assert fold_structure(seq) != fold_structure(seq, hot)
    with pytest.raises(ConfigError):
        FoldingModel(dangles=5)


def test_default_model_equals_viennarna_defaults():
    seq = "GCGCUUCGCCGAAAGGCGGCAUCGAUCGAUUAGC"
    assert fold(seq)[0] == RNA.fold(seq)[0]
    assert DEFAULT_MODEL == FoldingModel(37.0, 2, False)


def test_ensemble_values_match_viennarna():
    seq, target = "GGGGAAACCCCAUAUGGGAAACCCA", "((((...))))...((((...))))"
    mfe = fold(seq)[1]
    result = ensemble_scores(seq, pair_table(target), target, mfe)
    fc = RNA.fold_compound(seq)
    fc.mfe()
    fc.exp_params_rescale(mfe)
    _, ensemble_energy = fc.pf()
    assert result.probability == pytest.approx(fc.pr_structure(target), rel=1e-9)
    assert result.positional_defect.mean() == pytest.approx(fc.ensemble_defect(target), rel=1e-9)
    assert result.ensemble_energy == pytest.approx(ensemble_energy, rel=1e-9)
    assert 0 < result.probability < 1


def test_ensemble_samples_are_structures_of_the_sequence_and_reproducible():
    seq, target = "GGGGAAACCCCAUAUGGGAAACCCA", "((((...))))...((((...))))"
    mfe = fold(seq)[1]
    seed_sampling(11)
    first = ensemble_scores(seq, pair_table(target), target, mfe, samples=40).samples
    seed_sampling(11)
    again = ensemble_scores(seq, pair_table(target), target, mfe, pair_probabilities=False, samples=40).samples
    assert len(first) == 40 and first == again  # the same seed draws the same structures, with or without bpp
    assert len(set(first)) > 1 and target in first  # P(target) ≈ 0.4 here: drawn, not alone
    for structure in set(first):  # every drawn structure is a valid fold of the sequence, never below the MFE
        assert all(seq[i] + seq[j] in PAIRS for i, j in Target(structure).pairs)
        assert structure_energies(seq, [structure])[0] >= mfe - 1e-9
    assert ensemble_scores(seq, pair_table(target), target, mfe).samples == ()


TIED = "UACUUAUUCCUUGCAUCGGACGAG"  # two MFE structures


@pytest.mark.parametrize(("sequence", "target"), [
    ("GGGGAAACCCCAUAUGGGAAACCCA", "((((...))))...((((...))))"),  # unique
    (TIED, ".......(((.......)))...."),  # tied: ViennaRNA returns this one
    (TIED, "..(((..(((.......))).)))"),  # tied: the other MFE structure
    ("GGGGAAACCCCAUAUGGGAAACCCA", "........................."),  # not the MFE
    ("AAAAAAAAAAAA", "............"),  # no pair can form: no competitor
])
def test_the_assessment_matches_viennarnas_own_calls(sequence, target):
    check = assess(Target(target), sequence)
    fc = RNA.fold_compound(sequence)
    structure, mfe = fc.mfe()
    assert (check.folded, check.mfe, check.distance) == (structure, round(mfe, 2), sum(
        a != b for a, b in zip(structure, target)))
    ties = [s.structure for s in fc.subopt(0)]
    assert check.unique_mfe == (ties == [target] if structure == target else None)
    others = sorted((s.energy, s.structure) for s in fc.subopt(800) if s.structure != target)  # within 8 kcal/mol
    target_energy = fc.eval_structure(target)
    if others:
        assert check.energy_gap == pytest.approx(others[0][0] - target_energy, abs=0.005)
        # the competitor: ViennaRNA's MFE structure when that is not the target, else the lowest other one
        assert check.competitor == (structure if structure != target else others[0][1])
        assert fc.eval_structure(check.competitor) == pytest.approx(target_energy + check.energy_gap, abs=0.005)
    else:
        assert check.energy_gap is None and check.competitor is None and best_rival(sequence, target) is None
    fc.exp_params_rescale(mfe)
    fc.pf()
    assert check.probability == pytest.approx(fc.pr_structure(target), rel=1e-6)
    assert check.ensemble_defect == pytest.approx(fc.ensemble_defect(target), rel=1e-6)
    assert (check.solved_under("prefer"), check.solved_under("require")) == (
        structure == target, structure == target and ties == [target])


def test_the_assessment_of_no_design_and_of_constraints():
    target = Target("((....))", constraints=DesignConstraints("GNNNNNNC", gc=0.5, gc_tolerance=0.1))
    empty = assess(target, None)
    assert (empty.folded, empty.distance, empty.unique_mfe, empty.constraints_satisfied) == (None, None, None, None)
    check = assess(target, "GGAAAACC")  # folds? whatever it folds to, the constraints hold
    assert check.constraints_satisfied is True and check.gc_content == 0.5
    assert assess(target, "CGAAAACG").constraints_satisfied is False
    assert len(mfe_structures(TIED)) == 2


def test_unique_mfe_counts_a_tie_as_not_unique():
    # Eterna100-V2 id 72 ties with the structure without its lone pair (docs/results/search-hard/NOTES.md)
    tied = "AAGGCGGGGUGAAAAAAGGCCGGGCGAAAGCCCGGAGGCCGGCGGAAGCCGGCCACGAAAAAAGCCCCGCCGG"
    target = "..((((((((.......(.((((((....)))))).(((((((....))))))).).......)))))))).."
    assert target in mfe_structures(tied) and not unique_mfe(tied, target)
    assert unique_mfe("GGGGAAACCCC", "((((...))))") and not unique_mfe("GGGGAAACCCC", ".(((...))).")
