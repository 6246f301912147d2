"""The design modes through the Python API: results verified by an independent fold, reproducible with a
fold budget, milestones and uniqueness, and clear errors."""

from dataclasses import replace

import pytest

import learna
import learna.api
from conftest import SMALL_TARGETS
from learna.designers import DESIGNERS, MODES, shipped_weights
from learna.errors import CheckpointError, ConfigError, StructureError
from learna.folding import fold_structure, mfe_structures
from learna.presets import LEARNA_PAPER, PRESETS
from learna.structure import Target, hamming

HARD = "((((((((....))))..((((....)))).))))...((((....))))"
IMPOSSIBLE = "..(((((.)))))" * 3
"""Hairpin loops of one site: no sequence folds into this (ViennaRNA's hairpins have at least three)."""
NO_IMPROVEMENT = {"env": {"improvement": "lis", "mutation_threshold": 0}}
"""One fold per episode."""


@pytest.mark.parametrize("structure", SMALL_TARGETS)
def test_learna_solves_small_targets_verified_by_an_independent_fold(structure):
    result = learna.design(structure, mode="learna", time_limit=30, seed=0)
    assert fold_structure(result.sequence) == structure
    assert result.solved and result.folded == structure and result.distance == 0
    assert result.unique_mfe == (mfe_structures(result.sequence) == [structure])


def test_a_fold_budget_makes_an_unsolved_run_reproducible_to_the_last_base():
    target = IMPOSSIBLE
    runs = [learna.design(target, mode="learna", time_limit=120, seed=3, max_folds=60) for _ in range(2)]
    assert runs[0].sequence == runs[1].sequence and runs[0].folds == runs[1].folds
    assert 60 <= runs[0].folds < 60 + 16 * 257  # the budget is checked between episodes (an LIS run adds ≤ 256)
    other = learna.design(target, mode="learna", time_limit=120, seed=4, max_folds=60)
    assert other.sequence != runs[0].sequence


def test_golden_designs_of_every_mode(checkpoint):
    """Regression: fixed seed and fold budget give these exact designs (change them only on purpose)."""
    target = "((((....))))..((((....))))"
    golden = {mode: learna.design(target, mode=mode, time_limit=60, seed=11, max_folds=40,
                                  checkpoint=checkpoint if mode.startswith("meta") else None).sequence for mode in MODES}
    again = {mode: learna.design(target, mode=mode, time_limit=60, seed=11, max_folds=40,
                                 checkpoint=checkpoint if mode.startswith("meta") else None).sequence for mode in MODES}
    assert golden == again
    assert all(fold_structure(sequence) == target for sequence in golden.values())


def test_an_unsolved_run_reports_the_best_design_and_stops_at_the_limit():
    target = Target(IMPOSSIBLE)
    result = learna.design(target, mode="learna", time_limit=0.3, seed=0)
    assert not result.solved and result.time_to_solve_s is None
    assert result.time_s == pytest.approx(0.3, abs=1.0)
    assert result.distance == hamming(fold_structure(result.sequence), target.dot_bracket) > 0
    assert result.stats["episodes"] >= 1 and result.folds >= result.stats["episodes"] // 2


def test_learna_mode_learns_on_the_target():
    result = learna.design(IMPOSSIBLE, mode="learna", time_limit=60, seed=0, max_folds=200, config=NO_IMPROVEMENT)
    assert result.folds == 200 and result.stats["updates"] == 200 // 16 and result.stats["restarts"] == 0


def test_meta_learna_samples_without_updates_and_adapt_learns(checkpoint):
    fixed, adapt = (learna.design(IMPOSSIBLE, mode=mode, time_limit=60, seed=0, checkpoint=checkpoint, max_folds=100,
                                  config=NO_IMPROVEMENT) for mode in ("meta-learna", "meta-learna-adapt"))
    assert fixed.folds == adapt.folds == 100
    assert fixed.stats["updates"] == 0 and fixed.stats["restarts"] == 0 and adapt.stats["updates"] == 100 // 16


TIED = "UACUUAUUCCUUGCAUCGGACGAG"
"""Folds into '.......(((.......))).... ', tied with '..(((..(((.......))).)))' (two MFE structures)."""


@pytest.mark.parametrize("mode", MODES)
def test_a_tied_design_is_solved_but_not_unique_and_not_solved_under_unique_mfe(mode, checkpoint):
    """The sequence constraint allows only the tied sequence: every mode must return it, flagged."""
    target = Target(fold_structure(TIED), constraints=learna.DesignConstraints(TIED))
    kwargs = {"mode": mode, "time_limit": 1, "seed": 0, "checkpoint": checkpoint if mode.startswith("meta") else None}
    prefer = learna.design(target, **kwargs)
    assert prefer.sequence == TIED and len(mfe_structures(TIED)) == 2
    assert prefer.solved and prefer.unique_mfe is False and prefer.energy_gap == 0
    assert prefer.time_to_solve_s is not None and prefer.time_to_unique_s is None
    # it went on looking for a unique design until the limit (the search: until it had nothing new to try)
    assert prefer.time_s >= 0.9 if mode != "hybrid" else prefer.stats["evaluations"] == 1
    strict = learna.design(target, unique_mfe=True, **kwargs)
    assert strict.sequence == TIED and not strict.solved and strict.time_to_solve_s is None
    first = learna.design(target, config={"uniqueness": "ignore"}, **kwargs)
    assert first.solved and first.time_s < 0.5  # the paper's criterion: the first solution ends the run


