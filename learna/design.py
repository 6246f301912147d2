"""The design loop of every mode: sample episodes from the policy, fold, learn, keep the best.

Modes (reference/learna.md §4):

* ``learna``: fresh random weights, PPO updates on the target, restart with fresh weights every
  ``restart_timeout`` seconds;
* ``meta-learna``: pretrained weights, no updates, no restarts (samples from the fixed policy);
* ``meta-learna-adapt``: pretrained weights, PPO updates, restart by reloading the pretrained weights.

Every mode honours the target's design constraints (:mod:`learna.constraints`): the policy samples only
the actions the sequence constraint allows (masked logits), a GC target counts as extra distance in the
reward (:mod:`learna.env.reward`), and a design is solved only when it folds into the target *and* its
GC content is within the tolerance.

Speed by construction: the observations of an episode depend only on the target, so one forward
pass gives the policy for every step and a batch of episodes is sampled at once; the time goes
into ViennaRNA folding (see ``benchmarks/bench_design.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from learna.agent.checkpoint import load_checkpoint
from learna.agent.network import PolicyNetwork
from learna.agent.rollout import make_batch, policy_distribution, sample_actions
from learna.agent.update import ppo_update
from learna.configio import from_dict
from learna.env.encoding import action_mask, decode_actions, episode_observations
from learna.env.reward import Outcome, evaluate_design
from learna.errors import CheckpointError, ConfigError
from learna.folding import FoldingModel
from learna.presets import PRESETS, DesignerConfig
from learna.records import verify
from learna.structure import Target

MODES = ("learna", "meta-learna", "meta-learna-adapt", "hybrid")
CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class DesignResult:
    """The best design of a run, re-verified by an independent fold after the run ended."""

    id: str
    target: str
    sequence: str
    folded: str
    distance: int
    solved: bool
    time_s: float
    """Wall-clock seconds until solved, or until the run stopped."""
    mode: str
    seed: int
    episodes: int
    folds: int
    fold_time_s: float
    """Seconds spent inside ViennaRNA (folding and local improvement)."""
    updates: int
    restarts: int
    constraints: dict | None = None
    """The target's design constraints (``sequence``, ``gc``, ``gc_tolerance``); None when unconstrained."""
    gc_content: float | None = None
    """GC content of ``sequence``."""
    constraints_satisfied: bool | None = None
    """``sequence`` follows the sequence constraint and its GC content is within the tolerance (None when
    unconstrained); ``solved`` requires it."""

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Policy:
    """A network with its optimiser; ``learning`` is False in Meta-LEARNA mode."""

    network: PolicyNetwork
    optimizer: torch.optim.Optimizer | None

    @property
    def learning(self) -> bool:
        return self.optimizer is not None


@dataclass
class _Progress:
    best: Outcome | None = None
    episodes: int = 0
    folds: int = 0
    fold_time: float = 0.0
    updates: int = 0
    restarts: int = 0
    cache: dict[str, Outcome] = field(default_factory=dict)


def verified_result(target: Target, sequence: str, model: FoldingModel, **values) -> DesignResult:
    """A :class:`DesignResult` whose ``folded``, ``distance``, ``solved`` and constraint fields come from an
    independent fold of ``sequence`` after the run; ``values`` are the run's remaining fields."""
    check = verify(target, sequence, model)
    return DesignResult(id=target.id, target=target.dot_bracket, sequence=sequence, folded=check.folded,
                        distance=check.distance, solved=check.solved, **values, **check.constraints)


def shipped_weights() -> Path | None:
    """The pretrained Meta-LEARNA checkpoint shipped inside the package, if there is one."""
    path = Path(str(resources.files("learna").joinpath("weights", "meta-learna")))
    return path if (path / "model.pt").is_file() else None


def resolve_checkpoint(mode: str, config: DesignerConfig, checkpoint) -> tuple[DesignerConfig, dict | None]:
    """The config and pretrained weights for ``mode``: a checkpoint's own config wins over ``config``'s network.

    ``learna`` never uses weights; ``hybrid`` uses them when its policy is on and weights exist (given or
    shipped), and runs without them otherwise; the meta modes require them.
    """
    if mode == "learna" or (mode == "hybrid" and not config.hybrid.use_policy):
        return config, None
    if checkpoint is None:
        checkpoint = shipped_weights()
    if checkpoint is None and mode == "hybrid":
        return config, None
    if checkpoint is None:
        raise CheckpointError(f"mode {mode} needs pretrained weights: pass a checkpoint directory")
    state, meta = load_checkpoint(checkpoint)
    trained = from_dict(DesignerConfig, meta["config"], where=f"{checkpoint}/config.json")
    # The state encoding and network must match the weights; the energy model, improvement step
    # (lis or search), update rule and restart rule are the caller's (Meta-LEARNA never restarts).
    env = replace(trained.env, folding=config.env.folding).with_improvement_of(config.env)
    merged = replace(config, env=env, network=trained.network,
                     restart_timeout=None if mode == "meta-learna" else config.restart_timeout)
    return merged, state


