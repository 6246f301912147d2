import numpy as np
import pytest
import torch

from learna.agent import Learner, build_network, collect
from learna.agent.config import NetworkConfig, PPOConfig
from learna.agent.network import PolicyNetwork
from learna.agent.rollout import EpisodeBatch, make_batch, policy_distribution, sample_actions
from learna.agent.update import loss_terms, ppo_loss
from learna.env import EnvConfig, RnaDesignEnv
from learna.env.encoding import episode_observations
from learna.errors import ConfigError
from learna.presets import LEARNA_PAPER, META_LEARNA_PAPER
from learna.structure import Target

CONFIGS = [
    (NetworkConfig(embedding_size=0, conv_radii=(), conv_channels=(), lstm_layers=0, fc_layers=1, fc_units=8), "binary", 3),
    (NetworkConfig(embedding_size=0, conv_radii=(2, 1), conv_channels=(4, 2), lstm_layers=2, lstm_units=5, fc_layers=2, fc_units=9), "binary", 6),
    (NetworkConfig(embedding_size=4, conv_radii=(0, 3), conv_channels=(1, 6), lstm_layers=0, fc_layers=2, fc_units=16), "tokens", 5),
    (LEARNA_PAPER.network, "tokens", 32),
    (META_LEARNA_PAPER.network, "tokens", 29),
]


@pytest.mark.parametrize(("net_config", "encoding", "radius"), CONFIGS)
def test_network_shapes(net_config, encoding, radius):
    target = Target("((((....))))..((...))")
    obs = torch.as_tensor(episode_observations(target, EnvConfig(state_radius=radius, encoding=encoding)))
    network = PolicyNetwork(net_config, 2 * radius + 1)
    logits, values = network(obs)
    assert logits.shape == (len(target.design_sites), 4)
    assert values.shape == (len(target.design_sites),)


def test_meta_learna_network_has_the_papers_parameter_count():
    network = PolicyNetwork(META_LEARNA_PAPER.network, META_LEARNA_PAPER.env.window)
    policy_params = sum(p.numel() for name, p in network.named_parameters() if not name.startswith("value"))
    assert policy_params == 7927  # docs/original.md §4


@pytest.mark.parametrize(("net_config", "encoding", "radius"), CONFIGS[1:4])
def test_fast_path_equals_step_by_step_rollout_through_the_env(net_config, encoding, radius):
    """One batched forward pass gives the same distribution as acting step by step in the env."""
    target = Target("..((((....))))..((...)).")
    network = build_network(net_config, 2 * radius + 1, seed=0)
    fast, _ = policy_distribution(network, torch.as_tensor(episode_observations(target, EnvConfig(state_radius=radius, encoding=encoding))))
    env = RnaDesignEnv(EnvConfig(state_radius=radius, encoding=encoding))
    obs, _ = env.reset(seed=0, options={"target": target})
    state, done, rows = None, False, []
    rng = np.random.default_rng(0)
    with torch.no_grad():
        while not done:
            logits, _, state = network.step(torch.as_tensor(obs), state)
            rows.append(torch.log_softmax(logits, -1))
            obs, _, done, _, _ = env.step(int(rng.integers(4)))
    torch.testing.assert_close(torch.stack(rows), fast, atol=1e-5, rtol=1e-5)


def test_sampling_follows_the_distribution():
    log_probs = torch.log(torch.tensor([[0.7, 0.1, 0.1, 0.1], [0.0, 0.0, 0.5, 0.5]]).clamp_min(1e-12))
    actions = sample_actions(log_probs, 20000, np.random.default_rng(1))
    assert actions.shape == (20000, 2)
    assert np.mean(actions[:, 0] == 0) == pytest.approx(0.7, abs=0.02)
    assert set(np.unique(actions[:, 1])) == {2, 3}


def _hand_batch():
    obs = torch.zeros((2, 3))
    actions = torch.tensor([[0, 1], [2, 1]])
    old = torch.log(torch.tensor([[0.5, 0.25], [0.25, 0.25]]))
    return EpisodeBatch(obs, actions, old, torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.0]))


def test_ppo_loss_against_hand_computed_case():
    batch = _hand_batch()
    # new policy: step 0 probs (0.6, 0.2, 0.1, 0.1), step 1 uniform
    logits = torch.log(torch.tensor([[0.6, 0.2, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]]))
    values = torch.tensor([0.2, 0.4])
    cfg = PPOConfig(clip=0.1, entropy_coef=0.01, value_coef=0.5)
    terms = loss_terms(logits, values, batch, torch.tensor([0, 1]), cfg)
    loss, stats = ppo_loss([terms], cfg)
    # ratios: e0: 0.6/0.5=1.2 (A=1-0.5=0.5), 0.25/0.25=1 (A=0.5); e1: 0.1/0.25=0.4 (A=-0.5), 1 (A=-0.5)
    # clipped surrogate: min(1.2*.5, 1.1*.5)=.55, .5, min(.4*-.5, .9*-.5)=-.45, -.5  -> mean .025
    assert stats["policy_loss"] == pytest.approx(-0.025, abs=1e-6)
    h0 = -(0.6 * np.log(0.6) + 0.2 * np.log(0.2) + 2 * 0.1 * np.log(0.1))
    h1 = np.log(4)
    assert stats["entropy"] == pytest.approx((h0 + h1) / 2, abs=1e-6)
    # value loss: mean of (V - R)^2 over (e, t): e0 (0.2-1)^2, (0.4-1)^2; e1 0.04, 0.16
    assert stats["value_loss"] == pytest.approx((0.64 + 0.36 + 0.04 + 0.16) / 4, abs=1e-6)
    assert float(loss) == pytest.approx(-0.025 - 0.01 * (h0 + h1) / 2 + 0.5 * 0.3, abs=1e-6)


