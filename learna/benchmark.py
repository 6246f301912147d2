"""Batch evaluation: one method on every selected target of a dataset, under one per-target wall-clock limit.

Every method runs in the same harness (reference/learna.md §5, with wall-clock instead of CPU time):
one fresh process per (target, run) (:mod:`learna.processes`), at most ``processes`` at a time, with one
torch thread; the method's warm-up runs before the clock starts and its cost is recorded separately
(``startup_s``); a worker still running ``grace_s`` after its limit is killed. Each outcome is re-folded
here, independently of the designer, and appended to ``OUT/records.jsonl`` as soon as it exists
(:mod:`learna.records`); ``resume=True`` skips what is recorded.

Methods live in :data:`METHODS`, one dict: every design mode of :mod:`learna.design` plus ``rnainverse``.
Targets may carry design constraints (``constraint``/``gc`` columns of the dataset file); every design mode
honours them, ``rnainverse`` does not and refuses such a dataset before anything runs.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable

import torch

from learna.baselines import rnainverse
from learna.configio import from_dict
from learna.data import dataset_digest, load_dataset, select_targets
from learna.design import MODES, design, resolve_checkpoint, warm_up
from learna.errors import ConfigError, InputFileError
from learna.folding import DEFAULT_MODEL, FoldingModel
from learna.presets import PRESETS, DesignerConfig
from learna.processes import JobEnd, run_jobs
from learna.records import (Record, append_record, completed_keys, drop_torn_tail, latest_records, read_records,
                            read_run_info, verified_record, versions, write_run_info)
from learna.seeding import derive_seed
from learna.structure import Target



@dataclass(frozen=True)
class Task:
    """One design job as a worker receives it."""

    target: Target
    time_limit: float
    seed: int
    model: FoldingModel
    config: DesignerConfig | None
    checkpoint: str | None


@dataclass(frozen=True)
class Output:
    """What a method returns: its best design, the seconds it ran (until solved or stopped), counters."""

    sequence: str | None
    time_s: float
    stats: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """A benchmarked method: ``run`` must be a picklable module-level callable."""

    name: str
    run: Callable[[Task], Output]
    warm_up: Callable[[], None]
    configurable: bool
    """Takes a :class:`DesignerConfig` (``--config``; default ``PRESETS[name]``)."""
    uses_checkpoint: bool
    resolve: Callable[[DesignerConfig | None, str | None], DesignerConfig | None]
    """(config, checkpoint) → the config the method runs with; raises early for a bad or missing checkpoint."""
    preload: tuple[str, ...] = ()
    """Modules the worker processes' forkserver imports once (with this one), so that each worker starts
    and warms up in well under a second."""
    constraints: bool = True
    """Honours the targets' design constraints (:mod:`learna.constraints`)."""


def _run_design(mode: str, task: Task) -> Output:
    result = design(task.target, task.config, mode=mode, time_limit=task.time_limit, seed=task.seed,
                    checkpoint=task.checkpoint)
    stats = {k: getattr(result, k) for k in ("episodes", "folds", "fold_time_s", "updates", "restarts")}
    return Output(result.sequence, result.time_s, stats)


def _run_rnainverse(task: Task) -> Output:
    result = rnainverse(task.target, task.time_limit, task.seed, task.model)
    return Output(result.sequence, result.time_s, {"walks": result.walks})


def _resolve_design(mode: str, config: DesignerConfig, checkpoint: str | None) -> DesignerConfig:
    """The config a design mode runs with: a checkpoint's network replaces the preset's (learna.design)."""
    return resolve_checkpoint(mode, config, checkpoint)[0]


def _nothing(*_) -> None:
    """No warm-up, no config."""


METHODS: dict[str, Method] = {
    **{mode: Method(mode, partial(_run_design, mode), warm_up, configurable=True, uses_checkpoint=mode != "learna",
                    resolve=partial(_resolve_design, mode), preload=("torch._dynamo",)) for mode in MODES},
    "rnainverse": Method("rnainverse", _run_rnainverse, _nothing, configurable=False, uses_checkpoint=False,
                         resolve=_nothing, constraints=False),
}
"""Every method ``learna benchmark --method`` accepts: add an entry to add a method."""


def method_named(name: str) -> Method:
    """The registered method ``name``; :class:`ConfigError` naming the known ones otherwise."""
    if name not in METHODS:
        raise ConfigError(f"unknown method {name!r}: use one of {', '.join(METHODS)}")
    return METHODS[name]


