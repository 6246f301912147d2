"""Expert iteration: the policy learns from the search's solutions (``learna meta-train --method exit``).

Round after round (ExIt: Anthony et al. 2017; AlphaZero's policy targets are the same idea):

1. a fresh batch of generated targets (:func:`learna.data.generate_targets`, hard grammar-drawn structures,
   never Eterna100) is designed by the *expert*: the hybrid designer with the current policy proposing (the
   first round: the same search with no policy), each target in a worker process, within ``design_seconds``;
2. its designs become demonstrations: every unique-MFE solution, every tied solution and, for a target left
   unsolved, its best design when it is a near miss (d/N ≤ ``near_miss``). Each is turned into the actions
   that write it (:func:`learna.env.encoding.encode_sequence`; wobble actions let GU pairs be written);
3. the *apprentice*, the policy network, takes ``epochs`` passes of cross-entropy to the demonstrations of the
   last ``buffer_rounds`` rounds (:meth:`learna.agent.Learner.imitate`), unique-MFE solutions counted twice;
4. the next round's expert proposes with the improved policy.

Everything a round produces is written as it exists: ``demonstrations.jsonl`` (one line per design of the
expert), ``progress.jsonl`` (one line per round: the expert's solved and uniquely solved counts and median
folds to solve, the apprentice's own one-shot solve rate before training, the loss), the checkpoint
(weights, optimiser, counters) after every round. ``resume`` continues at the round after the last
checkpoint, reusing the demonstrations already written for it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from learna.agent import Learner, policy_distribution, sample_actions
from learna.config import DesignerConfig
from learna.data import GenerationSpec, generate_targets
from learna.configio import claim_run_dir
from learna.designers.agent import new_learner
from learna.designers.weights import CHECKPOINT_DIR, PROGRESS_FILE, restore_training_state, save_training_state
from learna.env.encoding import action_mask, encode_sequence, episode_observations
from learna.errors import ConfigError
from learna.fileio import append_jsonl, read_jsonl
from learna.folding import fold_structure
from learna.processes import check_seconds, one_torch_thread, pool
from learna.seeding import derive_seed, generator
from learna.structure import Target

DEMONSTRATIONS_FILE = "demonstrations.jsonl"
SETTINGS_FILE = "run.json"


@dataclass(frozen=True)
class ExitConfig:
    """Settings of expert iteration (the policy's own are the :class:`DesignerConfig`'s)."""

    targets_per_round: int = 32
    min_length: int = 50
    max_length: int = 300
    kind: str = "motif"
    """Generator of the round's targets (:data:`learna.data.GENERATION_KINDS`)."""
    data_seed: int = 1_100_001
    """Round r's targets come from ``derive_seed(data_seed, r)`` (a seed used nowhere else)."""
    design_seconds: float = 10.0
    """The expert's time per target."""
    near_miss: float = 0.05
    """An unsolved target's best design is a demonstration when d/N is at most this."""
    epochs: int = 10
    """Passes over the demonstration buffer per round."""
    batch_targets: int = 16
    """Demonstrations (targets) per gradient step."""
    buffer_rounds: int = 20
    """Rounds whose demonstrations are kept for training."""
    learning_rate: float = 1e-3
    entropy_coef: float = 1e-3
    apprentice_samples: int = 10
    """Designs sampled from the policy alone per target to measure the apprentice (before each round's training)."""

    def __post_init__(self) -> None:
        check_seconds(self.design_seconds, "design seconds", positive=True)
        if not (1 <= self.targets_per_round <= 100_000 and 1 <= self.min_length <= self.max_length
                and 0 <= self.near_miss < 1 and 1 <= self.epochs <= 10_000
                and 1 <= self.batch_targets and 1 <= self.buffer_rounds and self.learning_rate > 0
                and self.entropy_coef >= 0 and 0 <= self.apprentice_samples <= 1000):
            raise ConfigError("expert iteration settings out of range (see learna.expert_iteration.ExitConfig)")


@dataclass(frozen=True)
class Demonstration:
    """One design of the expert, as a policy target."""

    round: int
    target: Target
    sequence: str
    kind: str
    """``unique`` (a unique-MFE solution), ``tied`` (a solution tied with another structure) or ``near`` (a near miss)."""


@dataclass(frozen=True)
class ExitResult:
    checkpoint: Path
    rounds: int
    elapsed_s: float
    demonstrations: int


def _expert_job(job: tuple) -> dict:
    """Worker: the expert (hybrid) designs one target; what it found."""
    from learna.designers import DesignRequest, run_design

    config, checkpoint, target, seconds, seed = job
    result = run_design("hybrid", DesignRequest(target, config, seconds, seed, checkpoint=checkpoint))
    return {"id": target.id, "sequence": result.sequence, "solved": result.solved, "unique": bool(result.unique_mfe),
            "distance": result.distance, "folds": result.folds, "time_to_solve_s": result.time_to_solve_s}


