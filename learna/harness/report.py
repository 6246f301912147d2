"""Reports over run directories: how many targets were solved, and uniquely solved, within 10 s, 60 s,
600 s and 1 h.

Counts follow the original's two views (docs/original.md §5): solved by *any* run, and the *mean* over
runs. A target counts as solved within t when a record says so with ``time_to_solve_s ≤ t`` (start-up
excluded), and as *uniquely* solved when its design's MFE structure is the target and no other structure
ties with it, with ``time_to_unique_s ≤ t`` (SAMFEO's criterion, :mod:`learna.quality`); thresholds above
a run's time limit are not reported. Output: a text table, JSON, and a PNG of solved count over time (log
time axis), one curve per run directory. A run directory holding two records of the same (target, run)
(two writers, or overlapping shards) is flagged: the table warns and the JSON lists them.

Shard directories (``learna benchmark --shard K/N``) of one run are reported as that run, one row
(:func:`load_runs`); shards not given are named, and their targets count as not recorded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from learna.errors import InputFileError
from learna.harness.records import Record, duplicate_keys, latest_records, read_records
from learna.harness.shards import read_shard, run_identity, shard_records
from learna.plots import figure, png_bytes, save_png

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
    unique_times: np.ndarray
    """Shape (runs, targets); seconds to a unique-MFE solution, NaN where there is none."""
    records: int
    """Records present (out of runs × targets)."""
    duplicates: tuple[tuple[str, int], ...] = ()
    """(target, run) pairs recorded more than once."""
    shard_count: int | None = None
    """N when these are shards of a run (``--shard K/N``); None for a whole run."""
    shards: tuple[int, ...] = ()
    """The shards (K) read, when ``shard_count`` is set."""
    folds: np.ndarray | None = None
    """Shape (runs, targets); ViennaRNA folds to the first solution, NaN where unsolved or unknown."""
    probability: np.ndarray | None = None
    """Shape (runs, targets); P(target) of the design, NaN where unsolved or unknown (records before the
    quality fields)."""
    energy_gap: np.ndarray | None = None
    """Shape (runs, targets); energy gap to the best competitor (kcal/mol), NaN where unsolved or unknown."""
    polish_s: float = 0.0
    """Seconds each solved design was polished (``learna benchmark --polish``): its P(target) and gap are the
    polished design's."""

    @property
    def runs(self) -> int:
        return self.times.shape[0]

    @property
    def targets(self) -> int:
        return self.times.shape[1]

    def median_to_solve(self) -> tuple[float | None, float | None]:
        """(median seconds, median folds) to the first solution over solved (run, target) pairs; None where
        there is none (or, for folds, records predate the count)."""
        return _median(self.times), _median(self.folds)

    def median_quality(self) -> tuple[float | None, float | None]:
        """(median P(target), median energy gap) of the designs over solved (run, target) pairs; None where
        there is none or the records predate the quality fields."""
        return _median(self.probability), _median(self.energy_gap)

    def solved_within(self, seconds: float, unique: bool = False) -> tuple[int, float]:
        """(targets solved by any run, mean over runs of targets solved) within ``seconds``; uniquely
        solved with ``unique``."""
        within = np.nan_to_num(self.unique_times if unique else self.times, nan=np.inf) <= seconds
        return int(within.any(axis=0).sum()), float(within.sum(axis=1).mean())


def _median(values: np.ndarray | None) -> float | None:
    known = values[~np.isnan(values)] if values is not None else np.empty(0)
    return float(np.median(known)) if known.size else None


def load_run(directory: str | Path) -> RunResults:
    """Read a run directory (``run.json`` and ``records.jsonl``) into :class:`RunResults`."""
    return load_runs([directory])[0]


def load_runs(directories: list[str | Path]) -> list[RunResults]:
    """Read run directories into :class:`RunResults`, in the order given; shard directories of one run become
    one :class:`RunResults` of that run (where its first shard is given). A shard given twice is refused."""
    rows: dict[object, list[tuple[Path, dict, tuple[int, int] | None]]] = {}
    for directory in map(Path, directories):
        info, shard = read_shard(directory)
        row = rows.setdefault(object() if shard is None else run_identity(info, shard), [])
        twice = [d for d, _, s in row if s == shard]
        if twice:
            raise InputFileError(f"shard {shard[0]}/{shard[1]} is given twice: {twice[0]} and {directory}")
        row.append((directory, info, shard))
    return [_row_results(row) for row in rows.values()]


def _row_results(row: list[tuple[Path, dict, tuple[int, int] | None]]) -> RunResults:
    directory, info, shard = row[0]
    if shard is None:
        return _results(directory, info, read_records(directory))
    records = [record for d, i, _ in row for record in shard_records(d, i)]
    if len(row) > 1:  # the shards' common parent, e.g. runs/x for runs/x/shard-*
        try:
            directory = Path(os.path.commonpath([d for d, _, _ in row]))
        except ValueError:  # relative and absolute paths
            directory = Path(os.path.commonpath([d.resolve() for d, _, _ in row]))
    return _results(directory, info, records, shard[1], tuple(sorted(s[0] for _, _, s in row)))