def check_inputs(method: Method, *, config: bool, checkpoint: bool) -> None:
    """Refuse a config or checkpoint the method would silently ignore."""
    if config and not method.configurable:
        raise ConfigError(f"method {method.name} takes no config; drop --config")
    if checkpoint and not method.uses_checkpoint:
        raise ConfigError(f"method {method.name} uses no checkpoint; drop --checkpoint")


@dataclass(frozen=True)
class BenchmarkSpec:
    """One batch evaluation: the method, the targets and the conditions every target runs under."""

    method: str
    dataset: str
    """A shipped dataset name (``learna data list``) or a target file."""
    time_limit_s: float = 60.0
    """Wall-clock seconds per (target, run), after start-up."""
    processes: int = 1
    runs: int = 1
    """Independent runs per target (each with its own derived seed)."""
    seed: int = 0
    ids: str | None = None
    """Target ids and ranges to run, e.g. ``1-20,35``; all when None."""
    grace_s: float = 10.0
    """A worker still alive this long after its limit is killed."""
    model: FoldingModel = DEFAULT_MODEL
    config: DesignerConfig | None = None
    """Design modes: the config (its folding model is replaced by ``model``); None for the preset."""
    checkpoint: str | None = None
    options: dict = field(default_factory=dict)
    """The command-line options, recorded in ``run.json``."""


