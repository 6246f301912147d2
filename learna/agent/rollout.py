"""Sampling whole episodes at once from the policy (the fast path of the design loop).

Because observations never depend on actions, the policy's distribution for every step of an
episode comes from one forward pass, and any number of episodes is sampled from it in one
vectorised draw. ``tests/test_rollout.py`` checks this equals stepping through the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from learna.agent.network import PolicyNetwork


@dataclass
class EpisodeBatch:
    """E episodes on one target: everything the update needs."""

    obs: torch.Tensor
    """The episode's observations (T, W), shared by all E episodes."""
    actions: torch.Tensor
    """Actions (E, T), int64."""
    log_probs: torch.Tensor
    """Log-probabilities of the actions under the acting policy (E, T)."""
    values: torch.Tensor
    """Value estimates of the acting policy per step (T,)."""
    rewards: torch.Tensor
    """Terminal reward of each episode (E,); discount 1, so it is every step's return."""


@torch.no_grad()
def policy_distribution(network: PolicyNetwork, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities (T, 4) and values (T,) of the policy for one episode's observations."""
    logits, values = network(obs)
    return torch.log_softmax(logits, dim=-1), values


def sample_actions(log_probs: torch.Tensor, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` action sequences (count, T) from per-step log-probabilities (T, 4)."""
    cumulative = np.cumsum(np.exp(log_probs.double().numpy()), axis=-1)
    uniform = rng.random((count, cumulative.shape[0], 1))
    return (uniform > cumulative[None, :, :-1]).sum(axis=-1)


def make_batch(obs: torch.Tensor, log_probs: torch.Tensor, values: torch.Tensor,
               actions: np.ndarray, rewards: list[float]) -> EpisodeBatch:
    """Bundle sampled episodes and their rewards for an update."""
    actions_t = torch.as_tensor(actions, dtype=torch.int64)
    taken = log_probs.gather(1, actions_t.T).T  # (E, T)
    return EpisodeBatch(obs, actions_t, taken, values, torch.tensor(rewards, dtype=torch.float32))