def _results(directory: Path, info: dict, all_records: list[Record], shard_count: int | None = None,
             shards: tuple[int, ...] = ()) -> RunResults:
    ids = {target_id: column for column, target_id in enumerate(info["ids"])}
    times = np.full((info["runs"], len(ids)), np.nan)
    unique_times = times.copy()
    folds, probability, energy_gap = times.copy(), times.copy(), times.copy()
    records = 0
    for (target_id, run), record in latest_records(all_records).items():
        if target_id in ids and run < times.shape[0]:
            records += 1
            if record.solved and record.time_to_solve_s is not None:
                times[run, ids[target_id]] = record.time_to_solve_s
                if record.folds_to_solve is not None:
                    folds[run, ids[target_id]] = record.folds_to_solve
                if record.probability is not None:
                    probability[run, ids[target_id]] = record.probability
                if record.energy_gap is not None:
                    energy_gap[run, ids[target_id]] = record.energy_gap
            if record.unique_mfe and record.time_to_unique_s is not None:
                unique_times[run, ids[target_id]] = record.time_to_unique_s
    return RunResults(directory, info["method"], info["dataset"], float(info["time_limit_s"]), times, unique_times,
                      records, tuple(duplicate_keys(all_records)), shard_count, shards, folds, probability, energy_gap,
                      float(info["polish_s"]))


def summarize(results: RunResults) -> dict:
    """A JSON-ready summary: solved counts (any run, mean) per threshold up to the limit, and at the limit."""
    def counts(seconds: float, unique: bool = False) -> dict:
        solved_any, solved_mean = results.solved_within(seconds, unique)
        return {"any": solved_any, "mean": round(solved_mean, 3)}

    limit = results.time_limit_s
    seconds, folds = results.median_to_solve()
    probability, energy_gap = results.median_quality()
    return {"directory": str(results.directory), "method": results.method, "dataset": results.dataset,
            "targets": results.targets, "runs": results.runs, "records": results.records,
            "expected": results.runs * results.targets, "time_limit_s": limit,
            "solved": {f"{t:g}": counts(t) if t <= limit else None for t in THRESHOLDS_S},
            "unique": {f"{t:g}": counts(t, True) if t <= limit else None for t in THRESHOLDS_S},
            "solved_at_limit": counts(limit), "unique_at_limit": counts(limit, True),
            "median_time_to_solve_s": seconds, "median_folds_to_solve": folds,
            "median_probability": probability, "median_energy_gap": energy_gap,
            "polish_s": results.polish_s,
            "duplicates": [list(key) for key in results.duplicates],
            "shards": None if results.shard_count is None else
            {"count": results.shard_count, "read": list(results.shards),
             "missing": sorted(set(range(1, results.shard_count + 1)) - set(results.shards))}}


def method_label(summary: dict) -> str:
    """A summary's method as the report names it, with the polish time of a run made with ``--polish`` (its
    P(target) and gap are the polished designs')."""
    return summary["method"] + (f" +polish {summary['polish_s']:g} s" if summary.get("polish_s") else "")


