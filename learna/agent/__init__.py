"""The agent: a configurable actor-critic policy network in torch, the rollout, and the learner with its
PPO update. It knows nothing of RNA: observations, masks and rewards come from the caller.

The names below are imported on first use, so reading an :class:`NetworkConfig` does not import torch.
"""

import importlib

_EXPORTS = {
    "NetworkConfig": "learna.agent.config", "PPOConfig": "learna.agent.config",
    "Learner": "learna.agent.learner",
    "PolicyNetwork": "learna.agent.network", "build_network": "learna.agent.network",
    "EpisodeBatch": "learna.agent.rollout", "collect": "learna.agent.rollout",
    "policy_distribution": "learna.agent.rollout", "sample_actions": "learna.agent.rollout",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'learna.agent' has no attribute {name!r}")
