"""Meta-training (Meta-LEARNA): one shared policy learned on many generated targets.

Rollout workers (processes from :func:`learna.processes.pool`, one torch thread each) receive the
learner's current weights and a target, collect a batch of episodes with the one rollout every mode uses
(:func:`learna.agent.collect`, scored by :class:`learna.env.episodes.TargetEpisodes`) and send it back; the
learner (this process, :class:`learna.agent.Learner`) applies a PPO update per returned batch and keeps
``workers`` tasks in flight, so a batch may come from weights a few updates old; the PPO ratio accounts for
that. (The original ran Hogwild threads on one shared TF model, docs/original.md §2 "Runners";
asynchronous processes are the GIL-free equivalent.)

Checkpoints (weights, optimiser, counters) are written atomically every ``checkpoint_every_s`` and at the
end; ``resume=True`` continues from the last one. ``progress.jsonl`` logs the learning curve (mean
similarity 1 − d/N of the recent episodes), :func:`plot_learning_curve` draws it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from learna.agent import EpisodeBatch, Learner, collect
from learna.config import DesignerConfig
from learna.designers.agent import new_learner
from learna.designers.weights import CHECKPOINT_DIR, PROGRESS_FILE, restore_training_state, save_training_state
from learna.env.episodes import TargetEpisodes
from learna.errors import ConfigError, InputFileError
from learna.fileio import append_jsonl, read_jsonl
from learna.plots import figure, save_png
from learna.processes import one_torch_thread, pool, signals_held
from learna.seeding import derive_seed, generator
from learna.structure import Target

RECENT = 200
"""Episodes the learning curve averages over."""
DRAIN_TIMEOUT_S = 60.0
"""Longest wait, in all, for the rollouts in flight when the time budget is spent (their results are dropped)."""


@dataclass(frozen=True)
class TrainResult:
    """Summary of a meta-training run."""

    checkpoint: Path
    elapsed_s: float
    updates: int
    episodes: int
    mean_recent_similarity: float
    """Mean 1 − d/N of the last episodes (d after the improvement step)."""


@dataclass(frozen=True)
class _Task:
    state: dict
    config: DesignerConfig
    target: Target
    seed: int


_WORKER_LEARNERS: dict = {}


def _ready() -> bool:
    return True


def _rollout(task: _Task) -> tuple[EpisodeBatch, list[float]]:
    """Worker: collect a batch of episodes on one target with the given weights; the batch and each
    episode's similarity 1 − d/N."""
    key = (task.config.network, task.config.env.window, task.config.env.actions)
    if key not in _WORKER_LEARNERS:
        _WORKER_LEARNERS[key] = new_learner(task.config, None, learning=False, seed=0)
    network = _WORKER_LEARNERS[key].network
    network.load_state_dict(task.state)
    episodes = TargetEpisodes(task.target, task.config.env, cache=False)
    mask = None if episodes.mask is None else torch.as_tensor(episodes.mask)
    similarities: list[float] = []

    def evaluate(actions: np.ndarray) -> list[float]:
        outcomes = [episodes.evaluate(sequence) for sequence in episodes.decode(actions)]
        similarities.extend(1.0 - o.distance / len(task.target) for o in outcomes)
        return [o.reward for o in outcomes]

    count = task.config.ppo.episodes_per_update(len(episodes))
    batch = collect(network, torch.as_tensor(episodes.observations), mask, count, np.random.default_rng(task.seed),
                    evaluate)
    return batch, similarities