def test_a_unique_design_reports_both_milestones():
    result = learna.design("((((....))))..((((....))))", time_limit=30, seed=0, config={"hybrid": {"use_policy": False}})
    assert result.solved and result.unique_mfe and result.energy_gap > 0
    assert mfe_structures(result.sequence) == ["((((....))))..((((....))))"]
    assert result.time_to_solve_s <= result.time_to_unique_s <= result.time_s


def test_the_library_default_mode_is_the_cli_default():
    assert MODES[0] == "hybrid" == learna.design.__kwdefaults__["mode"]
    assert set(DESIGNERS) == set(PRESETS)


def test_meta_modes_need_weights(tmp_path, monkeypatch):
    monkeypatch.setattr("learna.designers.weights.shipped_weights", lambda: None)  # an install without them
    with pytest.raises(CheckpointError, match="needs pretrained weights"):
        learna.design("((....))", mode="meta-learna", time_limit=1)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        learna.design("((....))", mode="meta-learna", time_limit=1, checkpoint=tmp_path)
    (tmp_path / "model.pt").write_bytes(b"garbage")
    (tmp_path / "config.json").write_text('{"config": {}}')
    with pytest.raises(CheckpointError, match="corrupted"):
        learna.design("((....))", mode="meta-learna", time_limit=1, checkpoint=tmp_path)


def test_a_checkpoint_fixes_the_network_and_a_conflicting_override_is_refused(checkpoint):
    with pytest.raises(ConfigError, match="fixes network"):
        learna.design("((....))", mode="meta-learna", time_limit=1, checkpoint=checkpoint,
                      config={"network": {"fc_units": 7}})
    with pytest.raises(ConfigError, match="fixes env.state_radius"):
        learna.design("((....))", mode="hybrid", time_limit=1, checkpoint=checkpoint,
                      config={"hybrid": {"use_policy": True}, "env": {"state_radius": 30}})
    with pytest.raises(ConfigError, match='add that to use the checkpoint'):
        learna.design("((....))", mode="hybrid", time_limit=1, checkpoint=checkpoint)
    with pytest.raises(ConfigError, match="takes no checkpoint"):
        learna.design("((....))", mode="learna", time_limit=1, checkpoint=checkpoint)


@pytest.mark.parametrize("mode", ["meta-learna", "meta-learna-adapt"])
def test_shipped_weights_load_and_solve_small_targets(mode):
    assert shipped_weights() is not None
    for structure in SMALL_TARGETS:
        result = learna.design(structure, mode=mode, time_limit=20, seed=0)
        assert result.solved and fold_structure(result.sequence) == structure, (structure, result)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"time_limit": 0}, ConfigError, "positive number of seconds"),
    ({"time_limit": float("nan")}, ConfigError, "positive number of seconds"),
    ({"time_limit": float("inf")}, ConfigError, "positive number of seconds"),
    ({"mode": "nope"}, ConfigError, "unknown mode 'nope'"),
    ({"seed": -1}, ConfigError, "seed must be an integer from 0"),
    ({"seed": 2**70}, ConfigError, "seed must be an integer from 0"),
    ({"max_folds": 0}, ConfigError, "max_folds must be a positive integer"),
    ({"constraint": ""}, ConfigError, "empty sequence constraint"),
    ({"config": {"restart_timeout": -10}}, ConfigError, "restart_timeout must be a positive number"),
    ({"config": {"env": {"state_radius": 2}}, "mode": "learna"}, ConfigError, "raise state_radius to at least 10"),
    ({"config": {"ppo": {"learning_rate": float("nan")}}}, ConfigError, "expected a finite number"),
    ({"config": 5}, ConfigError, "config must be a DesignerConfig"),
])
def test_invalid_arguments_are_refused_before_any_work(kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        learna.design("((....))", **{"time_limit": 5, **kwargs})


def test_invalid_targets_and_a_target_too_long_for_the_limit():
    with pytest.raises(StructureError, match="unbalanced"):
        learna.design("((...)", time_limit=5)
    with pytest.raises(ConfigError, match="one fold takes about"):
        learna.design("(" * 2500 + "." * 5000 + ")" * 2500, time_limit=5)


def test_learna_preset_is_the_paper_config_with_the_near_miss_search():
    preset = PRESETS["learna"]
    assert preset.network == LEARNA_PAPER.network and preset.ppo == LEARNA_PAPER.ppo
    assert (preset.env.improvement, preset.env.mutation_threshold) == ("near_search", 10)
    assert replace(preset.env, improvement="lis", mutation_threshold=5) == LEARNA_PAPER.env
    assert LEARNA_PAPER.restart_timeout == 1800.0


@pytest.mark.parametrize("mode", ["hybrid", "learna", "meta-learna-adapt"])
def test_several_designs_are_distinct_verified_and_ranked(mode, checkpoint):
    target = "((((....))))..((((....))))"
    results = learna.design(target, mode=mode, designs=3, min_distance=5, time_limit=20, seed=0,
                            checkpoint=checkpoint if mode.startswith("meta") else None)
    assert [r.rank for r in results] == [1, 2, 3], results
    assert all(r.solved and fold_structure(r.sequence) == target for r in results)
    assert all(hamming(a.sequence, b.sequence) >= 5 for a in results for b in results if a is not b)
    assert results == sorted(results, key=learna.api.robustness)


def test_several_designs_refuse_bad_counts():
    for kwargs, message in (({"designs": 0}, "designs must be an integer from 1"),
                            ({"designs": 2, "min_distance": 0}, "min_distance must be a positive integer")):
        with pytest.raises(ConfigError, match=message):
            learna.design("((....))", time_limit=1, **kwargs)
