"""The agent: a configurable actor-critic policy network in torch and its PPO update."""

from learna.agent.config import NetworkConfig, PPOConfig
from learna.agent.network import PolicyNetwork

__all__ = ["NetworkConfig", "PPOConfig", "PolicyNetwork"]
