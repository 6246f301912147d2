"""The local search as the environment's improvement step (EnvConfig.improvement = "search", "near_search")."""

import json
import time
from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from learna.alphabet import BASES
from learna.api import design
from learna.config import DesignerConfig
from learna.configio import from_dict, to_dict
from learna.constraints import DesignConstraints
from learna.designers import resolve_checkpoint
from learna.env import ENV_ID, EnvConfig, RnaDesignEnv
from learna.env.reward import evaluate_design, reward_of
from learna.errors import ConfigError
from learna.folding import fold_structure
from learna.presets import LEARNA_PAPER, META_LEARNA_PAPER, resolve_config
from learna.search import SearchConfig
from learna.structure import Target, hamming

SEARCH = EnvConfig(reward_exponent=2.0, improvement="search", improvement_evaluations=40)
UNREFINED = replace(SEARCH, improvement="lis", mutation_threshold=0)
TARGETS = ["((((((....))))))..((((....))))..", "..(((((...((((....))))...)))))..((((.....))))"]


def random_sequences(target: Target, count: int, seed: int) -> list[str]:
    """Random sequences that follow the target's sequence constraint (pairs not necessarily complementary)."""
    rng = np.random.default_rng(seed)
    allowed = target.constraints.allowed_bases(len(target))
    return ["".join(rng.choice([b for b, ok in zip(BASES, row) if ok]) for row in allowed) for _ in range(count)]


def assert_consistent(outcome, target: Target, config: EnvConfig) -> None:
    """The reported fold, distance and reward are those of the reported sequence (an independent fold)."""
    folded = fold_structure(outcome.sequence, config.folding)
    assert outcome.folded == folded and outcome.distance == hamming(folded, target.dot_bracket)
    assert outcome.constraint_distance == target.constraints.distance(outcome.sequence)
    total = min(outcome.distance + outcome.constraint_distance, len(target))
    assert outcome.reward == pytest.approx(reward_of(total, len(target), config.reward_exponent))


@pytest.mark.parametrize("structure", TARGETS)
def test_refined_outcome_folds_to_its_distance_and_never_worsens(structure):
    target = Target(structure)
    improved = 0
    for sequence in random_sequences(target, 3, seed=len(structure)):
        refined, plain = evaluate_design(sequence, target, SEARCH), evaluate_design(sequence, target, UNREFINED)
        assert_consistent(refined, target, SEARCH)
        assert refined.total_distance <= plain.total_distance
        assert refined.folds <= 1 + SEARCH.improvement_evaluations
        assert (refined.folds > 1) == (plain.total_distance > 0)  # it ran whenever unsolved, whatever d
        assert (refined.sequence != sequence) == (refined.total_distance < plain.total_distance)
        improved += refined.total_distance < plain.total_distance
    assert improved > 0


def near_misses(target: Target, count: int, seed: int) -> list[str]:
    """GC stems and A loops (which fold into these targets) with one to three sites changed."""
    rng = np.random.default_rng(seed)
    canonical = "".join("G" if c == "(" else "C" if c == ")" else "A" for c in target.dot_bracket)
    designs = []
    for k in range(count):
        letters = list(canonical)
        for i in rng.choice(len(letters), size=1 + k % 3, replace=False):
            letters[i] = rng.choice([b for b in BASES if b != letters[i]])
        designs.append("".join(letters))
    return designs


@pytest.mark.parametrize("threshold", [3, 7])
def test_near_search_refines_only_near_misses(threshold):
    target = Target(TARGETS[1])
    near = replace(SEARCH, improvement="near_search", mutation_threshold=threshold)
    searched = skipped = 0
    for sequence in near_misses(target, 12, seed=2):  # d + d_GC: 0 2 4 6 8 10
        plain = evaluate_design(sequence, target, UNREFINED)
        outcome = evaluate_design(sequence, target, near)
        assert_consistent(outcome, target, near)
        if 0 < plain.total_distance < threshold:
            assert outcome == evaluate_design(sequence, target, SEARCH)  # the very search of "search"
            assert outcome.folds > 1
            searched += 1
        else:
            assert outcome == plain and outcome.folds == 1
            skipped += plain.total_distance > 0
    assert searched > 0 and skipped > 0


def test_refinement_is_seeded_by_the_design():
    target = Target(TARGETS[1])
    sequence = random_sequences(target, 1, seed=5)[0]
    assert evaluate_design(sequence, target, SEARCH) == evaluate_design(sequence, target, SEARCH)


