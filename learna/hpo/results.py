"""A BOHB run on disk: its settings (``run.json``) and hpbandster's live logs, read without hpbandster.

Layout of ``--out``: ``run.json`` (:class:`RunSpec`), and hpbandster's ``json_result_logger`` files
``configs.json`` (one ``[config_id, config, config_info]`` per line, written when a configuration
is sampled) and ``results.json`` (one ``[config_id, budget, timestamps, result, exception]`` per
line, written when its evaluation arrives).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from learna.errors import ConfigError, InputFileError
from learna.fileio import atomic_write_json, parse_json, read_jsonl, repair_jsonl
from learna.hpo.loss import META_DESIGN_TIME, TIME_WEIGHT
from learna.hpo.space import get_space
from learna.plots import figure, save_png
from learna.processes import check_seconds

RUN_FILE, CONFIGS_FILE, RESULTS_FILE = "run.json", "configs.json", "results.json"


@dataclass(frozen=True)
class RunSpec:
    """What a run searches and how: everything the master and its workers must agree on."""

    space: str
    min_budget: float
    max_budget: float
    iterations: int
    """BOHB iterations (successive-halving brackets) in total, counting those of resumed runs."""
    eta: float = 3.0
    seed: int = 0
    run_id: str = "learna"
    targets: tuple[tuple[str, str], ...] = ()
    """Validation targets as (id, dot-bracket)."""
    design_time: float = META_DESIGN_TIME
    """Meta-LEARNA only: design seconds per validation target after meta-training."""
    training: dict[str, int] = field(default_factory=dict)
    """Meta-LEARNA only: the GenerationSpec fields of the training targets."""

    def __post_init__(self) -> None:
        get_space(self.space)
        check_seconds(self.max_budget, "max budget", positive=True)
        check_seconds(self.design_time, "design time", positive=True)
        if not 0 < self.min_budget <= self.max_budget:
            raise ConfigError(f"budgets need 0 < min budget ≤ max budget, got {self.min_budget:g} and {self.max_budget:g}")
        if self.eta < 2 or self.iterations < 1:
            raise ConfigError(f"need eta ≥ 2 and iterations ≥ 1, got {self.eta:g} and {self.iterations}")
        if not self.targets:
            raise ConfigError("a run needs at least one validation target")

    def budgets(self) -> list[float]:
        """The successive-halving budgets max·η^-k ≥ min (hpbandster's formula, with the number of levels
        rounded before it is truncated: hpbandster itself gets 2 levels for 0.2..1.8 at η = 3)."""
        levels = int(math.log(self.max_budget / self.min_budget) / math.log(self.eta) + 1e-9) + 1
        return [float(f"{self.max_budget * self.eta ** -(levels - 1 - k):.12g}") for k in range(levels)]

    def worker_settings(self) -> dict[str, Any]:
        """What a worker needs to evaluate configurations (published on the nameserver)."""
        return {"space": self.space, "seed": self.seed, "targets": [list(t) for t in self.targets],
                "design_time": self.design_time, "training": dict(self.training)}

    def differences(self, other: "RunSpec") -> list[str]:
        """Fields (other than iterations and run id) in which ``other`` differs."""
        mine, theirs = asdict(self), asdict(other)
        return [k for k in mine if k not in ("iterations", "run_id") and mine[k] != theirs[k]]

    def save(self, out: Path) -> None:
        atomic_write_json(Path(out) / RUN_FILE, asdict(self))

    @classmethod
    def load(cls, out: str | Path) -> "RunSpec":
        path = Path(out) / RUN_FILE
        try:
            data = parse_json(path.read_bytes(), str(path))
        except FileNotFoundError:
            raise InputFileError(f"{out} is not a BOHB run directory (no {RUN_FILE})") from None
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            data["targets"] = tuple(tuple(t) for t in data["targets"])
            return cls(**data)
        except (ConfigError, ValueError, TypeError, KeyError) as exc:
            raise InputFileError(f"{path} is corrupted: {' '.join(str(exc).split())}") from None


@dataclass(frozen=True)
class Evaluation:
    """One logged evaluation."""

    config_id: tuple[int, int, int]
    budget: float
    loss: float | None
    """None if the evaluation crashed."""
    info: dict | None
    finished: float
    """Unix time at which the result arrived."""
    exception: str | None


def repair_logs(out: str | Path) -> None:
    """Make the two log files safe to append to after a crash (:func:`learna.fileio.repair_jsonl`)."""
    for name in (CONFIGS_FILE, RESULTS_FILE):
        repair_jsonl(Path(out) / name)


def model_dir(config_id, budget: float) -> str:
    """Where a worker with a work directory keeps the model meta-trained for ``config_id`` at ``budget``
    (relative to the run directory; named like the original's models, e.g. 224_0_1)."""
    return f"models/{'_'.join(map(str, config_id))}_{budget:g}"


def read_log(out: str | Path) -> tuple[dict[tuple, tuple[dict, dict]], list[Evaluation]]:
    """Configurations (id → (config, config_info)) and evaluations, in the order they arrived."""
    out = Path(out)
    if not (out / CONFIGS_FILE).exists():
        raise InputFileError(f"{out} holds no BOHB log ({CONFIGS_FILE} is missing)")
    try:
        configs = {tuple(row[0]): (row[1], row[2] if len(row) > 2 else {}) for row in _rows(out / CONFIGS_FILE)}
        evaluations = []
        for config_id, budget, stamps, result, exception in _rows(out / RESULTS_FILE):
            loss = result.get("loss") if isinstance(result, dict) else None
            loss = float(loss) if isinstance(loss, (int, float)) and math.isfinite(loss) else None
            evaluations.append(Evaluation(tuple(config_id), float(budget), loss, result.get("info") if result else None,
                                          float(stamps.get("finished", 0.0)), exception))
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        raise InputFileError(f"the BOHB log in {out} is corrupted ({type(exc).__name__})") from None
    return configs, evaluations


def _rows(path: Path) -> list:
    return list(read_jsonl(path, expect=list)) if path.exists() else []


def incumbent(evaluations: list[Evaluation]) -> Evaluation | None:
    """The lowest loss on the largest budget that has a successful evaluation (earliest on ties)."""
    done = [e for e in evaluations if e.loss is not None]
    if not done:
        return None
    top = max(e.budget for e in done)
    return min((e for e in done if e.budget == top), key=lambda e: (e.loss, e.finished))


def trajectory(evaluations: list[Evaluation]) -> list[Evaluation]:
    """Incumbents over time: a result replaces the incumbent if it is on a larger budget, or on the
    same budget with a lower loss (hpbandster's ``get_incumbent_trajectory`` defaults)."""
    path: list[Evaluation] = []
    for e in sorted((e for e in evaluations if e.loss is not None), key=lambda e: e.finished):
        best = path[-1] if path else None
        if best is None or e.budget > best.budget or (e.budget == best.budget and e.loss < best.loss):
            path.append(e)
    return path


def export_best(out: str | Path, path: str | Path) -> dict:
    """Write the incumbent as a config file for ``learna design --config``; returns what was written."""
    spec = RunSpec.load(out)
    configs, evaluations = read_log(out)
    best = incumbent(evaluations)
    if best is None:
        raise InputFileError(f"{out} has no successful evaluation yet; nothing to export")
    hyperparameters = configs[best.config_id][0]
    designer = get_space(spec.space).to_designer(hyperparameters)
    record = {"config": designer.to_dict(),
              "hpo": {"space": spec.space, "modes": list(get_space(spec.space).modes), "config_id": list(best.config_id), "budget": best.budget,
                      "loss": best.loss, "hyperparameters": hyperparameters, "run": str(out)}}
    checkpoint = Path(out) / model_dir(best.config_id, best.budget) / "checkpoint"
    if checkpoint.is_dir():  # meta-learna: the incumbent's meta-trained weights (local workers keep them)
        record["hpo"]["checkpoint"] = str(checkpoint)
    atomic_write_json(Path(path), record)
    return record


def summary(out: str | Path) -> dict:
    """Evaluations per budget, crashes, model-based picks, the incumbent and its loss."""
    spec = RunSpec.load(out)
    configs, evaluations = read_log(out)
    best = incumbent(evaluations)
    per_budget = Counter(e.budget for e in evaluations)
    return {
        "space": spec.space,
        "budgets": spec.budgets(),
        "configurations": len(configs),
        "evaluations": len(evaluations),
        "evaluations_per_budget": {f"{b:g}": per_budget[b] for b in sorted(per_budget)},
        "crashed": sum(e.loss is None for e in evaluations),
        "model_based_picks": sum(bool(info.get("model_based_pick")) for _, info in configs.values()),
        "incumbent": None if best is None else {
            "config_id": list(best.config_id), "budget": best.budget, "loss": best.loss,
            "solved": (best.info or {}).get("solved"), "targets": (best.info or {}).get("targets"),
            "config": configs[best.config_id][0]},
        "wall_time_s": (max(e.finished for e in evaluations) - min(e.finished for e in evaluations)
                        if evaluations else 0.0),
    }


def plot_trajectory(out: str | Path, path: str | Path) -> None:
    """The incumbent's loss over wall-clock time (a step plot, one marker per budget), as a PNG."""
    hybrid = get_space(RunSpec.load(out).space).mode == "hybrid"
    _, evaluations = read_log(out)
    path_points = trajectory(evaluations)
    if not path_points:
        raise InputFileError(f"{out} has no successful evaluation yet; nothing to plot")
    start = min(e.finished for e in evaluations)
    times = [e.finished - start for e in path_points] + [max(e.finished for e in evaluations) - start]
    losses = [e.loss for e in path_points] + [path_points[-1].loss]
    fig, ax = figure(6, 4)
    ax.step(times, losses, where="post", color="tab:blue")
    for budget in sorted({e.budget for e in path_points}):
        points = [(e.finished - start, e.loss) for e in path_points if e.budget == budget]
        ax.plot(*zip(*points), "o", label=f"budget {budget:g}")
    ax.set_xlabel("wall-clock time (s)")
    ax.set_ylabel(f"incumbent loss (mean d/N + {TIME_WEIGHT:g} × time fraction)" if hybrid
                  else "incumbent loss (mean normalised distance)")
    ax.legend()
    fig.tight_layout()
    save_png(fig, path)
