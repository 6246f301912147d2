"""Write a constrained benchmark set: the shortest targets of a dataset with random IUPAC constraints.

Protocol of the constraint check (issue "Design constraints"): for each of the ``--shortest`` shortest
targets (ties by dataset order), fix ``--fraction`` of the unpaired sites (rounded, at least one when
there are unpaired sites) to a base drawn uniformly from ACGU, leave every other site ``N``, and attach
the GC target ``--gc``. The random draws use ``--seed`` and nothing else, so the file is reproducible.

    python scripts/constrained_targets.py --dataset eterna100-v2 --shortest 20 --fraction 0.2 \
        --gc 0.5:0.1 --seed 0 --out runs/short20-constrained.tsv
    learna benchmark --dataset runs/short20-constrained.tsv --method learna --time-limit 60 \
        --processes 2 --out runs/short20-learna-constrained
"""

from __future__ import annotations

import argparse

import numpy as np

from learna.constraints import DesignConstraints
from learna.data import load_dataset, write_targets_tsv
from learna.structure import Target


def constrain(target: Target, fraction: float, gc: str, rng: np.random.Generator) -> Target:
    """``target`` with ``fraction`` of its unpaired sites fixed to random bases and the GC target ``gc``."""
    unpaired = [i for i, symbol in enumerate(target.dot_bracket) if symbol == "."]
    count = max(1, round(fraction * len(unpaired))) if unpaired else 0
    codes = ["N"] * len(target)
    for site in rng.choice(unpaired, size=count, replace=False) if count else []:
        codes[site] = "ACGU"[rng.integers(4)]
    constraints = DesignConstraints.from_fields("".join(codes), gc)
    return Target(target.dot_bracket, target.id, constraints)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="eterna100-v2")
    parser.add_argument("--shortest", type=int, default=20)
    parser.add_argument("--fraction", type=float, default=0.2)
    parser.add_argument("--gc", default="0.5:0.1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    targets = load_dataset(args.dataset)
    shortest = sorted(range(len(targets)), key=lambda k: (len(targets[k]), k))[: args.shortest]
    rng = np.random.default_rng(args.seed)
    chosen = [constrain(targets[k], args.fraction, args.gc, rng) for k in shortest]
    write_targets_tsv(chosen, args.out)
    print(f"{len(chosen)} targets written to {args.out}: ids {','.join(t.id for t in chosen)}")


if __name__ == "__main__":
    main()
