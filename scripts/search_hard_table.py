"""Ablation table of the search-hard arms: solved / uniquely solved counts at 10 s and 60 s (CPU) per arm
and target set, from ``docs/results/search-hard/records/*.jsonl`` (written by ``search_hard_arm.sh``).

    python scripts/search_hard_table.py [RECORDS_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from learna.fileio import read_jsonl


def counts(records: list[dict], t: float) -> tuple[int, int]:
    solved = sum(r.get("time_to_solve_s") is not None and r["time_to_solve_s"] <= t for r in records)
    unique = sum(r.get("time_to_unique_s") is not None and r["time_to_unique_s"] <= t for r in records)
    return solved, unique


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/results/search-hard/records")
    print("| arm | set | limit (CPU s) | targets | solved / unique @10 s | solved / unique @limit | "
          "solved ≥150 nt @limit | mean d (unsolved) |")
    print("|---|---|---|---|---|---|---|---|")
    for path in sorted(folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime):
        records = list(read_jsonl(path))
        if not records or "length" not in records[0]:  # e.g. the uniqueness experiment's records
            continue
        name, set_name, limit = path.stem.rsplit("-", 2)
        limit_s = float(limit.rstrip("s"))
        s10, u10 = counts(records, 10.0)
        sl, ul = counts(records, limit_s)
        long_solved = sum(r["solved"] for r in records if r["length"] >= 150)
        unsolved = [r["distance"] for r in records if not r["solved"]]
        mean_d = sum(unsolved) / len(unsolved) if unsolved else 0.0
        print(f"| {name} | {set_name} | {limit_s:g} | {len(records)} | {s10} / {u10} | {sl} / {ul} | "
              f"{long_solved} | {mean_d:.1f} |")


if __name__ == "__main__":
    main()
