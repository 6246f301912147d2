"""Shards: one benchmark split into N disjoint slices of its (target, run) list, each run on its own (a SLURM
array task, ``--shard K/N``) into its own run directory, and combined again (:func:`merge_shards`, or a
report over the shard directories, :func:`learna.harness.report.load_runs`).

A run's plan is its (target, run) pairs in one order (:func:`plan_pairs`: every target of run 0 in dataset
order, then run 1, …); shard K of N takes every N-th pair from the K-th (:func:`shard_of`), so the shards are
disjoint, cover the plan, and each gets short and long targets alike. A shard's ``run.json`` describes the
whole run (all ids, all runs) plus ``"shard": [K, N]``; directories are shards of one run when the fields of
:data:`SAME_RUN` and N agree.
"""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence, TypeVar

from learna.errors import ConfigError, InputFileError
from learna.fileio import DirectoryLock
from learna.harness.records import Record, append_record, latest_records, read_records, read_run_info, write_run_info

MAX_SHARDS = 100_000
SAME_RUN = {"method": "method", "dataset_sha256": "dataset", "ids": "targets", "runs": "number of runs",
            "seed": "seed", "time_limit_s": "time limit", "grace_s": "grace", "folding": "folding model",
            "uniqueness": "uniqueness rule", "config": "config", "checkpoint": "checkpoint",
            "polish_s": "polish time"}
"""run.json fields that make two directories parts of one run, with their names in messages."""

T = TypeVar("T")


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"K/N"`` (``--shard``) as ``(K, N)`` with 1 ≤ K ≤ N; None for None; a one-line error otherwise."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
    return check_shard((int(match[1]), int(match[2])) if match else text)


def check_shard(shard: object) -> tuple[int, int] | None:
    """``shard`` as a ``(K, N)`` pair with 1 ≤ K ≤ N ≤ :data:`MAX_SHARDS` (None: the whole run)."""
    if shard is None:
        return None
    if (isinstance(shard, (tuple, list)) and len(shard) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in shard)
            and 1 <= shard[0] <= shard[1] <= MAX_SHARDS):
        return int(shard[0]), int(shard[1])
    shown = "/".join(map(str, shard)) if isinstance(shard, (tuple, list)) else str(shard)
    raise ConfigError(f"--shard must be K/N with 1 ≤ K ≤ N ≤ {MAX_SHARDS}, e.g. 3/10 (the 3rd of 10 slices), "
                      f"got {shown!r}")


def plan_pairs(items: Sequence[T], runs: int) -> list[tuple[T, int]]:
    """A run's (target, run) pairs in plan order: every target of run 0, then of run 1, …"""
    return [(item, run) for run in range(runs) for item in items]


def shard_of(pairs: Sequence[T], shard: tuple[int, int] | None) -> list[T]:
    """Shard K of N of ``pairs``: every N-th from the K-th (all of them for None)."""
    if shard is None:
        return list(pairs)
    index, count = shard
    return list(pairs[index - 1::count])


def shard_keys(info: dict) -> list[tuple[str, int]]:
    """The (target id, run) pairs a run directory's ``run.json`` plans for it (its shard's, if any)."""
    shard = info.get("shard")
    return shard_of(plan_pairs(info["ids"], info["runs"]), tuple(shard) if shard else None)


def read_shard(directory: Path) -> tuple[dict, tuple[int, int] | None]:
    """A run directory's ``run.json`` and its shard (None: not a shard), the shard field checked."""
    info = read_run_info(directory)
    try:
        shard = check_shard(info.get("shard"))
    except ConfigError:
        raise InputFileError(f"{Path(directory) / 'run.json'}: 'shard' is not [K, N]: corrupted run directory") from None
    return info, shard


def run_identity(info: dict, shard: tuple[int, int]) -> str:
    """What shards of one run share (the :data:`SAME_RUN` fields and N), as a string to group by."""
    return json.dumps([{key: info.get(key) for key in SAME_RUN}, shard[1]], sort_keys=True)


