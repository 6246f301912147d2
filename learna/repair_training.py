"""Training the repair policy (``learna meta-train --method repair``): which of the search's moves improve.

1. **Collect.** Generated targets (never Eterna100; ``kind`` hard by default) are designed by the hybrid's
   search, without a learned policy, each in a worker process within a fixed number of folds (so the data do
   not depend on the machine's speed). Every informed move records φ of the variant it chose
   (:func:`learna.search.repair.variant_features`) and whether the child that variant went into evaluated
   better than its parent. Each target's examples are written as they exist (``examples/NNNN.npz``,
   atomically), so a resumed run designs only the targets it lacks.
2. **Fit.** A one-hidden-layer perceptron φ → P(improve) by logistic loss (Adam, weight decay), on the
   examples of 80 % of the targets; the other targets' examples measure it (log-loss against the base rate's,
   and the area under the ROC curve) after every epoch, and the epoch that measures best is kept.
   ``progress.jsonl`` holds one line per epoch, ``repair.npz`` the weights with the recipe and the
   validation numbers as metadata.

Used in the search with ``repair_weight`` w, the draw of a variant is ∝ q · exp(−score/τ) · P(improve)^w:
for w = 1, the search's own choice conditioned on improving (:mod:`learna.search.repair`).
"""

from __future__ import annotations

import io
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from learna.configio import claim_run_dir
from learna.data import GENERATION_KINDS, GenerationSpec, generate_targets
from learna.errors import ConfigError
from learna.fileio import append_jsonl, atomic_write_bytes
from learna.folding import FoldingModel
from learna.processes import one_torch_thread, pool
from learna.search import SearchConfig, local_search
from learna.search.repair import FEATURES, Repair, RepairLog, RepairPolicy
from learna.seeding import derive_seed, generator, torch_seeded
from learna.structure import Target

EXAMPLES_DIR = "examples"
POLICY_FILE = "repair.npz"
PROGRESS_FILE = "progress.jsonl"
SETTINGS_FILE = "run.json"


@dataclass(frozen=True)
class RepairTrainingConfig:
    """Settings of repair-policy training."""

    targets: int = 48
    """Generated targets to collect examples on (fewer when the time budget runs out first)."""
    min_length: int = 50
    max_length: int = 300
    kind: str = "hard"
    """Generator of the targets (:data:`learna.data.GENERATION_KINDS`)."""
    data_seed: int = 1_300_001
    """Seed of the generated targets (used nowhere else)."""
    folds_per_target: int = 800
    """The search's fold budget per target (it stops earlier when it finds a unique-MFE solution)."""
    hidden_units: int = 32
    epochs: int = 30
    batch_size: int = 2048
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    validation_share: float = 0.2
    """Share of the targets whose examples measure the fit instead of training it."""

    def __post_init__(self) -> None:
        if not (1 <= self.targets <= 100_000 and 1 <= self.min_length <= self.max_length
                and self.kind in GENERATION_KINDS and 1 <= self.folds_per_target <= 10_000_000
                and 1 <= self.hidden_units <= 4096 and 1 <= self.epochs <= 10_000 and 1 <= self.batch_size
                and self.learning_rate > 0 and self.weight_decay >= 0 and 0 < self.validation_share < 1):
            raise ConfigError("invalid repair training settings: need 1 ≤ targets, 1 ≤ min length ≤ max length, a "
                              "known kind, positive budgets, sizes and learning rate, a validation share in (0, 1)")


@dataclass(frozen=True)
class RepairTrainingResult:
    policy_path: Path
    targets: int
    examples: int
    validation: dict


def _collect_job(job: tuple) -> tuple[int, np.ndarray, np.ndarray, bool]:
    """Worker: the search designs one target within its fold budget, recording the repair examples."""
    index, target, search, folds, model, seed = job
    log = RepairLog()
    result = local_search(target, search, max_evaluations=folds, rng=generator(seed), model=model,
                          repair=Repair(log=log))
    features, improved = log.arrays()
    return index, features, improved, result.solved


