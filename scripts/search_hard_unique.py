"""Uniqueness experiment: how often a search ends with a unique-MFE design when it keeps searching after
a tied solution (``require_unique``), with and without tie ranking (``rank_ties``), against stopping at the
first solution. Several seeds per target, CPU-time limit, one process.

    python scripts/search_hard_unique.py --dataset docs/results/search-hard/dev-40.tsv --ids A,B \\
        --seeds 0,1,2 --time-limit 20 --out docs/results/search-hard/records/unique.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

from learna.data import load_dataset
from learna.fileio import append_jsonl
from learna.presets import PRESETS
from learna.search import local_search
from learna.seeding import generator

ARMS = {
    "stop-at-first": {},
    "require-unique": {"require_unique": True},
    "require-unique+rank-ties": {"require_unique": True, "rank_ties": True},
    "require-unique+rank-ties+rivals": {"require_unique": True, "rank_ties": True, "rival_pool": 10},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    targets = {t.id: t for t in load_dataset(args.dataset)}
    base = PRESETS["hybrid"].hybrid.search
    for tid in args.ids.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            for arm in args.arms.split(","):
                config = dataclasses.replace(base, **ARMS[arm])
                rng = generator(seed, tid)
                result = local_search(targets[tid], config, time_limit=args.time_limit, rng=rng,
                                      clock=time.process_time)
                record = {"id": tid, "seed": seed, "arm": arm, "solved": result.solved,
                          "unique_mfe": result.unique_mfe, "time_to_solve_s": result.time_to_solve_s,
                          "time_to_unique_s": result.time_to_unique_s, "time_s": result.time_s,
                          "evaluations": result.evaluations}
                append_jsonl(Path(args.out), record)
                print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