def plan(spec: BenchmarkSpec) -> tuple[Method, list[Target], Task, dict]:
    """Validate ``spec``: the method, the selected targets, a template task and the ``run.json`` contents."""
    method = method_named(spec.method)
    if not spec.time_limit_s > 0 or not spec.grace_s >= 0:
        raise ConfigError(f"time limit must be positive and grace ≥ 0, got {spec.time_limit_s} and {spec.grace_s}")
    if spec.processes < 1 or spec.runs < 1:
        raise ConfigError(f"processes and runs must be at least 1, got {spec.processes} and {spec.runs}")
    check_inputs(method, config=spec.config is not None, checkpoint=spec.checkpoint is not None)
    targets = select_targets(load_dataset(spec.dataset), spec.ids)
    constrained = [t.id for t in targets if t.constraints.active]
    if constrained and not method.constraints:
        raise ConfigError(f"method {method.name} does not take design constraints, but targets "
                          f"{', '.join(constrained[:5])}{' …' if len(constrained) > 5 else ''} have some: "
                          "use a design mode, or a dataset without constraint/gc columns")
    checkpoint = str(Path(spec.checkpoint).resolve()) if spec.checkpoint else None
    config = (spec.config or PRESETS[spec.method]).with_folding(spec.model) if method.configurable else None
    config = method.resolve(config, checkpoint)  # a bad checkpoint fails here, not in every worker
    task = Task(targets[0], spec.time_limit_s, spec.seed, spec.model, config, checkpoint)
    info = {"method": spec.method, "dataset": spec.dataset, "dataset_sha256": dataset_digest(spec.dataset),
            "ids": [t.id for t in targets], "runs": spec.runs, "seed": spec.seed, "time_limit_s": spec.time_limit_s,
            "grace_s": spec.grace_s, "processes": spec.processes, "folding": spec.model.to_dict(),
            "config": None if config is None else config.to_dict(), "checkpoint": checkpoint,
            "options": spec.options, "versions": versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    return method, targets, task, json.loads(json.dumps(info))  # as read back from run.json (lists, not tuples)


RESUME_KEYS = {"method": "method", "dataset_sha256": "dataset", "time_limit_s": "time limit", "seed": "seed",
               "folding": "folding model", "config": "config"}


def _with_defaults(config: dict | None) -> dict | None:
    """A recorded config with the fields added since it was written set to their defaults (which keep the
    behaviour of that time), as ``run.json`` would hold it now; unchanged if it does not parse."""
    if config is None:
        return None
    try:
        return json.loads(json.dumps(from_dict(DesignerConfig, config).to_dict()))
    except ConfigError:
        return config


def open_run_directory(out: Path, info: dict, resume: bool) -> list[Record]:
    """Create or reopen a run directory for ``info``; the records already in it (resume only)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"--out {out} is a file, not a directory")
    if not resume and out.exists() and any(out.iterdir()):
        raise InputFileError(f"run directory {out} is not empty: pass --resume to continue it, or choose another --out")
    if resume and out.exists() and any(out.iterdir()):
        old = read_run_info(out)
        old["config"] = _with_defaults(old.get("config"))
        for key, label in RESUME_KEYS.items():
            if old.get(key) != info[key]:
                shown = "" if key in ("config", "folding") else f" ({old.get(key)!r}, not {info[key]!r})"
                raise InputFileError(f"{out} was run with a different {label}{shown}: resume with the same "
                                     "options, or choose another --out")
        drop_torn_tail(out)
        records = read_records(out)
        info = {**old, "ids": old["ids"] + [i for i in info["ids"] if i not in old["ids"]],
                "runs": max(old["runs"], info["runs"]), "processes": info["processes"]}
    else:
        records = []
    out.mkdir(parents=True, exist_ok=True)
    write_run_info(out, info)
    return records


def _work(job: tuple[Method, Task], ready: Callable[[], None]) -> Output:
    """Worker body: one torch thread, warm up, signal ``ready`` (the clock starts), run the method.

    Adds ``cpu_s`` to the stats: CPU seconds of the worker and its reaped children during the run
    (the original's measure; well below ``time_s`` when the machine is oversubscribed).
    """
    method, task = job
    torch.set_num_threads(1)
    method.warm_up()
    ready()
    before = _cpu_seconds()
    output = method.run(task)
    return replace(output, stats={**output.stats, "cpu_s": round(_cpu_seconds() - before, 3)})


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def run_benchmark(spec: BenchmarkSpec, out: Path, *, resume: bool = False,
                  progress: Callable[[str], None] | None = None) -> list[Record]:
    """Run (or resume) ``spec`` into the run directory ``out``; the records written by this call.

    Workers start from a forkserver, which imports the caller's main module: a script calling this must
    guard its entry point with ``if __name__ == "__main__":`` (as with any spawned multiprocessing).
    """
    method, targets, template, info = plan(spec)
    previous = open_run_directory(Path(out), info, resume)
    planned = [(target, run) for run in range(spec.runs) for target in targets]
    done = completed_keys(previous) & {(target.id, run) for target, run in planned}
    by_id = {t.id: t for t in targets}
    jobs = []
    for target, run in planned:
        if (target.id, run) not in done:
            seed = derive_seed(spec.seed, target.id, run)
            jobs.append(((target.id, run, seed), (method, replace(template, target=target, seed=seed))))
    latest = latest_records(previous)
    meter = _Progress(total=len(planned), done=len(done), solved=sum(latest[k].solved for k in done), todo=len(jobs))
    written = []
    for end in run_jobs(jobs, _work, processes=spec.processes, kill_after_s=spec.time_limit_s + spec.grace_s,
                        preload=("learna.benchmark", *method.preload)):
        target_id, run, seed = end.key
        record = _record(end, spec, by_id[target_id], run, seed)
        append_record(Path(out), record)
        written.append(record)
        if progress is not None:
            progress(meter.update(record))
    return written


def _record(end: JobEnd, spec: BenchmarkSpec, target: Target, run: int, seed: int) -> Record:
    """The verified record of a finished job (timeouts and errors carry no design)."""
    common = {"method": spec.method, "run": run, "seed": seed, "startup_s": end.startup_s}
    if end.kind == "result":
        out: Output = end.value
        return verified_record(target, out.sequence, spec.model, time_to_solve_s=out.time_s, time_s=out.time_s,
                               status="finished", stats=out.stats, **common)
    return verified_record(target, None, spec.model, time_to_solve_s=None, time_s=end.elapsed_s, status=end.kind,
                           stats={"message": str(end.value).strip()}, **common)


@dataclass
class _Progress:
    """Running counts and the ETA for the per-target progress line."""

    total: int
    done: int
    solved: int
    todo: int
    finished_now: int = 0
    started: float = field(default_factory=time.monotonic)

    def update(self, record: Record) -> str:
        self.done, self.finished_now = self.done + 1, self.finished_now + 1
        self.solved += record.solved
        rate = (time.monotonic() - self.started) / self.finished_now
        eta = time.strftime("%H:%M:%S", time.gmtime(rate * (self.todo - self.finished_now)))
        if record.solved:
            outcome = f"solved in {record.time_s:.2f} s"
        elif record.status == "finished":
            outcome = f"unsolved, distance {record.distance} after {record.time_s:.1f} s"
        else:
            outcome = f"{record.status}: {record.stats['message'].splitlines()[-1]}"
        return (f"[{self.done}/{self.total}] {record.id} run {record.run}: {outcome} | "
                f"{self.solved}/{self.done} solved | ETA {eta}")