class _Run:
    """The apprentice, its run directory and the demonstrations."""

    def __init__(self, config: DesignerConfig, settings: ExitConfig, out: Path, seed: int, resume: bool) -> None:
        self.config, self.settings, self.out = config, settings, out
        ppo = replace(config.ppo, learning_rate=settings.learning_rate)
        self.learner = Learner(new_learner(config, None, learning=False, seed=derive_seed(seed, "exit")).network, ppo)
        self.counters = {"rounds": 0, "elapsed_s": 0.0, "updates": 0}
        self.demonstrations: list[Demonstration] = []
        claim_run_dir(out, SETTINGS_FILE, {"exit": settings, "config": config, "seed": seed}, resume=resume,
                      holds_run=(out / DEMONSTRATIONS_FILE).exists(), what="an expert-iteration run")
        if resume:
            self._restore()

    def _restore(self) -> None:
        directory = self.out / CHECKPOINT_DIR
        if (directory / "config.json").exists():
            self.counters = {**self.counters, **restore_training_state(directory, self.learner, self.config)}
        path = self.out / DEMONSTRATIONS_FILE
        rows = list(read_jsonl(path)) if path.exists() else []
        self.demonstrations = [Demonstration(r["round"], Target(r["target"], id=r["id"]), r["sequence"], r["kind"])
                               for r in rows if r.get("kind") in ("unique", "tied", "near")]

    def checkpoint(self) -> Path | None:
        """The apprentice's weights for the expert (None before the first round: the search alone)."""
        return self.out / CHECKPOINT_DIR if self.counters["rounds"] > 0 else None

    def save(self) -> None:
        save_training_state(self.out / CHECKPOINT_DIR, self.learner, self.config, self.counters)


def train_exit(config: DesignerConfig, settings: ExitConfig, time_budget: float, seed: int, out: str | Path, *,
               workers: int = 2, rounds: int | None = None, resume: bool = False,
               progress: Callable[[dict], None] | None = None) -> ExitResult:
    """Expert iteration for ``time_budget`` seconds (or ``rounds`` rounds), into the run directory ``out``."""
    if not time_budget > 0 or workers < 1:
        raise ConfigError("expert iteration needs a positive time budget and at least one worker")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(config, settings, out, seed, resume)
    start, offset = time.monotonic(), run.counters["elapsed_s"]
    with pool(workers, initializer=one_torch_thread) as workers_pool:
        while time.monotonic() - start < time_budget and (rounds is None or run.counters["rounds"] < rounds):
            point = _round(run, workers_pool, seed)
            run.counters["elapsed_s"] = offset + time.monotonic() - start
            point["elapsed_s"] = run.counters["elapsed_s"]
            run.save()
            append_jsonl(out / PROGRESS_FILE, point)
            if progress is not None:
                progress(point)
    return ExitResult(out / CHECKPOINT_DIR, run.counters["rounds"], run.counters["elapsed_s"], len(run.demonstrations))


def _round(run: _Run, workers_pool, seed: int) -> dict:
    """One round: generate targets, let the expert design them, measure the apprentice, train it."""
    settings, index = run.settings, run.counters["rounds"]
    spec = GenerationSpec(settings.targets_per_round, settings.min_length, settings.max_length,
                          seed=derive_seed(settings.data_seed, index), kind=settings.kind)
    targets = [replace(t, id=f"r{index}-{t.id}") for t in generate_targets(spec, run.config.env.folding)]
    apprentice = _apprentice_solve_rate(run, targets, derive_seed(seed, "apprentice", index))
    path = run.out / DEMONSTRATIONS_FILE
    found = [r for r in read_jsonl(path) if r.get("round") == index] if path.exists() else []  # before a crash
    done = {r["id"] for r in found}
    expert = _expert_config(run.config, run.checkpoint() is not None)
    jobs = [(expert, run.checkpoint(), t, settings.design_seconds, derive_seed(seed, "expert", index, t.id))
            for t in targets if t.id not in done]
    for target, outcome in zip([j[2] for j in jobs], workers_pool.imap(_expert_job, jobs)):
        found.append(outcome)
        demonstration = _demonstration(index, target, outcome, settings.near_miss)
        record = {"round": index, "id": target.id, "target": target.dot_bracket, **outcome,
                  "kind": None if demonstration is None else demonstration.kind}
        append_jsonl(path, record)
        if demonstration is not None:
            run.demonstrations.append(demonstration)
    updates = run.learner.updates
    stats = _train(run, generator(seed, "imitate", index))
    run.counters["rounds"] = index + 1
    run.counters["updates"] += run.learner.updates - updates
    solved = [o for o in found if o["solved"]]
    return {"round": index, "targets": len(targets), "expert_solved": len(solved),
            "expert_unique": sum(o["unique"] for o in solved),
            "expert_median_folds": statistics.median(o["folds"] for o in solved) if solved else None,
            "apprentice_solve_rate": apprentice, "demonstrations": len(run.demonstrations), **stats,
            "updates": run.counters["updates"]}


