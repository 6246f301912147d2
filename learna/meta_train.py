"""Meta-training (Meta-LEARNA): one shared policy learned on many generated targets.

Rollout workers (processes, one torch thread each) receive the learner's current weights and a
target, sample a batch of episodes from the policy, fold them and send back actions, their
log-probabilities and rewards. The learner (this process) applies a PPO update per returned batch
and keeps ``workers`` tasks in flight, so a batch may come from weights a few updates old; the
PPO ratio accounts for that. (The original ran Hogwild threads on one shared TF model,
reference/learna.md §2 "Runners"; asynchronous processes are the GIL-free equivalent.)

Checkpoints (weights, optimiser, counters) are written atomically every ``checkpoint_every_s`` and
at the end; ``resume=True`` continues from the last one. ``progress.jsonl`` logs the learning curve.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from learna.agent.checkpoint import load_checkpoint, save_checkpoint
from learna.agent.network import PolicyNetwork
from learna.agent.rollout import EpisodeBatch, policy_distribution, sample_actions
from learna.agent.update import ppo_update
from learna.configio import from_dict
from learna.env.encoding import decode_actions, episode_observations
from learna.env.reward import evaluate_design
from learna.errors import CheckpointError, ConfigError
from learna.fileio import append_jsonl, atomic_write_bytes
from learna.presets import DesignerConfig
from learna.seeding import derive_seed
from learna.structure import Target

CHECKPOINT_DIR = "checkpoint"
OPTIMIZER_FILE = "optimizer.pt"


@dataclass(frozen=True)
class TrainResult:
    """Summary of a meta-training run."""

    checkpoint: Path
    elapsed_s: float
    updates: int
    episodes: int
    mean_recent_reward: float


@dataclass(frozen=True)
class _Task:
    state: dict
    config: DesignerConfig
    target: Target
    seed: int


_NETWORKS: dict = {}


def _init_worker() -> None:
    """Worker start-up (imports, one torch thread), paid before the training clock starts."""
    torch.set_num_threads(1)


def _ready() -> bool:
    return True


def _rollout(task: _Task) -> dict:
    """Worker: sample and evaluate a batch of episodes on one target with the given weights."""
    torch.set_num_threads(1)
    key = (task.config.network, task.config.env.window)
    if key not in _NETWORKS:
        _NETWORKS[key] = PolicyNetwork(task.config.network, task.config.env.window)
    network = _NETWORKS[key]
    network.load_state_dict(task.state)
    env = task.config.env
    obs = torch.as_tensor(episode_observations(task.target, env.state_radius, env.encoding))
    log_probs, _ = policy_distribution(network, obs)
    rng = np.random.default_rng(task.seed)
    actions = sample_actions(log_probs, task.config.ppo.episodes_per_update(len(obs)), rng)
    outcomes = [evaluate_design(s, task.target, env)
                for s in decode_actions(task.target, actions)]
    taken = log_probs.gather(1, torch.as_tensor(actions).T).T
    return {"target": task.target, "actions": actions, "log_probs": taken,
            "rewards": [o.reward for o in outcomes],
            "distances": [o.distance / len(task.target) for o in outcomes]}


class _Learner:
    """The shared network, its optimiser and counters; saves and restores checkpoints."""

    def __init__(self, config: DesignerConfig, out_dir: Path, resume: bool, seed: int):
        self.config, self.out_dir = config, out_dir
        torch.manual_seed(seed)
        self.network = PolicyNetwork(config.network, config.env.window)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=config.ppo.learning_rate, foreach=True)
        self.counters = {"updates": 0, "episodes": 0, "elapsed_s": 0.0, "resumes": 0}
        if resume:
            self._restore()

    def _restore(self) -> None:
        directory = self.out_dir / CHECKPOINT_DIR
        state, meta = load_checkpoint(directory)
        saved = from_dict(DesignerConfig, meta["config"], where=str(directory / "config.json"))
        if saved.network != self.config.network or saved.env.window != self.config.env.window:
            raise CheckpointError(f"checkpoint at {directory} was trained with another network; drop --resume")
        self.network.load_state_dict(state)
        try:
            self.optimizer.load_state_dict(torch.load(directory / OPTIMIZER_FILE, weights_only=True))
        except Exception as exc:
            raise CheckpointError(f"optimiser state at {directory} is unreadable: {exc}") from None
        self.counters = {**self.counters, **meta.get("counters", {})}
        self.counters["resumes"] += 1

    def save(self) -> Path:
        directory = self.out_dir / CHECKPOINT_DIR
        buffer = io.BytesIO()
        torch.save(self.optimizer.state_dict(), buffer)
        atomic_write_bytes(directory / OPTIMIZER_FILE, buffer.getvalue())
        save_checkpoint(directory, self.network.state_dict(), self.config.to_dict(), {"counters": self.counters})
        return directory


def train(config: DesignerConfig, targets: list[Target], time_budget: float, seed: int, out_dir: str | Path, *,
          workers: int = 2, resume: bool = False, checkpoint_every_s: float = 60.0,
          progress: Callable[[dict], None] | None = None) -> TrainResult:
    """Meta-train ``config``'s policy on ``targets`` for ``time_budget`` seconds of wall-clock."""
    if time_budget <= 0 or workers < 1 or not targets:
        raise ConfigError("meta-training needs a positive time budget, ≥ 1 worker and ≥ 1 target")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    learner = _Learner(config, out_dir, resume, seed)
    rng = np.random.default_rng(derive_seed(seed, learner.counters["resumes"]))
    offset, recent = learner.counters["elapsed_s"], []
    order = iter(())
    with mp.get_context("spawn").Pool(workers, initializer=_init_worker) as pool:
        pool.starmap(_ready, [()] * workers)
        start, last_save = time.monotonic(), time.monotonic()
        def submit():
            nonlocal order
            target = next(order, None)
            if target is None:
                order = iter([targets[i] for i in rng.permutation(len(targets))])
                target = next(order)
            state = {k: v.clone() for k, v in learner.network.state_dict().items()}
            return pool.apply_async(_rollout, (_Task(state, config, target, int(rng.integers(2**62))),))

        pending = [submit() for _ in range(workers)]
        try:
            while time.monotonic() - start < time_budget:
                ready = [p for p in pending if p.ready()]
                if not ready:
                    time.sleep(0.005)
                    continue
                for job in ready:
                    pending.remove(job)
                    recent = _learn(learner, job.get(), recent, rng)
                    pending.append(submit())
                learner.counters["elapsed_s"] = offset + time.monotonic() - start
                if time.monotonic() - last_save >= checkpoint_every_s:
                    last_save = time.monotonic()
                    _log(learner, out_dir, recent, progress)
        except (KeyboardInterrupt, SystemExit):
            pool.terminate()
            _log(learner, out_dir, recent, progress)  # an interrupted run resumes from here
            raise
        pool.terminate()
    _log(learner, out_dir, recent, progress)
    return TrainResult(out_dir / CHECKPOINT_DIR, learner.counters["elapsed_s"], learner.counters["updates"],
                       learner.counters["episodes"], float(np.mean(recent)) if recent else 0.0)


def _learn(learner: _Learner, result: dict, recent: list[float], rng: np.random.Generator) -> list[float]:
    """One PPO update on a returned batch; keeps the last 200 rewards for the learning curve."""
    env = learner.config.env
    obs = torch.as_tensor(episode_observations(result["target"], env.state_radius, env.encoding))
    with torch.no_grad():
        _, values = learner.network(obs)
    batch = EpisodeBatch(obs, torch.as_tensor(result["actions"]), result["log_probs"], values,
                         torch.tensor(result["rewards"], dtype=torch.float32))
    ppo_update(learner.network, learner.optimizer, [batch], learner.config.ppo, rng)
    learner.counters["updates"] += 1
    learner.counters["episodes"] += len(result["rewards"])
    return (recent + [1.0 - d for d in result["distances"]])[-200:]


def _log(learner: _Learner, out_dir: Path, recent: list[float], progress) -> None:
    learner.save()
    record = {**learner.counters, "mean_recent_similarity": float(np.mean(recent)) if recent else None}
    append_jsonl(out_dir / "progress.jsonl", record)
    if progress is not None:
        progress(record)
