import csv
from pathlib import Path

import pytest
import RNA

from learna.errors import ConfigError
from learna.folding import DEFAULT_MODEL, FoldingModel, energy_of, evaluate_ensemble, fold, fold_structure
from learna.structure import pair_table

PUZZLES = Path(__file__).resolve().parents[1] / "learna" / "data" / "eterna100" / "original" / "eterna100_puzzles.tsv"


def _player_solutions():
    with open(PUZZLES, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(r["Secondary Structure V2"], r["Sample Solution (V2/Vienna2)"]) for r in rows
            if set(r["Sample Solution (V2/Vienna2)"]) <= set("ACGU")]


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
    assert energy_of("GGGGAAACCCC", structure) == pytest.approx(energy, abs=1e-6)


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
    result = evaluate_ensemble(seq, pair_table(target), target)
    fc = RNA.fold_compound(seq)
    _, mfe = fc.mfe()
    fc.exp_params_rescale(mfe)
    fc.pf()
    assert result.probability == pytest.approx(fc.pr_structure(target), rel=1e-9)
    assert result.ensemble_defect == pytest.approx(fc.ensemble_defect(target), rel=1e-9)
    assert result.positional_defect.mean() == pytest.approx(result.ensemble_defect)
    assert 0 < result.probability < 1