class _Run:
    """The learner, its counters and its run directory (checkpoints, learning curve)."""

    def __init__(self, config: DesignerConfig, out_dir: Path, resume: bool, seed: int):
        self.config, self.out_dir = config, out_dir
        self.learner: Learner = new_learner(config, None, learning=True, seed=derive_seed(seed, "network"))
        self.counters = {"updates": 0, "episodes": 0, "elapsed_s": 0.0, "resumes": 0}
        self.recent: list[float] = []
        if resume:
            self._restore()

    def _restore(self) -> None:
        counters = restore_training_state(self.out_dir / CHECKPOINT_DIR, self.learner, self.config)
        self.counters = {**self.counters, **counters}
        self.counters["resumes"] += 1

    def learn(self, batch: EpisodeBatch, similarities: list[float], rng: np.random.Generator) -> None:
        self.learner.update([batch], rng)
        self.counters["updates"] += 1
        self.counters["episodes"] += len(batch.rewards)
        self.recent = (self.recent + similarities)[-RECENT:]

    def save(self, progress: Callable[[dict], None] | None) -> None:
        """A checkpoint and a learning-curve point, written whole even when SIGTERM or Ctrl-C arrives meanwhile
        (the signal is delivered after them, and the interrupted run saves again on its way out)."""
        point = {**self.counters, "mean_recent_similarity": self.similarity}
        with signals_held():
            save_training_state(self.out_dir / CHECKPOINT_DIR, self.learner, self.config, self.counters)
            append_jsonl(self.out_dir / PROGRESS_FILE, point)
        if progress is not None:
            progress(point)

    @property
    def similarity(self) -> float | None:
        return float(np.mean(self.recent)) if self.recent else None


def train(config: DesignerConfig, targets: list[Target], time_budget: float, seed: int, out_dir: str | Path, *,
          workers: int = 2, resume: bool = False, checkpoint_every_s: float = 60.0,
          progress: Callable[[dict], None] | None = None) -> TrainResult:
    """Meta-train ``config``'s policy on ``targets`` for ``time_budget`` seconds of wall-clock."""
    if not time_budget > 0 or workers < 1 or not targets:
        raise ConfigError("meta-training needs a positive time budget, ≥ 1 worker and ≥ 1 target")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    run = _Run(config, out_dir, resume, seed)
    rng = generator(seed, "meta-train", run.counters["resumes"])
    offset = run.counters["elapsed_s"]
    order: list[Target] = []
    with pool(workers, initializer=one_torch_thread) as workers_pool:
        workers_pool.starmap(_ready, [()] * workers)
        start = last_save = time.monotonic()

        def submit():
            if not order:
                order.extend(targets[i] for i in rng.permutation(len(targets)))
            state = {k: v.clone() for k, v in run.learner.network.state_dict().items()}
            task = _Task(state, config, order.pop(), int(rng.integers(2**62)))
            return workers_pool.apply_async(_rollout, (task,))

        pending = [submit() for _ in range(workers)]
        try:
            while time.monotonic() - start < time_budget:
                ready = [p for p in pending if p.ready()]
                if not ready:
                    time.sleep(0.005)
                    continue
                for job in ready:
                    pending.remove(job)
                    run.learn(*job.get(), rng)
                    pending.append(submit())
                run.counters["elapsed_s"] = offset + time.monotonic() - start
                if time.monotonic() - last_save >= checkpoint_every_s:
                    last_save = time.monotonic()
                    run.save(progress)
        except (KeyboardInterrupt, SystemExit):
            workers_pool.terminate()
            run.save(progress)  # an interrupted run resumes from here
            raise
        # let the last rollouts finish: terminating a pool with jobs in flight can trip CPython's "Cannot have
        # cache with result_handler not alive" race
        drain_end = time.monotonic() + DRAIN_TIMEOUT_S
        for job in pending:
            job.wait(max(0.0, drain_end - time.monotonic()))
        workers_pool.terminate()
    run.save(progress)
    return TrainResult(out_dir / CHECKPOINT_DIR, run.counters["elapsed_s"], run.counters["updates"],
                       run.counters["episodes"], run.similarity or 0.0)


def plot_learning_curve(progress_path: str | Path, path: str | Path) -> None:
    """Meta-training learning curve as a PNG: mean similarity (1 − d/N) of the recent training episodes
    against training time, from a meta-training run's ``progress.jsonl``."""
    rows = [r for r in read_jsonl(Path(progress_path)) if r.get("mean_recent_similarity") is not None]
    if not rows:
        raise InputFileError(f"{progress_path} holds no learning-curve points yet")
    fig, axes = figure()
    hours = [r["elapsed_s"] / 3600 for r in rows]
    axes.plot(hours, [r["mean_recent_similarity"] for r in rows], marker=".")
    axes.set_xlabel("training time (h, wall-clock)")
    axes.set_ylabel(f"mean similarity 1 − d/N (last {RECENT} episodes)")
    axes.set_title(f"meta-training: {rows[-1]['updates']} updates, {rows[-1]['episodes']} episodes")
    axes.grid(True, alpha=0.3)
    fig.tight_layout()
    save_png(fig, path)
