"""The PPO update, read top to bottom (docs/original.md §2 for the faithful setting).

loss = −mean_t[min(ρ_t·A_t, clip(ρ_t, 1−ε, 1+ε)·A_t)] − β·mean_t[H(π(·|s_t))] + c·mean_t[(V(s_t) − R)²]

with ρ_t = π(a_t|s_t) / π_old(a_t|s_t), R the episode's terminal reward (discount 1, reward only at
the end) and A_t = R, or R − V_old(s_t) when the value baseline is on (``value_coef`` > 0).
With an action mask (a sequence constraint) π is the softmax over the allowed actions only, in the
ratio and in the entropy (forbidden actions contribute 0 to H).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from learna.agent.config import PPOConfig
from learna.agent.network import PolicyNetwork
from learna.agent.rollout import EpisodeBatch, masked_logits


@dataclass(frozen=True)
class LossTerms:
    """Per-transition sums of the loss terms, so several targets can share one mean."""

    policy: torch.Tensor
    entropy: torch.Tensor
    value: torch.Tensor
    count: int


def loss_terms(logits: torch.Tensor, values: torch.Tensor, batch: EpisodeBatch, episodes: torch.Tensor,
               config: PPOConfig) -> LossTerms:
    """Sums of the clipped policy loss, entropy and value loss over the chosen episodes' transitions."""
    log_probs = torch.log_softmax(masked_logits(logits, batch.mask), dim=-1)  # (T, 4)
    actions = batch.actions[episodes]  # (e, T)
    new = log_probs.gather(1, actions.T).T  # (e, T)
    ratio = torch.exp(new - batch.log_probs[episodes])
    returns = batch.rewards[episodes][:, None].expand_as(ratio)
    advantages = returns - batch.values[None, :] if config.value_coef > 0 else returns
    if config.normalize_advantages and advantages.numel() > 1:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    clipped = torch.clamp(ratio, 1.0 - config.clip, 1.0 + config.clip)
    policy = -torch.minimum(ratio * advantages, clipped * advantages).sum()
    finite = log_probs if batch.mask is None else log_probs.masked_fill(~batch.mask, 0.0)  # 0·(−inf) → 0
    entropy_per_step = -(log_probs.exp() * finite).sum(-1)  # (T,)
    entropy = entropy_per_step.sum() * len(episodes)
    value = ((values[None, :] - returns) ** 2).sum()
    return LossTerms(policy, entropy, value, ratio.numel())


def ppo_loss(terms: list[LossTerms], config: PPOConfig) -> tuple[torch.Tensor, dict[str, float]]:
    """Mean over all transitions of the combined loss."""
    count = sum(t.count for t in terms)
    policy = sum(t.policy for t in terms) / count
    entropy = sum(t.entropy for t in terms) / count
    value = sum(t.value for t in terms) / count
    loss = policy - config.entropy_coef * entropy + config.value_coef * value
    stats = {"loss": loss, "policy_loss": policy, "entropy": entropy, "value_loss": value}
    return loss, {name: float(v.detach()) for name, v in stats.items()}


def ppo_update(network: PolicyNetwork, optimizer: torch.optim.Optimizer, batches: list[EpisodeBatch],
               config: PPOConfig, rng: np.random.Generator) -> dict[str, float]:
    """``update_epochs`` passes over the episodes in ``num_minibatches`` minibatches; returns the last stats."""
    stats: dict[str, float] = {}
    for _ in range(config.update_epochs):
        splits = [np.array_split(rng.permutation(len(b.rewards)), config.num_minibatches) for b in batches]
        for m in range(config.num_minibatches):
            terms = []
            for batch, split in zip(batches, splits):
                if len(split[m]) == 0:
                    continue
                logits, values = network(batch.obs)
                terms.append(loss_terms(logits, values, batch, torch.as_tensor(split[m]), config))
            if not terms:
                continue
            loss, stats = ppo_loss(terms, config)
            optimizer.zero_grad()
            loss.backward()
            if config.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(network.parameters(), config.max_grad_norm)
            optimizer.step()
    return stats


def imitation_loss(logits: torch.Tensor, actions: torch.Tensor, mask: torch.Tensor | None,
                   entropy_coef: float) -> tuple[torch.Tensor, dict[str, float]]:
    """Cross-entropy of the policy to demonstrated actions (T,) (−1: no label at that step) minus an entropy
    bonus: mean over labelled steps of −log π(a*|s) − β·H(π(·|s)). With a ``mask`` the policy is the softmax
    over the allowed actions, as in sampling."""
    log_probs = torch.log_softmax(masked_logits(logits, mask), dim=-1)
    labelled = actions >= 0
    chosen = log_probs[labelled].gather(1, actions[labelled][:, None]).squeeze(1)
    finite = log_probs if mask is None else log_probs.masked_fill(~mask, 0.0)
    entropy = -(log_probs.exp() * finite).sum(-1)[labelled]
    cross_entropy = -chosen.mean()
    loss = cross_entropy - entropy_coef * entropy.mean()
    return loss, {"cross_entropy": float(cross_entropy.detach()), "accuracy":
                  float((log_probs[labelled].argmax(-1) == actions[labelled]).float().mean())}
