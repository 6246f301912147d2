from dataclasses import replace

import pytest

from conftest import SMALL_TARGETS
from learna.design import design, shipped_weights
from learna.errors import CheckpointError, ConfigError
from learna.folding import fold_structure
from learna.presets import LEARNA_PAPER, PRESETS
from learna.structure import Target


@pytest.mark.parametrize("structure", SMALL_TARGETS)
def test_small_targets_are_solved_and_verified(structure):
    result = design(Target(structure), time_limit=30, seed=0)
    assert result.solved
    assert fold_structure(result.sequence) == structure
    assert result.folded == structure and result.distance == 0


def test_same_seed_gives_the_same_design():
    target = Target("((((((....)))..(((....))))))")
    first = design(target, time_limit=30, seed=7)
    second = design(target, time_limit=30, seed=7)
    assert first.solved and second.solved
    assert (first.sequence, first.episodes) == (second.sequence, second.episodes)


def test_unsolved_run_keeps_the_best_design_and_stops_at_the_limit():
    target = Target("((((((((((((....))))))))))))" * 2)
    result = design(target, time_limit=0.3, seed=0)
    assert result.time_s < 1.5
    assert result.episodes >= 1
    assert result.distance == len([1 for a, b in zip(result.folded, target.dot_bracket) if a != b])


def test_learna_mode_updates_the_network():
    result = design(Target("((((((((....))))..((((....)))).))))...((((....))))"), time_limit=1.5, seed=0)
    assert result.updates > 0 or result.solved


def test_meta_modes_need_a_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr("learna.design.shipped_weights", lambda: None)  # an install without the shipped weights
    with pytest.raises(CheckpointError, match="needs pretrained weights"):
        design(Target("((....))"), mode="meta-learna", time_limit=1)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        design(Target("((....))"), mode="meta-learna", time_limit=1, checkpoint=tmp_path)
    (tmp_path / "model.pt").write_bytes(b"garbage")
    (tmp_path / "config.json").write_text('{"config": {}}')
    with pytest.raises(CheckpointError, match="corrupted"):
        design(Target("((....))"), mode="meta-learna", time_limit=1, checkpoint=tmp_path)


@pytest.mark.parametrize("mode", ["meta-learna", "meta-learna-adapt"])
def test_shipped_weights_load_and_solve_small_targets_within_seconds(mode):
    assert shipped_weights() is not None
    for structure in SMALL_TARGETS:
        result = design(Target(structure), mode=mode, time_limit=20, seed=0)
        assert result.solved and fold_structure(result.sequence) == structure, (structure, result)


def test_meta_learna_samples_without_updates_and_adapt_learns(checkpoint):
    target = Target("((((((((....))))..((((....)))).))))...((((....))))")
    fixed = design(target, mode="meta-learna", time_limit=1.0, seed=0, checkpoint=checkpoint)
    adapt = design(target, mode="meta-learna-adapt", time_limit=1.0, seed=0, checkpoint=checkpoint)
    assert fixed.updates == 0 and fixed.restarts == 0
    assert adapt.updates > 0 or adapt.solved


def test_invalid_arguments():
    with pytest.raises(ConfigError):
        design(Target("((....))"), time_limit=0)
    with pytest.raises(ConfigError):
        design(Target("((....))"), mode="nope")
    assert LEARNA_PAPER.restart_timeout == 1800.0


def test_learna_preset_is_the_paper_config_with_the_near_miss_search():
    preset = PRESETS["learna"]
    assert preset.network == LEARNA_PAPER.network and preset.ppo == LEARNA_PAPER.ppo
    assert (preset.env.improvement, preset.env.mutation_threshold) == ("near_search", 10)
    assert replace(preset.env, improvement="lis", mutation_threshold=5) == LEARNA_PAPER.env
