"""Reports over run directories: how many targets were solved within 10 s, 60 s, 600 s and 1 h.

Counts follow the original's two views (reference/learna.md §5): solved by *any* run, and the *mean*
over runs. A target counts as solved within t when a record says so with ``time_to_solve_s ≤ t``
(start-up excluded); thresholds above a run's time limit are not reported. Output: a text table,
JSON, and a PNG of solved count over time (log time axis), one curve per run directory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from learna.errors import InputFileError
from learna.fileio import atomic_write_bytes, read_jsonl
from learna.records import latest_records, read_records, read_run_info

THRESHOLDS_S = (10.0, 60.0, 600.0, 3600.0)


@dataclass(frozen=True)
class RunResults:
    """A run directory's selected targets and, per run and target, the time to solve (NaN: unsolved)."""

    directory: Path
    method: str
    dataset: str
    time_limit_s: float
    times: np.ndarray
    """Shape (runs, targets); seconds to solve, NaN where unsolved or not yet recorded."""
    records: int
    """Records present (out of runs × targets)."""

    @property
    def runs(self) -> int:
        return self.times.shape[0]

    @property
    def targets(self) -> int:
        return self.times.shape[1]

    def solved_within(self, seconds: float) -> tuple[int, float]:
        """(targets solved by any run, mean over runs of targets solved) within ``seconds``."""
        within = np.nan_to_num(self.times, nan=np.inf) <= seconds
        return int(within.any(axis=0).sum()), float(within.sum(axis=1).mean())


def load_run(directory: str | Path) -> RunResults:
    """Read a run directory (``run.json`` and ``records.jsonl``) into :class:`RunResults`."""
    directory = Path(directory)
    info = read_run_info(directory)
    ids = {target_id: column for column, target_id in enumerate(info["ids"])}
    times = np.full((int(info.get("runs", 1)), len(ids)), np.nan)
    records = 0
    for (target_id, run), record in latest_records(read_records(directory)).items():
        if target_id in ids and run < times.shape[0]:
            records += 1
            if record.solved and record.time_to_solve_s is not None:
                times[run, ids[target_id]] = record.time_to_solve_s
    return RunResults(directory, info["method"], str(info["dataset"]), float(info["time_limit_s"]), times, records)


def summarize(results: RunResults) -> dict:
    """A JSON-ready summary: solved counts (any run, mean) per threshold up to the limit, and at the limit."""
    def counts(seconds: float) -> dict:
        solved_any, solved_mean = results.solved_within(seconds)
        return {"any": solved_any, "mean": round(solved_mean, 3)}

    return {"directory": str(results.directory), "method": results.method, "dataset": results.dataset,
            "targets": results.targets, "runs": results.runs, "records": results.records,
            "expected": results.runs * results.targets, "time_limit_s": results.time_limit_s,
            "solved": {f"{t:g}": counts(t) if t <= results.time_limit_s else None for t in THRESHOLDS_S},
            "solved_at_limit": counts(results.time_limit_s)}


def format_table(summaries: list[dict]) -> str:
    """The summaries as an aligned text table; with several runs a cell reads ``any/mean``."""
    header = ["method", "dataset", "runs", "done", "limit", *(_seconds(t) for t in THRESHOLDS_S), "at limit"]
    rows = [header]
    for s in summaries:
        cells = [_cell(s["solved"][f"{t:g}"], s["runs"]) for t in THRESHOLDS_S]
        rows.append([s["method"], _dataset_label(s["dataset"]), str(s["runs"]), f"{s['records']}/{s['expected']}",
                     _seconds(s["time_limit_s"]), *cells, _cell(s["solved_at_limit"], s["runs"])])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    note = "solved targets within each time (start-up excluded)"
    if any(s["runs"] > 1 for s in summaries):
        note += "; with several runs: solved by any run/mean over runs"
    return "\n".join([*lines, note])


def _cell(counts: dict | None, runs: int) -> str:
    if counts is None:
        return "-"
    return str(counts["any"]) if runs == 1 else f"{counts['any']}/{counts['mean']:.1f}"


def _seconds(value: float) -> str:
    return f"{value / 3600:g} h" if value >= 3600 and value % 3600 == 0 else f"{value:g} s"


def _dataset_label(dataset: str) -> str:
    return Path(dataset).name if "/" in dataset else dataset


def plot(runs: list[RunResults], path: str | Path) -> None:
    """Solved count over time (log axis) as a PNG: per run directory the any-run curve, and with several
    runs the mean over runs (dashed)."""
    from matplotlib.ticker import MaxNLocator

    figure, axes = _figure()
    earliest = np.concatenate([r.times[~np.isnan(r.times)] for r in runs] + [[r.time_limit_s for r in runs]])
    start = max(1e-3, float(earliest.min()) / 2)
    for results, label in zip(runs, _labels(runs)):
        grid = np.geomspace(start, results.time_limit_s, 400)
        best = np.nan_to_num(results.times, nan=np.inf).min(axis=0)
        line, = axes.step(grid, [(best <= t).sum() for t in grid], where="post", label=f"{label} (any run)"
                          if results.runs > 1 else label)
        if results.runs > 1:
            mean = [results.solved_within(t)[1] for t in grid]
            axes.step(grid, mean, where="post", linestyle="--", color=line.get_color(), label=f"{label} (mean)")
    axes.set_xscale("log")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("time per target (s, start-up excluded)")
    axes.set_ylabel("targets solved")
    axes.set_title(", ".join(sorted({f"{_dataset_label(r.dataset)} ({r.targets} targets)" for r in runs})))
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    _save_png(figure, path)


def plot_learning_curve(progress_path: str | Path, path: str | Path) -> None:
    """Meta-training learning curve as a PNG: mean similarity (1 − d/N) of the recent training episodes
    against training time, from a meta-training run's ``progress.jsonl``."""
    rows = [r for r in read_jsonl(Path(progress_path)) if r.get("mean_recent_similarity") is not None]
    if not rows:
        raise InputFileError(f"{progress_path} holds no learning-curve points yet")
    figure, axes = _figure()
    hours = [r["elapsed_s"] / 3600 for r in rows]
    axes.plot(hours, [r["mean_recent_similarity"] for r in rows], marker=".")
    axes.set_xlabel("training time (h, wall-clock)")
    axes.set_ylabel("mean similarity 1 − d/N (last 200 episodes)")
    axes.set_title(f"meta-training: {rows[-1]['updates']} updates, {rows[-1]['episodes']} episodes")
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    _save_png(figure, path)


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5), dpi=120)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _save_png(figure, path: str | Path) -> None:
    """Render to memory, then write atomically (a reader never sees half a PNG)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    try:
        atomic_write_bytes(Path(path), buffer.getvalue())
    except OSError as exc:
        raise InputFileError(f"cannot write the plot to {path}: {exc}") from None


def _labels(runs: list[RunResults]) -> list[str]:
    """Curve labels: the method, plus the dataset or directory where that alone is ambiguous."""
    labels = [r.method if len({x.dataset for x in runs}) == 1 else f"{r.method}, {_dataset_label(r.dataset)}"
              for r in runs]
    return [f"{label} [{r.directory.name}]" if labels.count(label) > 1 else label for label, r in zip(labels, runs)]