def new_policy(config: DesignerConfig, state: dict | None, learning: bool) -> Policy:
    """A fresh (random or pretrained) network and, when learning, its Adam optimiser."""
    network = PolicyNetwork(config.network, config.env.window)
    if state is not None:
        try:
            network.load_state_dict(state)
        except RuntimeError as exc:
            raise CheckpointError(f"checkpoint weights do not fit the network: {exc}") from None
    optimizer = torch.optim.Adam(network.parameters(), lr=config.ppo.learning_rate, foreach=True) if learning else None
    return Policy(network, optimizer)


def warm_up() -> None:
    """Pay torch's one-off lazy initialisation (about 2 s: the optimiser imports torch._dynamo, the
    first forward pass sets up kernels) before any design is timed. Call once per process."""
    policy = new_policy(PRESETS["learna"], None, learning=True)
    window = PRESETS["learna"].env.window
    logits, values = policy.network(torch.zeros((2, window), dtype=torch.int64))
    (logits.sum() + values.sum()).backward()


def design(target: Target, config: DesignerConfig | None = None, *, mode: str = "learna",
           time_limit: float = 60.0, seed: int = 0, checkpoint=None,
           progress: Callable[[dict], None] | None = None) -> DesignResult:
    """Design a sequence for ``target`` until it is solved or ``time_limit`` seconds have passed."""
    if time_limit <= 0:
        raise ConfigError(f"time limit must be positive, got {time_limit}")
    if mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if mode == "hybrid":  # the policy-guided local search; imported here, it builds on this module
        from learna.hybrid import design_hybrid

        return design_hybrid(target, config or PRESETS[mode], time_limit=time_limit, seed=seed, checkpoint=checkpoint)
    config, state = resolve_checkpoint(mode, config or PRESETS[mode], checkpoint)
    start = time.monotonic()
    deadline = start + time_limit
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    obs = torch.as_tensor(episode_observations(target, config.env.state_radius, config.env.encoding))
    mask = action_mask(target)
    mask = None if mask is None else torch.as_tensor(mask)
    learning = mode != "meta-learna"
    policy, run = new_policy(config, state, learning), _Progress()
    restart_at = start + config.restart_timeout if config.restart_timeout else float("inf")
    solved_at = None
    while solved_at is None and time.monotonic() < deadline:
        if time.monotonic() >= restart_at:
            policy, run.restarts = new_policy(config, state, learning), run.restarts + 1
            restart_at = time.monotonic() + config.restart_timeout
        solved_at = _iteration(target, config, policy, obs, mask, rng, run, deadline)
        if progress is not None:
            progress(_status(target, run, start))
    return _result(target, config, run, mode, seed, (solved_at or time.monotonic()) - start)


def _iteration(target: Target, config: DesignerConfig, policy: Policy, obs: torch.Tensor, mask: torch.Tensor | None,
               rng: np.random.Generator, run: _Progress, deadline: float) -> float | None:
    """Sample one batch of episodes (only allowed actions), evaluate them, update; the solve time if one
    solved the target."""
    log_probs, values = policy_distribution(policy.network, obs, mask)
    count = config.ppo.episodes_per_update(len(obs))
    actions = sample_actions(log_probs, count, rng, mask)
    rewards = []
    for sequence in decode_actions(target, actions):
        outcome = _evaluate(sequence, target, config, run, deadline)
        rewards.append(outcome.reward)
        if run.best is None or outcome.total_distance < run.best.total_distance:
            run.best = outcome
        if outcome.solved:
            return time.monotonic()
        if time.monotonic() >= deadline:
            return None
    if policy.learning:
        batch = make_batch(obs, log_probs, values, actions, rewards, mask)
        ppo_update(policy.network, policy.optimizer, [batch], config.ppo, rng)
        run.updates += 1
    return None


def _evaluate(sequence: str, target: Target, config: DesignerConfig, run: _Progress, deadline: float) -> Outcome:
    """Fold (with local improvement) unless this exact sequence was evaluated before."""
    run.episodes += 1
    cached = run.cache.get(sequence)
    if cached is not None:
        return cached
    tic = time.perf_counter()
    env = config.env
    outcome = evaluate_design(sequence, target, env, deadline)
    run.fold_time += time.perf_counter() - tic
    run.folds += outcome.folds
    if len(run.cache) >= CACHE_LIMIT:
        run.cache.clear()
    run.cache[sequence] = outcome
    return outcome


def _status(target: Target, run: _Progress, start: float) -> dict:
    return {"id": target.id, "elapsed_s": time.monotonic() - start, "episodes": run.episodes,
            "best_distance": None if run.best is None else run.best.total_distance, "updates": run.updates}


def _result(target: Target, config: DesignerConfig, run: _Progress, mode: str, seed: int, elapsed: float) -> DesignResult:
    sequence = run.best.sequence if run.best else "N" * len(target)
    return verified_result(target, sequence, config.env.folding, time_s=elapsed, mode=mode, seed=seed,
                           episodes=run.episodes, folds=run.folds, fold_time_s=run.fold_time, updates=run.updates,
                           restarts=run.restarts)