def train_repair(search: SearchConfig, settings: RepairTrainingConfig, model: FoldingModel, time_budget: float,
                 seed: int, out: str | Path, *, workers: int = 2, resume: bool = False,
                 progress: Callable[[str], None] | None = None) -> RepairTrainingResult:
    """Collect examples for up to ``time_budget`` seconds, then fit the repair policy into ``out``."""
    if not time_budget > 0 or workers < 1:
        raise ConfigError("repair training needs a positive time budget and at least one worker")
    out = Path(out)
    examples = out / EXAMPLES_DIR
    holds_run = examples.is_dir() and any(examples.iterdir())
    examples.mkdir(parents=True, exist_ok=True)
    claim_run_dir(out, SETTINGS_FILE, {"repair": settings, "search": search, "seed": seed}, resume=resume,
                  holds_run=holds_run, what="a repair training run")
    recipe = {"repair": asdict(settings), "search": search.to_dict(), "seed": seed}  # the search as given
    search = replace(search, repair_weight=0.0, require_unique=True)
    spec = GenerationSpec(settings.targets, settings.min_length, settings.max_length, seed=settings.data_seed,
                          kind=settings.kind)
    targets = generate_targets(spec, model)
    start = time.monotonic()
    jobs = [(k, t, search, settings.folds_per_target, model, derive_seed(seed, "repair", k))
            for k, t in enumerate(targets) if not _examples_path(out, k).exists()]
    done = len(targets) - len(jobs)
    with pool(workers, initializer=one_torch_thread) as workers_pool:
        for index, features, improved, solved in workers_pool.imap_unordered(_collect_job, jobs):
            _save_examples(_examples_path(out, index), features, improved, targets[index], solved)
            done += 1
            if progress is not None:
                progress(f"collected {done}/{len(targets)} targets ({time.monotonic() - start:.0f} s)")
            if time.monotonic() - start >= time_budget:
                workers_pool.terminate()
                break
    split = _load_examples(out, len(targets), settings.validation_share, derive_seed(seed, "split"))
    policy, validation = fit(split, settings, derive_seed(seed, "fit"), out / PROGRESS_FILE, progress)
    policy = replace(policy, metadata={"recipe": recipe, "validation": validation,
                                       "targets": split["targets"], "examples": split["examples"]})
    policy.save(out / POLICY_FILE)
    return RepairTrainingResult(out / POLICY_FILE, split["targets"], split["examples"], validation)


def _examples_path(out: Path, index: int) -> Path:
    return out / EXAMPLES_DIR / f"{index:04d}.npz"


def _save_examples(path: Path, features: np.ndarray, improved: np.ndarray, target: Target, solved: bool) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, features=features, improved=improved, target=np.array(target.dot_bracket),
                        solved=np.array(solved))
    atomic_write_bytes(path, buffer.getvalue())


def _load_examples(out: Path, count: int, validation_share: float, seed: int) -> dict:
    """The collected examples, split by target into training and validation sets."""
    loaded = []
    for index in range(count):
        path = _examples_path(out, index)
        if path.exists():
            with np.load(path, allow_pickle=False) as data:
                if data["features"].ndim != 2 or data["features"].shape[1] != FEATURES:
                    raise ConfigError(f"{path}: examples of another feature set; start a new run directory")
                loaded.append((data["features"], data["improved"]))
    loaded = [(f, y) for f, y in loaded if len(y)]
    if len(loaded) < 2:
        raise ConfigError("repair training collected examples on fewer than 2 targets: give it a larger time budget")
    order = np.random.default_rng(seed).permutation(len(loaded))
    held = max(1, int(round(validation_share * len(loaded))))

    def stack(indices) -> tuple[np.ndarray, np.ndarray]:
        return (np.concatenate([loaded[k][0] for k in indices]).astype(np.float32),
                np.concatenate([loaded[k][1] for k in indices]).astype(np.float32))

    return {"train": stack(order[held:]), "validation": stack(order[:held]), "targets": len(loaded),
            "examples": int(sum(len(y) for _, y in loaded))}


