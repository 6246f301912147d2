"""Scaling of the benchmark harness from 1 to 2 processes on a fixed workload.

Run: ``.venv/bin/python -m pytest benchmarks/bench_harness.py --benchmark-only -s``
The workload is fixed work, not fixed time: LEARNA with fixed seeds on four Eterna100-V2 targets it solves
deterministically in about 2-5 s each (same episodes in every run, which the benchmark checks), so the
wall time measures the harness and the cores, not luck. Start-up of each worker (fork, warm-up) is
included; the forkserver's own one-off start is paid before measuring. Expect about 2x on 2 idle cores;
a loaded machine gives less.
"""

from dataclasses import replace

import pytest

from learna.harness import BenchmarkSpec, run_benchmark
from learna.presets import PRESETS

WORKLOAD = "27,33,41,47"  # 57, 45, 35 and 50 nt; about 2.6, 2.3, 4.7 and 5.1 s each
WALL = {}


@pytest.fixture(scope="module", autouse=True)
def _forkserver_started(tmp_path_factory):
    run_benchmark(BenchmarkSpec("learna", "eterna100-v2", time_limit_s=5, ids="8"), tmp_path_factory.mktemp("warm"))


@pytest.mark.parametrize("processes", [1, 2])
def test_harness_scaling(benchmark, tmp_path, processes):
    """Wall time of the whole workload (best of 2 rounds); ``cpu_share`` < 1 means the cores were not ours alone."""
    spec = BenchmarkSpec("learna", "eterna100-v2", time_limit_s=120, processes=processes, ids=WORKLOAD,
                         config=replace(PRESETS["learna"], uniqueness="ignore"))
    rounds = iter(range(100))
    records = benchmark.pedantic(lambda: run_benchmark(spec, tmp_path / f"run{next(rounds)}"), rounds=2, iterations=1)
    assert all(r.solved for r in records)
    episodes = {r.id: r.stats["episodes"] for r in records}
    wall = benchmark.stats.stats.min
    cpu = sum(r.stats["cpu_s"] for r in records)
    WALL[processes] = (wall, episodes)
    benchmark.extra_info.update(processes=processes, episodes=episodes, cpu_s=round(cpu, 2),
                                design_s=round(sum(r.time_s for r in records), 2),
                                startup_s=round(sum(r.startup_s for r in records), 2),
                                cpu_share=round(cpu / (sum(r.time_s for r in records)), 2))
    print(f"\n{processes} process(es): {wall:.1f} s wall (best of 2), {benchmark.extra_info}")
    if processes == 2 and 1 in WALL:
        assert WALL[1][1] == episodes, "the workload is not deterministic"
        speedup = WALL[1][0] / WALL[2][0]
        benchmark.extra_info["speedup_vs_1"] = round(speedup, 2)
        print(f"harness: {WALL[1][0]:.1f} s with 1 process, {WALL[2][0]:.1f} s with 2: {speedup:.2f}x")