def format_table(summaries: list[dict]) -> str:
    """The summaries as an aligned text table: per time, targets solved and, in brackets, uniquely solved;
    with several runs a count reads ``any/mean``."""
    header = ["directory", "method", "dataset", "runs", "done", "limit", *(_seconds(t) for t in THRESHOLDS_S),
              "at limit", "median s", "median folds", "median P", "median gap"]
    rows = [header]
    for s in summaries:
        cells = [_cell(s["solved"][f"{t:g}"], s["unique"][f"{t:g}"], s["runs"]) for t in THRESHOLDS_S]
        rows.append([Path(s["directory"]).name, method_label(s), _dataset_label(s["dataset"]), str(s["runs"]),
                     f"{s['records']}/{s['expected']}",
                     _seconds(s["time_limit_s"]), *cells,
                     _cell(s["solved_at_limit"], s["unique_at_limit"], s["runs"]),
                     number(s["median_time_to_solve_s"]), number(s["median_folds_to_solve"]),
                     fixed(s["median_probability"], 3), fixed(s["median_energy_gap"], 2)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    note = ("targets solved (uniquely solved: the target is the only MFE structure) within each time, start-up "
            "excluded; medians over solved (run, target) pairs (P: the probability of the target in the ensemble; gap: "
            "kcal/mol to the best competing structure)")
    if any(s["runs"] > 1 for s in summaries):
        note += "; with several runs: by any run/mean over runs"
    warnings = [f"warning: {s['directory']} holds {len(s['duplicates'])} (target, run) pair(s) recorded more than "
                "once (two writers?); the last record of each is counted" for s in summaries if s["duplicates"]]
    return "\n".join([*lines, note, *warnings, *(_shard_note(s) for s in summaries if s.get("shards"))])


def _shard_note(summary: dict) -> str:
    shards = summary["shards"]
    read = f"shard {shards['read'][0]}" if len(shards["read"]) == 1 else f"{len(shards['read'])} shards"
    if not shards["missing"]:
        return f"{summary['directory']}: {read} of {shards['count']}, the whole run"
    missing = ", ".join(map(str, shards["missing"][:10])) + (" …" if len(shards["missing"]) > 10 else "")
    return (f"{summary['directory']}: {read} of {shards['count']}; shard(s) {missing} not given, their targets count "
            "as not recorded (report every shard directory, or merge them with `learna benchmark --merge`)")


def _cell(solved: dict | None, unique: dict | None, runs: int) -> str:
    if solved is None:
        return "-"
    if runs == 1:
        return f"{solved['any']} ({unique['any']})"
    return f"{solved['any']}/{solved['mean']:.1f} ({unique['any']}/{unique['mean']:.1f})"


def number(value: float | None) -> str:
    """A median for a table: three significant digits, thousands separated, ``-`` for none."""
    return "-" if value is None else f"{value:.3g}" if value < 1000 else f"{value:,.0f}"


def fixed(value: float | None, digits: int) -> str:
    """A median for a table with ``digits`` decimals, ``-`` for none."""
    return "-" if value is None else f"{value:.{digits}f}"


def _seconds(value: float) -> str:
    return f"{value / 3600:g} h" if value >= 3600 and value % 3600 == 0 else f"{value:g} s"


def _dataset_label(dataset: str) -> str:
    return Path(dataset).name if "/" in dataset else dataset


LEGEND_INSIDE = 8
"""Most legend entries drawn inside the plot's axes; more go beside them."""
LEGEND_ENTRY_INCHES = 0.17
"""Height of one legend entry beside the axes (x-small font): the figure grows to hold them all."""


def run_colours(count: int) -> list[tuple[float, ...]]:
    """One colour per run directory, distinct for up to 20 (matplotlib's tab10, or tab20 beyond 10 runs:
    the default colour cycle repeats after 10, so an 11th run would share the first one's colour)."""
    import matplotlib

    palette = matplotlib.colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(k % palette.N) for k in range(count)]


def plot(runs: list[RunResults], path: str | Path, unique: bool = True) -> None:
    """Solved count over time (log axis) as a PNG: per run directory the any-run curve (solid), with
    ``unique`` the uniquely solved one (dotted), and with several runs the mean over runs (dashed)."""
    save_png(_plot_figure(runs, unique), path)


def plot_png(runs: list[RunResults], unique: bool = True) -> bytes:
    """The PNG of :func:`plot`, in memory."""
    return png_bytes(_plot_figure(runs, unique))


def _plot_figure(runs: list[RunResults], unique: bool):
    from matplotlib.ticker import MaxNLocator

    fig, axes = figure()
    colours = run_colours(len(runs))
    earliest = np.concatenate([r.times[~np.isnan(r.times)] for r in runs] + [[r.time_limit_s for r in runs]])
    start = max(1e-3, float(earliest.min()) / 2)
    for results, label, colour in zip(runs, _labels(runs), colours):
        grid = np.geomspace(start, results.time_limit_s, 400)
        best = np.nan_to_num(results.times, nan=np.inf).min(axis=0)
        line, = axes.step(grid, [(best <= t).sum() for t in grid], where="post", color=colour,
                          label=f"{label} (any run)" if results.runs > 1 else label)
        if unique:
            best_unique = np.nan_to_num(results.unique_times, nan=np.inf).min(axis=0)
            axes.step(grid, [(best_unique <= t).sum() for t in grid], where="post", linestyle=":",
                      color=line.get_color(), label=f"{label}, unique MFE")
        if results.runs > 1:
            mean = [results.solved_within(t)[1] for t in grid]
            axes.step(grid, mean, where="post", linestyle="--", color=line.get_color(), label=f"{label} (mean)")
    axes.set_xscale("log")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("time per target (s, start-up excluded)")
    axes.set_ylabel("targets solved")
    axes.set_title(", ".join(sorted({f"{_dataset_label(r.dataset)} ({r.targets} targets)" for r in runs})))
    axes.grid(True, which="both", alpha=0.3)
    entries = len(axes.get_legend_handles_labels()[0])
    if entries > LEGEND_INSIDE:  # beside the axes, where it hides no curve, the figure tall enough for all of it
        fig.set_size_inches(10.5, max(fig.get_size_inches()[1], LEGEND_ENTRY_INCHES * entries + 0.5))
        axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="x-small")
    else:
        axes.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig


def _labels(runs: list[RunResults]) -> list[str]:
    """Curve labels: the method, plus the dataset or directory where that alone is ambiguous."""
    labels = [r.method if len({x.dataset for x in runs}) == 1 else f"{r.method}, {_dataset_label(r.dataset)}"
              for r in runs]
    return [f"{label} [{r.directory.name}]" if labels.count(label) > 1 else label for label, r in zip(labels, runs)]
