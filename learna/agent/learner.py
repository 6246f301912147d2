"""The learner: a policy network and, when it learns, its optimiser and update rule (Stable-Baselines3's
split of policy and algorithm). Every mode that uses a network and meta-training hold one.
"""

from __future__ import annotations

import numpy as np
import torch

from learna.agent.config import PPOConfig
from learna.agent.network import PolicyNetwork
from learna.agent.rollout import EpisodeBatch
from learna.agent.update import imitation_loss, ppo_update
from learna.errors import CheckpointError


class Learner:
    """``network`` plus, with ``ppo`` given, an Adam optimiser and PPO updates (None: a fixed policy)."""

    def __init__(self, network: PolicyNetwork, ppo: PPOConfig | None = None) -> None:
        self.network, self.ppo = network, ppo
        self.optimizer = (torch.optim.Adam(network.parameters(), lr=ppo.learning_rate, foreach=True)
                          if ppo is not None else None)
        self.updates = 0

    @property
    def learning(self) -> bool:
        return self.optimizer is not None

    def update(self, batches: list[EpisodeBatch], rng: np.random.Generator) -> dict[str, float]:
        """One PPO update on ``batches`` (episodes of one or several targets); its loss statistics."""
        if self.optimizer is None:
            raise RuntimeError("a fixed policy does not learn")
        stats = ppo_update(self.network, self.optimizer, batches, self.ppo, rng)
        self.updates += 1
        return stats

    def imitate(self, demonstrations: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]],
                entropy_coef: float = 0.0) -> dict[str, float]:
        """One Adam step of cross-entropy to demonstrated actions (expert iteration): ``demonstrations`` are
        (observations (T, W), actions (T,) with −1 where unlabelled, mask (T, A) or None) of episodes on one
        or several targets; the loss is their mean (:func:`learna.agent.update.imitation_loss`)."""
        if self.optimizer is None:
            raise RuntimeError("a fixed policy does not learn")
        losses, stats = [], []
        for obs, actions, mask in demonstrations:
            logits, _ = self.network(obs)
            loss, step_stats = imitation_loss(logits, actions, mask, entropy_coef)
            losses.append(loss)
            stats.append(step_stats)
        total = torch.stack(losses).mean()
        self.optimizer.zero_grad()
        total.backward()
        if self.ppo.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.network.parameters(), self.ppo.max_grad_norm)
        self.optimizer.step()
        self.updates += 1
        return {key: float(sum(s[key] for s in stats) / len(stats)) for key in stats[0]}

    def optimizer_state(self) -> dict:
        return {} if self.optimizer is None else self.optimizer.state_dict()

    def load_optimizer_state(self, state: dict) -> None:
        try:
            self.optimizer.load_state_dict(state)
        except (ValueError, KeyError, RuntimeError) as exc:
            raise CheckpointError(f"the optimiser state does not fit the network: {exc}") from None
