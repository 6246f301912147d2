"""Per-target comparison of search-hard arms: which targets each arm solves within a CPU budget.

    python scripts/search_hard_compare.py SET LIMIT ARM_FILE...   (files: records/*.jsonl)
"""

from __future__ import annotations

import sys
from pathlib import Path

from learna.fileio import read_jsonl


def main() -> None:
    limit = float(sys.argv[1])
    files = [Path(f) for f in sys.argv[2:]]
    runs = {}
    for f in files:
        runs[f.stem] = {r["id"]: r for r in read_jsonl(f)}
    ids = sorted(set().union(*(set(r) for r in runs.values())), key=lambda i: (i.split("-")[0], int(i.split("-")[1])))
    print("id".ljust(16) + "len " + " ".join(name[:14].rjust(14) for name in runs))
    for i in ids:
        cells = []
        for run in runs.values():
            r = run.get(i)
            if r is None:
                cells.append("-".rjust(14))
                continue
            t = r.get("time_to_solve_s")
            u = r.get("time_to_unique_s")
            mark = ("U" if u is not None and u <= limit else "S") if t is not None and t <= limit else f"d{r['distance']}"
            cells.append(f"{mark} {t:.1f}".rjust(14) if t is not None and t <= limit else mark.rjust(14))
        length = next(run[i]["length"] for run in runs.values() if i in run)
        print(i.ljust(16) + f"{length:<4d}" + " ".join(cells))


if __name__ == "__main__":
    main()