def test_faithful_setting_is_reinforce_with_entropy_bonus():
    """update_epochs=1, one minibatch, no baseline: ratio ≡ 1 and the gradient is REINFORCE's."""
    target = Target("((((....))))")
    obs = torch.as_tensor(episode_observations(target, EnvConfig(state_radius=3, encoding="tokens")))
    network = build_network(NetworkConfig(embedding_size=2, conv_radii=(1,), conv_channels=(3,), lstm_layers=0), 7, seed=0)
    log_probs, values = policy_distribution(network, obs)
    actions = sample_actions(log_probs, 6, np.random.default_rng(0))
    rewards = [0.1, 0.9, 0.3, 0.0, 1.0, 0.5]
    batch = make_batch(obs, log_probs, values, actions, rewards)
    cfg = PPOConfig(entropy_coef=0.01)
    logits, new_values = network(obs)
    loss, _ = ppo_loss([loss_terms(logits, new_values, batch, torch.arange(6), cfg)], cfg)
    grads = torch.autograd.grad(loss, list(network.parameters()), allow_unused=True)
    lp = torch.log_softmax(network(obs)[0], -1)
    taken = lp.gather(1, batch.actions.T).T
    entropy = -(lp.exp() * lp).sum(-1).mean()
    reinforce = -(batch.rewards[:, None] * taken).mean() - 0.01 * entropy
    expected = torch.autograd.grad(reinforce, list(network.parameters()), allow_unused=True)
    for g, e in zip(grads, expected):
        if e is not None:
            torch.testing.assert_close(g, e)


def test_learner_moves_probability_towards_rewarded_actions():
    obs = torch.as_tensor(episode_observations(Target("...."), EnvConfig(state_radius=1, encoding="tokens")))
    network = build_network(NetworkConfig(embedding_size=2, conv_radii=(), conv_channels=(), lstm_layers=0), 3, seed=0)
    learner = Learner(network, PPOConfig(update_epochs=4, num_minibatches=2, value_coef=0.5, learning_rate=0.05))
    rng = np.random.default_rng(0)
    before, _ = policy_distribution(network, obs)
    for _ in range(30):  # reward: the fraction of A (action 1) in the episode
        batch = collect(network, obs, None, 16, rng, lambda actions: (actions == 1).mean(axis=1).tolist())
        learner.update([batch], rng)
    final, _ = policy_distribution(network, obs)
    assert before.exp()[:, 1].max() < 0.4 and final.exp()[:, 1].min() > 0.6 and learner.updates == 30


def test_a_rollout_that_is_stopped_gives_no_batch():
    obs = torch.zeros((3, 3), dtype=torch.int64)
    network = build_network(NetworkConfig(embedding_size=2, conv_radii=(), conv_channels=(), lstm_layers=0), 3, seed=0)
    seen = []
    assert collect(network, obs, None, 5, np.random.default_rng(0), lambda a: seen.append(a.shape) or None) is None
    assert seen == [(5, 3)]


def test_network_initialisation_depends_on_its_seed_only():
    config = NetworkConfig(embedding_size=2, conv_radii=(1,), conv_channels=(3,), lstm_layers=1, lstm_units=4)
    state = torch.random.get_rng_state()
    first, again, other = (build_network(config, 7, seed=s).state_dict() for s in (5, 5, 6))
    assert torch.equal(torch.random.get_rng_state(), state)  # torch's global generator untouched
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_invalid_agent_configs_raise():
    with pytest.raises(ConfigError):
        NetworkConfig(conv_radii=(1, 2, 3), conv_channels=(1, 1, 1))
    for bad in (0, float("nan"), float("inf")):
        with pytest.raises(ConfigError):
            PPOConfig(learning_rate=bad)
    with pytest.raises(ConfigError, match="do not fit the state window"):
        PolicyNetwork(NetworkConfig(conv_radii=(8, 2), conv_channels=(1, 1)), 11)
    assert PPOConfig(batch_size=126, min_episodes=1).episodes_per_update(10) == 13
    assert PPOConfig(batch_size=32, min_episodes=1).episodes_per_update(300) == 1
    assert PPOConfig(batch_size=32, min_episodes=16).episodes_per_update(300) == 16
