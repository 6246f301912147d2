"""What ``--polish`` did to a set of designs: counts, medians before and after, and a before/after plot.

Reads the JSON lines of ``learna design --json --polish SECONDS`` (one design per target) and prints, over the
designs that were polished (solved ones), how many the polish replaced, how many became unique, and the
median P(target) and energy gap before and after; ``--plot`` draws P(target) after against before (log axes).

    learna design --target-file targets.tsv --time-limit 10 --polish 10 --seed 0 --json -q > polished.jsonl
    python scripts/polish_summary.py polished.jsonl --plot polish.png
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from learna.fileio import read_jsonl
from learna.plots import figure, save_png


def load(path: Path) -> list[dict]:
    """The designs of a JSON-lines file that carry a polish report."""
    rows = list(read_jsonl(path))
    return [r for r in rows if "polish" in r.get("stats", {})]


def summary(rows: list[dict]) -> dict:
    """Counts and medians over the polished designs."""
    before = [r["stats"]["polish"]["probability_before"] for r in rows]
    after = [r["probability"] for r in rows]
    gaps_before = [r["stats"]["polish"]["energy_gap_before"] or 0.0 for r in rows]
    gaps_after = [r["energy_gap"] or 0.0 for r in rows]
    return {"designs": len(rows), "replaced": sum(r["stats"]["polish"]["kept"] for r in rows),
            "unique_before": sum(bool(r["stats"]["polish"]["unique_mfe_before"]) for r in rows),
            "unique_after": sum(bool(r["unique_mfe"]) for r in rows),
            "median_probability": (statistics.median(before), statistics.median(after)),
            "median_energy_gap": (statistics.median(gaps_before), statistics.median(gaps_after)),
            "median_polish_s": statistics.median(r["stats"]["polish"]["seconds"] for r in rows)}


def plot(rows: list[dict], path: Path) -> None:
    """P(target) after the polish against before, one point per design, with the diagonal."""
    fig, ax = figure(5.0, 5.0)
    before = [max(r["stats"]["polish"]["probability_before"], 1e-6) for r in rows]
    after = [max(r["probability"], 1e-6) for r in rows]
    ax.scatter(before, after, s=14)
    low = min(before + after)
    ax.plot([low, 1], [low, 1], color="grey", linewidth=0.8)
    ax.set(xscale="log", yscale="log", xlabel="P(target) of the design", ylabel="P(target) after the polish",
           title=f"--polish: {len(rows)} designs")
    fig.tight_layout()
    save_png(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+", help="JSON lines of learna design --json --polish")
    parser.add_argument("--plot", type=Path, help="PNG of P(target) after against before")
    args = parser.parse_args()
    rows = [row for path in args.records for row in load(path)]
    if not rows:
        raise SystemExit("no polished designs in the given files")
    print(json.dumps(summary(rows)))
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
