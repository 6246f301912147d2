"""Probe of long targets' designs: which parts misfold in place, and does the search solve each alone?

For every record of a long target without a unique design, the parts (``split_points``, 150 / 30 nt) whose
sites the design misfolds in place are searched alone with the ``hybrid`` preset (at most 150 nt: the short
targets' search), from their design in place, for SECONDS of CPU each, 2 processes
(docs/results/search-hard/NOTES.md, "Focused re-designs at 40 s, and a share of the budget for hard parts").

    python scripts/probe_parts_alone.py DATASET.tsv RECORDS.jsonl SECONDS
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from dataclasses import replace
from pathlib import Path


from learna.data.targetfiles import read_targets
from learna.fileio import read_jsonl
from learna.presets import HYBRID_TUNED
from learna.search.decompose import split_points
from learna.search.local_search import local_search
from learna.seeding import generator
from learna.structure import Target

CONFIG = replace(HYBRID_TUNED.hybrid.search, require_unique=True)


def search_alone(job: tuple[str, str, str, float]) -> tuple:
    """Search one part alone from its design in place: (id, length, solved, unique, distance, time to unique)."""
    part_id, structure, sequence, seconds = job
    result = local_search(Target(structure, id=part_id), CONFIG, time_limit=seconds, initial=[sequence],
                          rng=generator(0, part_id), clock=time.process_time)
    return part_id, len(structure), result.solved, result.unique_mfe, result.distance, result.time_to_unique_s


def main() -> None:
    dataset, records, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    targets = {t.id: t for t in read_targets(dataset)}
    jobs = []
    for record in read_jsonl(Path(records)):
        if record.get("unique_mfe"):
            continue
        target = targets[record["id"]]
        parts = split_points(target, 150, 30)
        wrong = [k for k, (a, b) in enumerate(zip(record["folded"], target.dot_bracket)) if a != b]
        inside = sum(any(p.start <= k <= p.end for p in parts) for k in wrong)
        print(f"{record['id']} {len(target)} nt: d = {record['distance']}, {inside} of {len(wrong)} mismatched "
              "sites inside parts", flush=True)
        jobs += [(f"{target.id}[{p.start}:{p.end}]", p.cut(target.dot_bracket), p.cut(record["sequence"]), seconds)
                 for p in parts if p.cut(record["folded"]) != p.cut(target.dot_bracket)]
    print(f"{len(jobs)} parts misfold in place; searched alone for {seconds:g} s CPU each:", flush=True)
    with multiprocessing.get_context("fork").Pool(2, maxtasksperchild=1) as pool:
        for part_id, length, solved, unique, distance, t_unique in pool.imap_unordered(search_alone, jobs):
            print(f"  {part_id} {length} nt: solved {solved}, unique {unique}, d = {distance}, "
                  f"unique at {t_unique if t_unique is None else round(t_unique, 2)} s", flush=True)


if __name__ == "__main__":
    main()
