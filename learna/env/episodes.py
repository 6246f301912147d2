"""One target's decision process, vectorised: what a design loop or a rollout worker needs per target.

The gymnasium environment (:mod:`learna.env.rna_design`) steps one site at a time; a design loop samples
whole batches of episodes at once (:func:`learna.agent.collect`). :class:`TargetEpisodes` gives such a loop
the same decision process from the same encoding functions: every step's observation, the action mask,
the decoding of action arrays into sequences and the terminal evaluation (fold, improvement step,
reward), with counters and an optional cache of outcomes by sequence (the evaluation is a deterministic
function of the sequence, :mod:`learna.env.reward`).
"""

from __future__ import annotations

import time

import numpy as np

from learna.env.config import EnvConfig
from learna.env.encoding import action_mask, decode_actions, episode_observations
from learna.env.reward import Outcome, evaluate_design
from learna.structure import Target

CACHE_LIMIT = 200_000
"""Outcomes kept per target before the cache is cleared."""


class TargetEpisodes:
    """Episodes of ``target`` under ``config``: observations, mask, decoding, evaluation and counters."""

    def __init__(self, target: Target, config: EnvConfig, cache: bool = True) -> None:
        self.target, self.config = target, config
        self.observations = episode_observations(target, config)
        """Observation of every step, (T, W)."""
        self.mask = action_mask(target, config)
        """Allowed actions of every step, (T, A) boolean, or None (all allowed)."""
        self.episodes = self.folds = 0
        self.fold_time_s = 0.0
        self._cache: dict[str, Outcome] | None = {} if cache else None

    def __len__(self) -> int:
        """Steps per episode."""
        return len(self.observations)

    def decode(self, actions: np.ndarray) -> list[str]:
        """The sequences written by action arrays (E, T)."""
        return decode_actions(self.target, actions, self.config)

    def evaluate(self, sequence: str, deadline: float | None = None) -> Outcome:
        """Fold (with the improvement step) and reward ``sequence``, unless its outcome is cached."""
        self.episodes += 1
        if self._cache is not None and sequence in self._cache:
            return self._cache[sequence]
        tic = time.perf_counter()
        outcome = evaluate_design(sequence, self.target, self.config, deadline)
        self.fold_time_s += time.perf_counter() - tic
        self.folds += outcome.folds
        if self._cache is not None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[sequence] = outcome
        return outcome