def _expert_config(config: DesignerConfig, with_policy: bool) -> DesignerConfig:
    return replace(config, hybrid=replace(config.hybrid, use_policy=with_policy))


def _demonstration(index: int, target: Target, outcome: dict, near_miss: float) -> Demonstration | None:
    if not outcome["sequence"]:
        return None
    if outcome["solved"]:
        return Demonstration(index, target, outcome["sequence"], "unique" if outcome["unique"] else "tied")
    if outcome["distance"] is not None and outcome["distance"] <= near_miss * len(target):
        return Demonstration(index, target, outcome["sequence"], "near")
    return None


def _apprentice_solve_rate(run: _Run, targets: list[Target], seed: int) -> float | None:
    """Share of targets that one of ``apprentice_samples`` designs sampled from the policy alone solves."""
    samples = run.settings.apprentice_samples
    if samples == 0 or run.counters["rounds"] == 0:
        return None
    rng, solved = np.random.default_rng(seed), 0
    from learna.env.episodes import TargetEpisodes

    for target in targets:
        episodes = TargetEpisodes(target, run.config.env, cache=False)
        mask = episodes.mask
        log_probs, _ = policy_distribution(run.learner.network, torch.as_tensor(episodes.observations),
                                           None if mask is None else torch.as_tensor(mask))
        designs = episodes.decode(sample_actions(log_probs, samples, rng, mask))
        solved += any(fold_structure(d, run.config.env.folding) == target.dot_bracket for d in dict.fromkeys(designs))
    return solved / len(targets)


def _train(run: _Run, rng: np.random.Generator) -> dict:
    """``epochs`` passes of cross-entropy over the buffer's demonstrations (unique solutions twice)."""
    recent = run.counters["rounds"] - run.settings.buffer_rounds
    pool_ = [d for d in run.demonstrations if d.round > recent]
    pool_ += [d for d in pool_ if d.kind == "unique"]
    if not pool_:
        return {"cross_entropy": None, "accuracy": None}
    tensors = [_tensors(d, run.config) for d in pool_]
    stats: dict = {}
    for _ in range(run.settings.epochs):
        order = rng.permutation(len(tensors))
        for start in range(0, len(order), run.settings.batch_targets):
            batch = [tensors[k] for k in order[start : start + run.settings.batch_targets]]
            stats = run.learner.imitate(batch, run.settings.entropy_coef)
    return {"cross_entropy": stats.get("cross_entropy"), "accuracy": stats.get("accuracy")}


def _tensors(demonstration: Demonstration, config: DesignerConfig):
    target, env = demonstration.target, config.env
    mask = action_mask(target, env)
    return (torch.as_tensor(episode_observations(target, env)),
            torch.as_tensor(encode_sequence(target, demonstration.sequence, env)),
            None if mask is None else torch.as_tensor(mask))


def plot_learning_curve(progress_path: str | Path, path: str | Path) -> None:
    """Expert iteration's learning curve as a PNG: per round, the share of the round's targets the expert
    solved (and uniquely solved) and the apprentice alone solved before training, and the cross-entropy."""
    from learna.errors import InputFileError
    from learna.plots import figure, save_png

    rows = list(read_jsonl(Path(progress_path)))
    if not rows:
        raise InputFileError(f"{progress_path} holds no rounds yet")
    fig, axes = figure()
    rounds = [r["round"] for r in rows]
    axes.plot(rounds, [r["expert_solved"] / r["targets"] for r in rows], marker=".", label="expert (search + policy)")
    axes.plot(rounds, [r["expert_unique"] / r["targets"] for r in rows], marker=".", linestyle=":",
              label="expert, unique MFE")
    axes.plot(rounds, [r["apprentice_solve_rate"] for r in rows], marker=".", label="apprentice (policy alone)")
    axes.set_xlabel("round")
    axes.set_ylabel("share of the round's targets solved")
    twin = axes.twinx()
    twin.plot(rounds, [r["cross_entropy"] for r in rows], color="grey", alpha=0.6, label="cross-entropy")
    twin.set_ylabel("cross-entropy to the demonstrations")
    axes.legend(loc="upper left", fontsize="small")
    axes.set_title(f"expert iteration: {rows[-1]['demonstrations']} demonstrations, {rows[-1]['updates']} updates")
    fig.tight_layout()
    save_png(fig, path)
