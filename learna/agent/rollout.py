"""The rollout: sampling whole episodes at once from the policy, the one way every mode and
meta-training collect experience (:func:`collect`).

Because observations never depend on actions, the policy's distribution for every step of an
episode comes from one forward pass, and any number of episodes is sampled from it in one
vectorised draw. ``tests/test_agent.py`` checks this equals stepping through the environment.
How a sampled episode is scored is the caller's: :func:`collect` takes an ``evaluate`` callback (the
environment's reward), so the agent never imports the environment.

Action masks (a sequence constraint, ``learna.env.encoding.action_mask``): a boolean (T, 4) mask sets
the logits of forbidden actions to −inf, so the policy is the softmax over the allowed actions only, in
sampling and in the update alike. Without a mask every function behaves exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

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
    mask: torch.Tensor | None = None
    """Allowed actions (T, 4), bool; None: all allowed."""


def masked_logits(logits: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``logits`` with forbidden actions at −inf (unchanged without a mask)."""
    return logits if mask is None else logits.masked_fill(~mask, float("-inf"))


@torch.no_grad()
def policy_distribution(network: PolicyNetwork, obs: torch.Tensor,
                        mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities (T, A) and values (T,) of the policy for one episode's observations; with a
    ``mask``, forbidden actions get log-probability −inf."""
    logits, values = network(obs)
    return torch.log_softmax(masked_logits(logits, mask), dim=-1), values


def sample_actions(log_probs: torch.Tensor, count: int, rng: np.random.Generator,
                   mask: np.ndarray | torch.Tensor | None = None) -> np.ndarray:
    """Draw ``count`` action sequences (count, T) from per-step log-probabilities (T, A).

    With a boolean ``mask`` (T, A) only allowed actions are drawn: forbidden log-probabilities are set to
    −inf and the rest renormalised (uniform over the allowed actions where all of them underflow).
    """
    if mask is None:
        cumulative = np.cumsum(np.exp(log_probs.double().numpy()), axis=-1)
        uniform = rng.random((count, cumulative.shape[0], 1))
        return (uniform > cumulative[None, :, :-1]).sum(axis=-1)
    allowed = np.asarray(mask, dtype=bool)
    probs = np.exp(np.where(allowed, log_probs.double().numpy(), -np.inf))
    probs = np.where(probs.sum(axis=-1, keepdims=True) > 0, probs, allowed.astype(float))
    cumulative = np.cumsum(probs, axis=-1)
    cumulative /= cumulative[:, -1:]  # exactly 1.0 from the last allowed action on
    uniform = rng.random((count, cumulative.shape[0], 1))
    # action k is drawn for u in [c[k−1], c[k]): an empty interval for a forbidden k (c[k] = c[k−1])
    return (uniform >= cumulative[None, :, :-1]).sum(axis=-1)


def make_batch(obs: torch.Tensor, log_probs: torch.Tensor, values: torch.Tensor,
               actions: np.ndarray, rewards: Sequence[float], mask: torch.Tensor | None = None) -> EpisodeBatch:
    """Bundle sampled episodes and their rewards for an update."""
    actions_t = torch.as_tensor(actions, dtype=torch.int64)
    taken = log_probs.gather(1, actions_t.T).T  # (E, T)
    return EpisodeBatch(obs, actions_t, taken, values, torch.tensor(list(rewards), dtype=torch.float32), mask)


def collect(network: PolicyNetwork, obs: torch.Tensor, mask: torch.Tensor | None, count: int,
            rng: np.random.Generator,
            evaluate: Callable[[np.ndarray], Sequence[float] | None]) -> EpisodeBatch | None:
    """Sample ``count`` episodes (only allowed actions) and score them with ``evaluate(actions)``, which
    returns one reward per episode, or None to end the rollout without a batch (solved, out of time)."""
    log_probs, values = policy_distribution(network, obs, mask)
    actions = sample_actions(log_probs, count, rng, mask)
    rewards = evaluate(actions)
    if rewards is None:
        return None
    return make_batch(obs, log_probs, values, actions, rewards, mask)