def test_refinement_respects_design_constraints():
    structure = TARGETS[1]
    codes = "".join("R" if c == "." else "S" if k < 4 else "N" for k, c in enumerate(structure))
    target = Target(structure, constraints=DesignConstraints(codes, gc=0.4, gc_tolerance=0.05))
    for sequence in random_sequences(target, 3, seed=1):
        refined, plain = evaluate_design(sequence, target, SEARCH), evaluate_design(sequence, target, UNREFINED)
        assert not target.constraints.violations(refined.sequence)
        assert refined.total_distance <= plain.total_distance
        assert_consistent(refined, target, SEARCH)


def test_refinement_stops_at_the_deadline():
    target = Target("((((((.))))))" + "..((((....))))" * 2)  # a 1-nt hairpin: never solved
    config = replace(SEARCH, improvement_evaluations=10**6)
    sequence = random_sequences(target, 1, seed=0)[0]
    assert evaluate_design(sequence, target, config, deadline=time.monotonic() - 1).folds == 1
    tic = time.monotonic()
    outcome = evaluate_design(sequence, target, config, deadline=tic + 0.2)
    assert time.monotonic() - tic < 3.0 and 1 < outcome.folds < 10**6
    assert_consistent(outcome, target, config)


def test_env_with_search_passes_the_checker_and_reports_the_refined_sequence():
    config = replace(SEARCH, state_radius=4)
    env = gym.make(ENV_ID, config=config, targets=[TARGETS[0]])
    check_env(env.unwrapped, skip_render_check=True)
    env = RnaDesignEnv(config, targets=[TARGETS[0]])
    _, info = env.reset(seed=0)
    env.action_space.seed(0)
    done = False
    while not done:
        _, reward, done, _, info = env.step(env.action_space.sample(mask=info["action_mask"]))
    assert info["distance"] == hamming(fold_structure(info["sequence"]), TARGETS[0])
    assert reward == pytest.approx(reward_of(info["distance"], len(TARGETS[0]), config.reward_exponent))
    plain = evaluate_design(info["written_sequence"], Target(TARGETS[0]), UNREFINED)
    assert info["distance"] < plain.distance and info["sequence"] != info["written_sequence"]


def test_config_round_trips_through_json_and_config_files(tmp_path):
    config = replace(LEARNA_PAPER, env=replace(LEARNA_PAPER.env, improvement="search", improvement_evaluations=60,
                                               improvement_search=SearchConfig(frontier_size=4)))
    assert from_dict(DesignerConfig, json.loads(json.dumps(to_dict(config)))) == config
    path = tmp_path / "search.json"
    path.write_text('{"env": {"improvement": "search"}}')
    loaded = resolve_config("learna", path=path, base=LEARNA_PAPER)
    assert loaded.env == replace(LEARNA_PAPER.env, improvement="search") and loaded.ppo == LEARNA_PAPER.ppo
    assert loaded.env.improvement_search == SearchConfig(objective="mfe_distance")


@pytest.mark.parametrize("env", [{"improvement": "nope"}, {"improvement_evaluations": 0},
                                 {"improvement_search": {"objective": "nope"}}])
def test_invalid_improvement_settings_are_config_errors(env):
    with pytest.raises(ConfigError):
        from_dict(DesignerConfig, {"env": env})
    with pytest.raises(ConfigError):
        EnvConfig(**{k: SearchConfig(**v) if isinstance(v, dict) else v for k, v in env.items()})


def test_design_modes_solve_with_search_and_keep_it_over_a_checkpoint(checkpoint):
    target = Target(TARGETS[1])
    config = replace(LEARNA_PAPER, env=replace(LEARNA_PAPER.env, improvement="search"))
    result = design(target, config=config, mode="learna", time_limit=20, seed=0)
    assert result.solved and fold_structure(result.sequence) == target.dot_bracket
    assert design(target, config=config, mode="learna", time_limit=20, seed=0).sequence == result.sequence
    adapt = replace(META_LEARNA_PAPER, env=replace(META_LEARNA_PAPER.env, improvement="search"))
    # the checkpoint's config says "lis"; the caller's improvement step wins
    assert resolve_checkpoint("meta-learna-adapt", adapt, checkpoint)[0].env.improvement == "search"
    result = design(target, config=adapt, mode="meta-learna-adapt", time_limit=20, seed=0, checkpoint=checkpoint)
    assert result.solved and fold_structure(result.sequence) == target.dot_bracket


def test_design_with_search_stops_at_the_time_limit():
    target = Target("((((((.))))))" + "..((((....))))" * 4)
    config = replace(LEARNA_PAPER, env=replace(LEARNA_PAPER.env, improvement="search", improvement_evaluations=10**5))
    result = design(target, config=config, mode="learna", time_limit=0.5, seed=0)
    assert not result.solved and result.time_s < 2.0 and result.folds > result.stats["episodes"]
