"""Batch evaluation: one method on every selected target of a dataset, under one per-target wall-clock limit.

Every method runs in the same harness (docs/original.md §5, with wall-clock instead of CPU time): one fresh
process per (target, run) (:func:`learna.processes.run_jobs`), at most ``processes`` at a time, with one
torch thread; the method's warm-up runs before the clock starts and its cost is recorded separately
(``startup_s``); a worker still running ``grace_s`` after its limit is killed, and its last interim design
is recorded. Each outcome is assessed here, independently of the method (:mod:`learna.quality`), and
appended to ``OUT/records.jsonl`` as soon as it exists (:mod:`learna.harness.records`); ``resume=True``
skips what is recorded. One process writes to a run directory at a time (:class:`learna.fileio.DirectoryLock`).

Where the jobs run is an executor (:mod:`learna.harness.executors`): ``processes`` local processes, or with
``scheduler`` a Dask cluster, one task per (target, run), each still a fresh process with the same limits
(:mod:`learna.harness.cluster`). ``shard`` runs one of N disjoint slices of the (target, run) list
(:mod:`learna.harness.shards`). With ``workers`` K > 1 every (target, run) is K searches with different seeds at
once, the first robust design ending the others (:mod:`learna.harness.portfolio`; local processes only).
With ``polish_s`` every design that counts as solved is polished in its worker before it is recorded.

Methods are :data:`learna.harness.methods.METHODS`. Targets may carry design constraints (``constraint``/``gc``
columns of the dataset file); every design mode honours them, ``rnainverse`` does not and refuses such a
dataset before anything runs.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from learna.api import check_foldable, check_seconds, check_time_limit
from learna.config import DesignerConfig
from learna.configio import from_dict
from learna.data import dataset_digest, load_dataset, select_targets
from learna.errors import ConfigError, InputFileError
from learna.fileio import DirectoryLock
from learna.folding import DEFAULT_MODEL, FoldingModel
from learna.harness.executors import check_scheduler, executor
from learna.harness.methods import (Method, Task, check_inputs, method_named, prepare_worker, resolve,
                                    worker_preload)
from learna.harness.portfolio import Verdict, check_workers, run_portfolios, verdict, worker_seed
from learna.harness.records import (Record, append_record, completed_keys, latest_records, make_record, read_records,
                                    read_run_info, repair_records, versions, write_run_info)
from learna.harness.shards import check_shard, plan_pairs, shard_of
from learna.presets import preset
from learna.processes import JobContext, JobEnd
from learna.seeding import check_seed, derive_seed
from learna.structure import Target


MAX_PROCESSES = 256
"""Most worker processes on one machine (a cluster is for more, docs/architecture.md)."""
MAX_RUNS = 1000


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
    unique_mfe: bool = False
    """Only a design whose unique MFE structure is the target counts as solved (every method)."""
    scheduler: str | None = None
    """A Dask scheduler (``tcp://HOST:PORT`` or its scheduler file): every (target, run) runs on that cluster
    (``processes`` is then unused); None: on this machine."""
    shard: tuple[int, int] | None = None
    """``(K, N)``: only the K-th of N disjoint slices of the (target, run) list; None: all of it."""
    workers: int = 1
    """Searches of each (target, run) at once, with different seeds; the first robust design ends the others
    (:mod:`learna.harness.portfolio`). ``processes`` (targets at a time) × ``workers`` processes run."""
    polish_s: float = 0.0
    """Design modes: seconds each design that counts as solved is polished in its worker once the design ends
    (:func:`learna.designers.polish.polish_outcome`; 0: none). The record holds the polished design; its times
    to a solution are the design's."""
    options: dict = field(default_factory=dict)
    """The command-line options, recorded in ``run.json``."""


def plan(spec: BenchmarkSpec) -> tuple[Method, list[Target], Task, dict]:
    """Validate ``spec`` (before anything is written): the method, the selected targets, a template task
    and the ``run.json`` contents."""
    method = method_named(spec.method)
    check_time_limit(spec.time_limit_s)
    check_seconds(spec.grace_s, "grace")
    if not (1 <= spec.processes <= MAX_PROCESSES and 1 <= spec.runs <= MAX_RUNS):
        raise ConfigError(f"processes must be in 1..{MAX_PROCESSES} and runs in 1..{MAX_RUNS}, "
                          f"got {spec.processes} and {spec.runs}")
    check_seed(spec.seed)
    scheduler = None if spec.scheduler is None else check_scheduler(spec.scheduler)
    check_workers(spec.workers, scheduler)
    shard = check_shard(spec.shard)
    check_seconds(spec.polish_s, "polish")
    check_inputs(method, config=spec.config is not None, checkpoint=spec.checkpoint is not None,
                 polish=spec.polish_s > 0)
    targets = select_targets(load_dataset(spec.dataset), spec.ids)
    for target in targets:
        check_foldable(target, spec.time_limit_s)
    constrained = [t.id for t in targets if t.constraints.active]
    if constrained and not method.constraints:
        raise ConfigError(f"method {method.name} does not take design constraints, but targets "
                          f"{', '.join(constrained[:5])}{' …' if len(constrained) > 5 else ''} have some: "
                          "use a design mode, or a dataset without constraint/gc columns")
    checkpoint = str(Path(spec.checkpoint).resolve()) if spec.checkpoint else None
    uniqueness = "require" if spec.unique_mfe else (spec.config or _preset_or_default(method)).uniqueness
    config = None
    if method.configurable:
        config = replace((spec.config or preset(spec.method)).with_folding(spec.model), uniqueness=uniqueness)
    config = resolve(method, config, checkpoint)
    task = Task(targets[0], spec.time_limit_s, spec.seed, spec.model, uniqueness, config, checkpoint,
                polish=spec.polish_s)
    info = {"method": spec.method, "dataset": spec.dataset, "dataset_sha256": dataset_digest(spec.dataset),
            "ids": [t.id for t in targets], "runs": spec.runs, "seed": spec.seed, "time_limit_s": spec.time_limit_s,
            "grace_s": spec.grace_s, "polish_s": spec.polish_s, "processes": spec.processes, "workers": spec.workers,
            "scheduler": scheduler,
            "shard": list(shard) if shard else None, "folding": spec.model.to_dict(),
            "uniqueness": uniqueness, "config": None if config is None else config.to_dict(),
            "checkpoint": checkpoint, "options": spec.options, "versions": versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    return method, targets, task, json.loads(json.dumps(info))  # as read back from run.json (lists, not tuples)


def _preset_or_default(method: Method) -> DesignerConfig:
    return preset(method.name) if method.configurable else DesignerConfig()


RESUME_KEYS = {"method": "method", "dataset_sha256": "dataset", "time_limit_s": "time limit", "seed": "seed",
               "folding": "folding model", "uniqueness": "uniqueness rule", "config": "config", "shard": "shard",
               "workers": "number of workers per target", "polish_s": "polish time"}


def _with_defaults(config: dict | None) -> dict | None:
    """A recorded config with the fields added since it was written set to their defaults (which keep the
    behaviour of that time), as ``run.json`` would hold it now; unchanged if it does not parse."""
    if config is None:
        return None
    try:
        config = {"uniqueness": "ignore", **config}  # before the rule existed, the first solution ended a run
        return json.loads(json.dumps(from_dict(DesignerConfig, config).to_dict()))
    except ConfigError:
        return config


def _is_empty(out: Path) -> bool:
    return not any(p.name != DirectoryLock.FILE for p in out.iterdir())


def open_run_directory(out: Path, info: dict, resume: bool) -> list[Record]:
    """Create or reopen a run directory for ``info`` (the caller holds its lock); the records already in it."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"--out {out} is a file, not a directory")
    if not resume and out.exists() and not _is_empty(out):
        raise InputFileError(f"run directory {out} is not empty: pass --resume to continue it, or choose another --out")
    records: list[Record] = []
    if resume and out.exists() and not _is_empty(out):
        old = read_run_info(out)
        old["config"] = _with_defaults(old.get("config"))
        old.setdefault("uniqueness", "ignore")  # runs before uniqueness existed stopped at the first solution
        old.setdefault("shard", None)
        old.setdefault("workers", 1)  # runs before portfolios existed ran one search per target
        for key, label in RESUME_KEYS.items():
            if old.get(key) != info.get(key):
                shown = "" if key in ("config", "folding") else f" ({old.get(key)!r}, not {info.get(key)!r})"
                raise InputFileError(f"{out} was run with a different {label}{shown}: resume with the same "
                                     "options, or choose another --out")
        if info.get("shard") and (old["ids"], old["runs"]) != (info["ids"], info["runs"]):
            raise InputFileError(f"{out} is a shard of a run of other targets or runs: resume a shard with the "
                                 "same --ids and --runs")
        repair_records(out)
        records = read_records(out)
        info = {**old, "ids": old["ids"] + [i for i in info["ids"] if i not in old["ids"]],
                "runs": max(old["runs"], info["runs"]), "processes": info["processes"],
                "scheduler": info.get("scheduler")}
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_run_info(out, info)
    except OSError as exc:
        raise InputFileError(f"cannot write to run directory {out}: {exc.strerror or exc}") from None
    return records


def work(job: tuple[Method, Task], context: JobContext):
    """Worker body: start-up (:func:`~learna.harness.methods.prepare_worker`), signal ``ready`` (the clock starts),
    run the method.

    Adds ``cpu_s`` to the stats: CPU seconds of the worker and its reaped children during the run
    (the original's measure; well below ``time_s`` when the machine is oversubscribed).
    """
    method, task = job
    prepare_worker(method, task)
    context.ready()
    before = _cpu_seconds()
    outcome = method.run(task, context.report)
    return replace(outcome, stats={**outcome.stats, "cpu_s": round(_cpu_seconds() - before, 3)})


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
    with executor(info["scheduler"], spec.processes) as execute, DirectoryLock(Path(out), "run directory"):
        previous = open_run_directory(Path(out), info, resume)
        planned = shard_of(plan_pairs(targets, spec.runs), check_shard(spec.shard))
        done = completed_keys(previous) & {(target.id, run) for target, run in planned}
        by_id = {t.id: t for t in targets}
        jobs = [((target.id, run, seed), (method, replace(template, target=target, seed=seed)))
                for target, run in planned if (target.id, run) not in done
                for seed in [derive_seed(spec.seed, target.id, run)]]
        latest = latest_records(previous)
        meter = ProgressMeter(total=len(planned), done=len(done), solved=sum(latest[k].solved for k in done),
                              todo=len(jobs))
        kill_after = spec.time_limit_s + spec.polish_s + (0.0 if method.stops_at_limit else spec.grace_s)
        written, recorded = [], set(done)
        preload = worker_preload(method, [template])

        def judge(key: tuple[str, int, int], worker: int, end: JobEnd) -> Verdict[Record]:
            target_id, run, seed = key
            record = job_record(end, spec, method, template.uniqueness, by_id[target_id], run,
                                worker_seed(seed, worker))
            return verdict(record, template.uniqueness, spec.workers, worker)

        ended = run_portfolios(jobs, work, execute=execute, workers=spec.workers, processes=spec.processes,
                               kill_after_s=kill_after, judge=judge, preload=preload)
        for (target_id, run, _), record in ended:
            if (target_id, run) in recorded:
                continue  # one record per (target, run), whatever an executor delivers twice
            recorded.add((target_id, run))
            append_record(Path(out), record)
            written.append(record)
            if progress is not None:
                progress(meter.update(record))
    return written


def job_record(end: JobEnd, spec: BenchmarkSpec, method: Method, uniqueness: str, target: Target, run: int,
               seed: int) -> Record:
    """The assessed record of a finished job: its result, its last interim design when it was killed (a
    method that ``stops_at_limit`` is finished then), or no design after an error."""
    common = {"method": spec.method, "run": run, "seed": seed, "startup_s": end.startup_s}
    if end.kind == "result":
        outcome = end.value
        return make_record(target, outcome, spec.model, uniqueness, status="finished", time_s=outcome.time_s,
                           stats=outcome.stats, **common)
    if end.kind == "timeout" and method.stops_at_limit and end.startup_s is not None:
        outcome = end.partial
        stats = {**(outcome.stats if outcome else {}), "stopped": "at the time limit"}
        return make_record(target, outcome, spec.model, uniqueness, status="finished", time_s=spec.time_limit_s,
                           stats=stats, **common)
    outcome = end.partial if end.kind == "timeout" else None
    return make_record(target, outcome, spec.model, uniqueness, status=end.kind, time_s=end.elapsed_s,
                       stats={"message": str(end.value).strip()}, **common)


@dataclass
class ProgressMeter:
    """Running counts and the ETA for the per-target progress line of a benchmark."""

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
            outcome = f"solved in {record.time_to_solve_s:.2f} s" + ("" if record.unique_mfe else " (tied MFE)")
            polished = record.stats.get("polish")
            if polished and polished.get("kept"):
                outcome += f", polished: P(target) {polished['probability_before']:.3f} -> {record.probability:.3f}"
        elif record.status == "finished":
            outcome = f"unsolved, distance {record.distance} after {record.time_s:.1f} s"
        else:
            outcome = f"{record.status}: {record.stats['message'].splitlines()[-1]}"
        return (f"[{self.done}/{self.total}] {record.id} run {record.run}: {outcome} | "
                f"{self.solved}/{self.done} solved | ETA {eta}")
