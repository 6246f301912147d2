"""LEARNA, Meta-LEARNA and Meta-LEARNA-Adapt: one design loop over the agent (docs/original.md §2, "Runners").

* ``learna``: fresh random weights, PPO updates on the target, restart with fresh weights every
  ``restart_timeout`` seconds;
* ``meta-learna``: pretrained weights, no updates, no restarts (samples from the fixed policy);
* ``meta-learna-adapt``: pretrained weights, PPO updates, restart by reloading the pretrained weights.

Each iteration samples a batch of whole episodes from the current policy (:func:`learna.agent.collect`),
evaluates them (fold, improvement step, reward: :class:`learna.env.episodes.TargetEpisodes`) and, when
learning, applies one PPO update. Design constraints are honoured by construction: the policy samples only
allowed actions, a GC target counts as extra distance in the reward, and a design is solved only when it
folds into the target *and* its GC content is within the tolerance.

Uniqueness (:attr:`learna.config.DesignerConfig.uniqueness`): under ``ignore`` the first design that folds
into the target ends the run; otherwise a tied solution is kept and the loop goes on until a design whose
unique MFE structure is the target appears or the limits are reached.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from learna.agent import Learner, build_network, collect
from learna.config import DesignerConfig
from learna.designers.base import PROGRESS_INTERVAL_S, DesignRequest, RunOutcome, Status
from learna.designers.weights import resolve_checkpoint
from learna.env.episodes import TargetEpisodes
from learna.env.reward import Outcome
from learna.folding import unique_mfe
from learna.processes import Throttle
from learna.seeding import derive_seed, generator


@dataclass(frozen=True)
class AgentMode:
    """How a mode uses the agent."""

    pretrained: bool
    """Starts from pretrained weights."""
    learning: bool
    """Applies PPO updates on the target."""


AGENT_MODES = {"learna": AgentMode(pretrained=False, learning=True),
               "meta-learna": AgentMode(pretrained=True, learning=False),
               "meta-learna-adapt": AgentMode(pretrained=True, learning=True)}


def new_learner(config: DesignerConfig, state: dict | None, learning: bool, seed: int) -> Learner:
    """A learner for ``config``'s network (initialised from ``seed``, or loaded from ``state``), with the
    PPO update when ``learning``."""
    env = config.env
    network = build_network(config.network, env.window, tokens=env.tokens, actions=env.actions, seed=seed,
                            state=state)
    return Learner(network, config.ppo if learning else None)


class _Tracker:
    """The best design so far and the run's milestones (first solution, first unique solution)."""

    def __init__(self, request: DesignRequest, uniqueness: str, start: float, model) -> None:
        self.request, self.uniqueness, self.start, self.model = request, uniqueness, start, model
        self.best: Outcome | None = None
        self.first_solution: str | None = None
        self.solved_at: float | None = None
        self.folds_to_solve: int | None = None
        self.unique: str | None = None
        self.unique_at: float | None = None
        self._checked: dict[str, bool] = {}

    @property
    def done(self) -> bool:
        return self.unique is not None or (self.uniqueness == "ignore" and self.first_solution is not None)

    def offer(self, outcome: Outcome, folds: int) -> None:
        if not self.request.novel(outcome.sequence):
            return  # too close to a design found before (several designs of one target)
        if self.best is None or outcome.total_distance < self.best.total_distance:
            self.best = outcome
        if not outcome.solved:
            return
        now = time.monotonic() - self.start
        if self.first_solution is None:
            self.first_solution, self.solved_at, self.best = outcome.sequence, now, outcome
            self.folds_to_solve = folds
        if self.uniqueness != "ignore" and self._is_unique(outcome.sequence):
            self.unique, self.unique_at, self.best = outcome.sequence, now, outcome

    def _is_unique(self, sequence: str) -> bool:
        if sequence not in self._checked:
            self._checked[sequence] = unique_mfe(sequence, self.request.target.dot_bracket, self.model)
        return self._checked[sequence]

    def outcome(self, elapsed: float, folds: int, stats: dict) -> RunOutcome:
        final = self.unique or self.first_solution or (self.best.sequence if self.best else None)
        return RunOutcome(final, elapsed, folds, time_to_solve_s=self.solved_at,
                          first_solution=self.first_solution if self.first_solution != final else None,
                          time_to_unique_s=self.unique_at, folds_to_solve=self.folds_to_solve, stats=stats)


def run_agent(mode: str, request: DesignRequest) -> RunOutcome:
    """Design ``request.target`` with the agent in ``mode`` until it is done or the limits are reached."""
    setting = AGENT_MODES[mode]
    config, state = resolve_checkpoint(mode, request.config, request.checkpoint)
    start = time.monotonic()
    deadline = start + request.time_limit
    max_folds = request.max_folds if request.max_folds is not None else float("inf")
    episodes = TargetEpisodes(request.target, config.env)
    obs = torch.as_tensor(episodes.observations)
    mask = None if episodes.mask is None else torch.as_tensor(episodes.mask)
    rng = generator(request.seed, "episodes")
    tracker = _Tracker(request, config.uniqueness, start, config.env.folding)
    restarts, updates, throttle = 0, 0, Throttle(PROGRESS_INTERVAL_S)
    learner = new_learner(config, state, setting.learning, derive_seed(request.seed, "network", restarts))
    restart_at = start + config.restart_timeout if config.restart_timeout else float("inf")
    count = config.ppo.episodes_per_update(len(episodes))

    def evaluate(actions: np.ndarray) -> list[float] | None:
        rewards = []
        for sequence in episodes.decode(actions):
            outcome = episodes.evaluate(sequence, deadline)
            tracker.offer(outcome, episodes.folds)
            rewards.append(outcome.reward)
            if tracker.done or time.monotonic() >= deadline or episodes.folds >= max_folds:
                return None
        return rewards

    while not tracker.done and time.monotonic() < deadline and episodes.folds < max_folds:
        if time.monotonic() >= restart_at:
            restarts += 1
            learner = new_learner(config, state, setting.learning, derive_seed(request.seed, "network", restarts))
            restart_at = time.monotonic() + config.restart_timeout
        batch = collect(learner.network, obs, mask, count, rng, evaluate)
        if batch is not None and learner.learning:
            learner.update([batch], rng)
            updates += 1
        now = time.monotonic()
        if request.progress is not None and throttle.due(now):
            request.progress(_status(request, tracker, episodes, now - start))
    stats = {"episodes": episodes.episodes, "updates": updates, "restarts": restarts,
             "fold_time_s": round(episodes.fold_time_s, 3)}
    return tracker.outcome(time.monotonic() - start, episodes.folds, stats)


def run_learna(request: DesignRequest) -> RunOutcome:
    """LEARNA: learn from scratch on the target."""
    return run_agent("learna", request)


def run_meta_learna(request: DesignRequest) -> RunOutcome:
    """Meta-LEARNA: sample from the pretrained policy."""
    return run_agent("meta-learna", request)


def run_meta_learna_adapt(request: DesignRequest) -> RunOutcome:
    """Meta-LEARNA-Adapt: the pretrained policy, adapted on the target."""
    return run_agent("meta-learna-adapt", request)


def _status(request: DesignRequest, tracker: _Tracker, episodes: TargetEpisodes, elapsed: float) -> Status:
    best = tracker.best
    return Status(request.target.id, elapsed, episodes.folds, None if best is None else best.total_distance,
                  None if best is None else best.sequence, tracker.first_solution is not None,
                  tracker.unique is not None)
