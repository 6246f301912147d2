"""Measure the local search on a list of targets: solved counts at 1 s, 10 s and the time limit.

One process per target (a fresh worker for every target, ``--processes`` at a time), each with a
per-target time limit. A target counts as solved at t seconds when its run found a solution (ties allowed)
within t seconds, and uniquely solved at t when it found a unique-MFE solution within t seconds (the
search is deterministic for its seed, so a longer run contains the shorter one, up to timing noise, as
long as no setting depends on the limit itself). Per-target records go to ``--out`` as JSON lines, the
summary to stdout, progress to stderr. ``--preset hybrid`` starts from the shipped hybrid's search
settings (``HYBRID_TUNED.hybrid.search``) instead of the ``SearchConfig`` defaults.

Examples::

    python scripts/eval_search.py --generate 60 50 400 --seed 101 --time-limit 10 --cpu-time
    python scripts/eval_search.py --generate 400 50 400 --seed 101 --hard 10 --time-limit 10
    python scripts/eval_search.py --dataset eterna100-v2 --time-limit 10 --out e100.jsonl
    python scripts/eval_search.py --generate 40 200 400 --seed 5 --set objective=ensemble_defect
    python scripts/eval_search.py --dataset docs/results/search-hard/dev-40.tsv --preset hybrid \
        --time-limit 60 --cpu-time --out runs/dev-baseline.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import sys
import time

import numpy as np

from learna.data import GenerationSpec, generate_targets, load_dataset, write_targets_tsv
from learna.fileio import append_jsonl
from learna.search import SearchConfig, local_search
from learna.seeding import generator
from learna.structure import Target


def preset_overrides(name: str | None) -> dict:
    """The search settings of a design preset (``hybrid``: the shipped hybrid's), as overrides."""
    if not name:
        return {}
    from learna.presets import PRESETS

    return dataclasses.asdict(PRESETS[name].hybrid.search)


def parse_overrides(pairs: list[str], base: dict | None = None) -> dict:
    """``key=value`` strings → typed SearchConfig overrides (types from the dataclass defaults), on top of
    ``base``."""
    defaults = SearchConfig()
    overrides = dict(base or {})
    for pair in pairs:
        key, _, raw = pair.partition("=")
        if not hasattr(defaults, key):
            raise SystemExit(f"unknown SearchConfig field {key!r}")
        kind = type(getattr(defaults, key))
        if kind is bool:
            overrides[key] = raw.lower() in ("1", "true", "yes")
        elif kind is tuple:
            overrides[key] = tuple(int(v) for v in raw.split(",") if v)
        else:
            overrides[key] = kind(raw)
    return overrides


def run_one(job: tuple[Target, dict, float, int, bool]) -> dict:
    """Worker: one search on one target; returns a JSON-ready record."""
    target, overrides, time_limit, seed, cpu_time = job
    config = SearchConfig(**overrides)
    rng = generator(seed, target.id)
    clock = time.process_time if cpu_time else time.perf_counter
    result = local_search(target, config, time_limit=time_limit, rng=rng, clock=clock)
    return {"id": target.id, "length": len(target), **result.to_dict()}


def is_hard(job: tuple[Target, int]) -> bool:
    """Worker: True when the rule-based starts do not solve ``target`` within the given evaluations."""
    target, evaluations = job
    result = local_search(target, SearchConfig(), max_evaluations=evaluations, rng=np.random.default_rng(0))
    return not result.solved


def select_targets(args: argparse.Namespace, pool: multiprocessing.pool.Pool) -> list[Target]:
    if args.dataset:
        targets = load_dataset(args.dataset)
    else:
        count, low, high = args.generate
        targets = generate_targets(GenerationSpec(count, low, high, seed=args.seed, kind=args.kind))
    if args.hard:
        hard = pool.map(is_hard, [(t, args.hard) for t in targets], chunksize=1)
        targets = [t for t, keep in zip(targets, hard) if keep]
    if args.ids:
        wanted = set(args.ids.split(","))
        targets = [t for t in targets if t.id in wanted]
    return targets[: args.limit] if args.limit else targets


def _within(value: float | None, t: float) -> bool:
    return value is not None and value <= t


def summarise(records: list[dict], time_limit: float) -> dict:
    """Solved counts (ties allowed, and unique MFE) at 1 s, 10 s and the limit."""
    summary = {"targets": len(records)}
    for label, t in (("1s", 1.0), ("10s", 10.0), ("limit", time_limit)):
        if t <= time_limit:
            summary[f"solved@{label}"] = sum(_within(r.get("time_to_solve_s"), t) for r in records)
            summary[f"unique@{label}"] = sum(_within(r.get("time_to_unique_s"), t) for r in records)
    summary["returned_unique"] = sum(bool(r["unique_mfe"]) for r in records)
    total = sum(r["time_s"] for r in records)
    summary["vienna_fraction"] = round(sum(r["vienna_time_s"] for r in records) / max(total, 1e-9), 3)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help="dataset name (e.g. eterna100-v2) or target file")
    source.add_argument("--generate", nargs=3, type=int, metavar=("COUNT", "MIN", "MAX"),
                        help="random targets: MFE structures of random sequences (see --kind)")
    parser.add_argument("--kind", default="mfe", help="generation kind for --generate: mfe, motif or hard")
    parser.add_argument("--ids", help="comma-separated target ids to keep")
    parser.add_argument("--preset", help="start from this design preset's search settings (e.g. hybrid)")
    parser.add_argument("--seed", type=int, default=0, help="generation seed and search seed")
    parser.add_argument("--hard", type=int, default=0, metavar="EVALS",
                        help="keep only targets the rule-based starts do not solve within EVALS evaluations")
    parser.add_argument("--limit", type=int, default=0, help="use at most this many targets")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per target")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--cpu-time", action="store_true",
                        help="limit and report CPU seconds of the worker instead of wall-clock seconds "
                             "(comparable across runs when other jobs load the machine)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="SearchConfig override")
    parser.add_argument("--out", help="append per-target records here (JSON lines)")
    parser.add_argument("--save-targets", help="write the selected targets here (TSV) and continue")
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.set, preset_overrides(args.preset))
    context = multiprocessing.get_context("fork")
    with context.Pool(args.processes, maxtasksperchild=1) as pool:
        targets = select_targets(args, pool)
        if args.save_targets:
            write_targets_tsv(targets, args.save_targets)
        print(f"{len(targets)} targets, {args.time_limit:g} s each, config "
              f"{dataclasses.asdict(SearchConfig(**overrides))}", file=sys.stderr)
        jobs = [(t, overrides, args.time_limit, args.seed, args.cpu_time) for t in targets]
        records, start = [], time.perf_counter()
        for record in pool.imap_unordered(run_one, jobs, chunksize=1):
            records.append(record)
            if args.out:
                append_jsonl(args.out, {**record, "config": overrides, "seed": args.seed})
            print(f"[{len(records)}/{len(jobs)} {time.perf_counter() - start:.0f}s] {record['id']} "
                  f"n={record['length']} solved={record['solved']} unique={record['unique_mfe']} "
                  f"d={record['distance']} t_solve={record['time_to_solve_s']} t_unique={record['time_to_unique_s']} "
                  f"t={record['time_s']:.2f}", file=sys.stderr)
    clock = "cpu" if args.cpu_time else "wall"
    print(json.dumps({**summarise(records, args.time_limit), "clock": clock, "overrides": overrides}))


if __name__ == "__main__":
    main()
