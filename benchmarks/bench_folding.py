"""Folding throughput: ViennaRNA MFE folds per second at 50, 100, 200 and 400 nt (the design loop's cost).

Run: ``.venv/bin/python -m pytest benchmarks/bench_folding.py --benchmark-only``
Each round folds the same 10 random sequences; folds/s is stored in the benchmark's ``extra_info``.
"""

import numpy as np
import pytest

from learna.folding import fold_structure

BATCH = 10


@pytest.mark.parametrize("length", [50, 100, 200, 400])
def test_fold_throughput(benchmark, length):
    rng = np.random.default_rng(length)
    sequences = ["".join(rng.choice(list("ACGU"), size=length)) for _ in range(BATCH)]

    def fold_batch():
        return [fold_structure(s) for s in sequences]

    structures = benchmark(fold_batch)
    assert all(len(s) == length for s in structures)
    folds_per_s = BATCH / benchmark.stats.stats.mean
    benchmark.extra_info.update(length=length, folds_per_s=round(folds_per_s, 1))
    print(f"\n{length} nt: {folds_per_s:.0f} folds/s")