def fit(split: dict, settings: RepairTrainingConfig, seed: int, progress_path: Path | None = None,
        progress: Callable[[str], None] | None = None) -> tuple[RepairPolicy, dict]:
    """The perceptron fitted to ``split["train"]``, kept at the epoch with the lowest validation log-loss,
    and that epoch's validation numbers."""
    x, y = (torch.as_tensor(a) for a in split["train"])
    vx, vy = (torch.as_tensor(a) for a in split["validation"])
    with torch_seeded(seed):
        network = torch.nn.Sequential(torch.nn.Linear(FEATURES, settings.hidden_units), torch.nn.Tanh(),
                                      torch.nn.Linear(settings.hidden_units, 1))
    with torch.no_grad():  # start at the base rate: an untrained policy re-weights nothing
        network[2].weight.mul_(0.01)
        network[2].bias.fill_(float(np.log(max(y.mean().item(), 1e-6) / max(1 - y.mean().item(), 1e-6))))
    optimizer = torch.optim.Adam(network.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(seed)
    rate = vy.mean().clamp(1e-6, 1 - 1e-6)
    base = float(-(vy * rate.log() + (1 - vy) * (1 - rate).log()).mean())
    best: tuple[float, dict, dict] | None = None
    for epoch in range(settings.epochs):
        order = torch.as_tensor(rng.permutation(len(y)))
        for first in range(0, len(order), settings.batch_size):
            batch = order[first : first + settings.batch_size]
            optimizer.zero_grad()
            loss_fn(network(x[batch]).squeeze(1), y[batch]).backward()
            optimizer.step()
        with torch.no_grad():
            logits = network(vx).squeeze(1)
            loss = float(loss_fn(logits, vy))
            train_loss = float(loss_fn(network(x).squeeze(1), y))
        point = {"epoch": epoch + 1, "train_log_loss": round(train_loss, 5), "validation_log_loss": round(loss, 5),
                 "base_rate_log_loss": round(base, 5), "validation_auc": round(_auc(logits.numpy(), vy.numpy()), 4),
                 "validation_improve_rate": round(float(rate), 4)}
        if progress_path is not None:
            append_jsonl(progress_path, point)
        if progress is not None:
            progress(f"epoch {epoch + 1}: validation log-loss {loss:.4f} (base rate {base:.4f}), "
                     f"AUC {point['validation_auc']}")
        if best is None or loss < best[0]:
            best = (loss, {k: v.detach().clone() for k, v in network.state_dict().items()}, point)
    assert best is not None
    state = best[1]
    policy = RepairPolicy(state["0.weight"].numpy().T.astype(float), state["0.bias"].numpy().astype(float),
                          state["2.weight"].numpy()[0].astype(float), float(state["2.bias"].numpy()[0]))
    return policy, best[2]


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (the chance that an improving example scores above a non-improving one)."""
    positive, negative = labels > 0.5, labels <= 0.5
    if not positive.any() or not negative.any():
        return float("nan")
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="mergesort")] = np.arange(1, len(scores) + 1)
    return float((ranks[positive].sum() - positive.sum() * (positive.sum() + 1) / 2)
                 / (positive.sum() * negative.sum()))


def plot_learning_curve(progress_path: str | Path, path: str | Path) -> None:
    """The fit's learning curve as a PNG: training and validation log-loss per epoch against the base rate's,
    and the validation AUC."""
    from learna.errors import InputFileError
    from learna.fileio import read_jsonl
    from learna.plots import figure, save_png

    rows = list(read_jsonl(Path(progress_path)))
    if not rows:
        raise InputFileError(f"{progress_path} holds no epochs yet")
    fig, axes = figure()
    epochs = [r["epoch"] for r in rows]
    axes.plot(epochs, [r["train_log_loss"] for r in rows], marker=".", label="training log-loss")
    axes.plot(epochs, [r["validation_log_loss"] for r in rows], marker=".", label="validation log-loss")
    axes.plot(epochs, [r["base_rate_log_loss"] for r in rows], linestyle=":", color="grey",
              label="validation, base rate only")
    axes.set_xlabel("epoch")
    axes.set_ylabel("log-loss of P(improve)")
    twin = axes.twinx()
    twin.plot(epochs, [r["validation_auc"] for r in rows], color="tab:green", alpha=0.6, label="validation AUC")
    twin.set_ylabel("validation AUC")
    axes.legend(loc="upper right", fontsize="small")
    axes.set_title(f"repair policy: P(improve) of the search's moves ({len(rows)} epochs)")
    fig.tight_layout()
    save_png(fig, path)