def check_same_run(first: tuple[Path, dict, tuple[int, int]], other: tuple[Path, dict, tuple[int, int]]) -> None:
    """Refuse ``other`` unless it is a shard of ``first``'s run (naming the first difference)."""
    (directory, info, shard), (other_directory, other_info, other_shard) = first, other
    differences = [label for key, label in SAME_RUN.items() if info.get(key) != other_info.get(key)]
    if shard[1] != other_shard[1]:
        differences.insert(0, f"shard count ({other_shard[1]}, not {shard[1]})")
    if differences:
        raise InputFileError(f"{other_directory} is not a shard of the same run as {directory}: different "
                             f"{', '.join(differences)}; give the shard directories of one run")


def check_complete(shards: list[tuple[Path, dict, tuple[int, int]]]) -> None:
    """Refuse a shard given twice, or shards missing from a run."""
    seen: dict[int, Path] = {}
    for directory, _, (index, count) in shards:
        if index in seen:
            raise InputFileError(f"shard {index}/{count} is given twice: {seen[index]} and {directory}")
        seen[index] = directory
    count = shards[0][2][1]
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise InputFileError(f"shard{'s' if len(missing) > 1 else ''} {shown} of {count} "
                             f"{'are' if len(missing) > 1 else 'is'} missing: give every shard directory of the run")


def shard_records(directory: Path, info: dict) -> list[Record]:
    """The records of a run directory that belong to its shard's (target, run) pairs, in file order."""
    planned = set(shard_keys(info))
    return [record for record in read_records(directory) if record.key in planned]


def merge_shards(out: Path, directories: Sequence[str | Path]) -> dict:
    """Write the run directory ``out`` from every shard directory of one run: its ``run.json`` without the
    shard, and one record per (target, run), in plan order. The shards are checked (one run, each shard once,
    none missing) and locked while read; ``out`` must be new or empty. Returns ``{"records", "expected"}``;
    pairs a shard did not record (a task killed by its time limit) are left to ``learna benchmark --resume``."""
    out = Path(out)
    if not directories:
        raise InputFileError("--merge needs the shard directories of a run, e.g. runs/x/shard-*")
    shards = []
    for directory in map(Path, directories):
        info, shard = read_shard(directory)
        if shard is None:
            raise InputFileError(f"{directory} is not a shard directory (written without --shard): --merge "
                                 "combines the directories of `learna benchmark --shard K/N`")
        shards.append((directory, info, shard))
    for other in shards[1:]:
        check_same_run(shards[0], other)
    check_complete(shards)
    resolved = {d.resolve() for d, _, _ in shards}
    if out.resolve() in resolved or (out.exists() and not out.is_dir()):
        raise InputFileError(f"--out {out} must be a new directory, not a shard or a file")
    with ExitStack() as stack:
        for directory, _, _ in shards:
            stack.enter_context(DirectoryLock(directory, "shard directory"))
        if out.exists() and any(p.name != DirectoryLock.FILE for p in out.iterdir()):
            raise InputFileError(f"run directory {out} is not empty: merge into a new directory")
        stack.enter_context(DirectoryLock(out, "run directory"))
        records: dict[tuple[str, int], Record] = {}
        for directory, info, _ in sorted(shards, key=lambda s: s[2]):
            records.update(latest_records(shard_records(directory, info)))
        planned = plan_pairs(shards[0][1]["ids"], shards[0][1]["runs"])
        for key in planned:
            if key in records:
                append_record(out, records[key])
        write_run_info(out, merged_info(shards))
    return {"records": len(records), "expected": len(planned)}


def merged_info(shards: list[tuple[Path, dict, tuple[int, int]]]) -> dict:
    """The ``run.json`` of the merged run: the shards' run without the shard, and where it came from."""
    info = {**shards[0][1], "shard": None, "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    info["options"] = {k: v for k, v in info.get("options", {}).items() if k not in ("shard", "out")}
    info["merged_from"] = [{"shard": list(shard), "directory": str(directory.resolve()), "created": i.get("created"),
                            "processes": i.get("processes"), "workers": i.get("workers", 1),
                            "scheduler": i.get("scheduler")}
                           for directory, i, shard in sorted(shards, key=lambda s: s[2])]
    return info
