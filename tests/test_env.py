import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from learna.env import ENV_ID, EnvConfig, RnaDesignEnv
from learna.env.encoding import decode_actions, episode_observations
from learna.env.reward import evaluate_design, local_improvement, reward_of
from learna.folding import DEFAULT_MODEL, fold_structure
from learna.structure import Target, hamming


@pytest.mark.parametrize("encoding", ["binary", "tokens"])
def test_env_passes_gymnasium_checker(encoding):
    env = gym.make(ENV_ID, config=EnvConfig(state_radius=4, encoding=encoding), targets=["((((....))))..."])
    check_env(env.unwrapped, skip_render_check=True)


def test_exact_observations_of_a_small_target():
    target = Target("((..))")
    tokens = episode_observations(target, EnvConfig(state_radius=2, encoding="tokens"))
    # visited sites: 0 '(', 1 '(', 2 '.', 3 '.'; padding '=' is token 3
    assert tokens.tolist() == [[3, 3, 1, 1, 0], [3, 1, 1, 0, 0], [1, 1, 0, 0, 2], [1, 0, 0, 2, 2]]
    binary = episode_observations(target, EnvConfig(state_radius=1, encoding="binary"))
    assert binary.dtype == np.float32
    assert binary.tolist() == [[0, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 1]]


def test_env_writes_pairs_together_and_skips_closing_brackets():
    env = RnaDesignEnv(EnvConfig(state_radius=2, mutation_threshold=0))
    obs, _ = env.reset(seed=0, options={"target": "((..))."})
    steps = 0
    done = False
    for action in [0, 2, 1, 3, 2]:  # GC pair, AU pair, A, C, U
        obs, reward, done, truncated, info = env.step(action)
        steps += 1
    assert done and steps == 5
    assert info["sequence"] == "GAACUCU"
    assert info["folded"] == fold_structure("GAACUCU")
    assert reward == pytest.approx(reward_of(info["distance"], 7, env.config.reward_exponent))


@pytest.mark.parametrize("wobble", [False, True])
def test_decode_actions_matches_the_env(wobble):
    target = Target("((.((...)).))..")
    config = EnvConfig(state_radius=2, mutation_threshold=0, wobble_actions=wobble)
    rng = np.random.default_rng(0)
    paired = np.array([target.partners[s] >= 0 for s in target.design_sites])
    actions = np.where(paired, rng.integers(0, config.actions, size=(5, len(paired))), rng.integers(0, 4, size=(5, len(paired))))
    env = RnaDesignEnv(config)
    for row, sequence in zip(actions, decode_actions(target, actions, config)):
        env.reset(options={"target": target})
        for a in row:
            *_, info = env.step(int(a))
        assert info["written_sequence"] == sequence


def test_reset_without_options_cycles_through_the_dataset():
    targets = ["((....))", "((.....))", "((......))"]
    env = RnaDesignEnv(EnvConfig(state_radius=2), targets=targets)
    seen = [env.reset(seed=3 if k == 0 else None)[1]["target"] for k in range(3)]
    assert sorted(seen) == sorted(targets)


def test_local_improvement_returns_the_improved_sequence():
    """The sequence reported is the one that achieved the distance (docs/original.md §7.2)."""
    target = Target("((((....))))")
    written = "GGGGAAAACCCA"  # last pair G-A cannot pair
    folded = fold_structure(written)
    d = hamming(folded, target.dot_bracket)
    assert 0 < d < 5
    outcome = evaluate_design(written, target, EnvConfig(reward_exponent=2.0))
    assert outcome.distance == 0 and outcome.reward == 1.0
    assert outcome.sequence != written
    assert fold_structure(outcome.sequence) == target.dot_bracket
    improved, improved_fold, distance, folds = local_improvement(written, folded, target, DEFAULT_MODEL)
    assert distance == 0 and improved == outcome.sequence and folds >= 1


def test_reward_without_improvement_when_disabled():
    target = Target("((((....))))")
    outcome = evaluate_design("GGGGAAAACCCA", target, EnvConfig(reward_exponent=2.0, mutation_threshold=0))
    assert outcome.sequence == "GGGGAAAACCCA"
    assert outcome.reward == pytest.approx((1 - outcome.distance / 12) ** 2)


def test_paired_improvement_keeps_pairs_complementary():
    target = Target("((((....))))")
    written = "GGGGAAAACCCA"
    outcome = evaluate_design(written, target, EnvConfig(reward_exponent=2.0, paired_improvement=True))
    assert outcome.solved and fold_structure(outcome.sequence) == target.dot_bracket
    pairs = {outcome.sequence[i] + outcome.sequence[j] for i, j in target.pairs}
    assert pairs <= {"GC", "CG", "AU", "UA", "GU", "UG"}


def test_wobble_actions_write_gu_pairs_and_are_masked_at_unpaired_sites():
    config = EnvConfig(state_radius=2, mutation_threshold=0, wobble_actions=True)
    env = RnaDesignEnv(config)
    assert env.action_space.n == 6
    _, info = env.reset(seed=0, options={"target": "((..))"})
    assert info["action_mask"].tolist() == [1, 1, 1, 1, 1, 1]
    env.step(4)  # GU
    _, _, _, _, info = env.step(5)  # UG
    assert info["action_mask"].tolist() == [1, 1, 1, 1, 0, 0]  # an unpaired site: bases only
    with pytest.raises(ValueError, match="not allowed"):
        env.step(4)
    env.step(1)
    *_, info = env.step(3)
    assert info["written_sequence"] == "GUACGU"
