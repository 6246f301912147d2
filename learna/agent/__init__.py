"""The agent: a configurable actor-critic policy network in torch, the rollout, and the learner with its
PPO update. It knows nothing of RNA: observations, masks and rewards come from the caller."""

from learna.agent.config import NetworkConfig, PPOConfig
from learna.agent.learner import Learner
from learna.agent.network import PolicyNetwork, build_network
from learna.agent.rollout import EpisodeBatch, collect, policy_distribution, sample_actions

__all__ = ["EpisodeBatch", "Learner", "NetworkConfig", "PPOConfig", "PolicyNetwork", "build_network", "collect",
           "policy_distribution", "sample_actions"]
