"""Start-up time of commands that run no network (they must not import torch), a 12-nt design with the default
mode among them (the hybrid without a policy).

Run: ``.venv/bin/python -m pytest benchmarks/bench_startup.py --benchmark-only``
Each round is a fresh ``learna`` process (what a shell loop over many targets pays per call).
"""

import subprocess
import sys
from pathlib import Path

import pytest

LEARNA = str(Path(sys.executable).with_name("learna"))
RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results" / "v2-dask-overhead" / "local"

COMMANDS = {
    "help": ["--help"],
    "design-help": ["design", "--help"],
    "data-list": ["data", "list"],
    "report": ["report", str(RESULTS)],
    "design-12nt": ["design", "--target", "((((....))))", "--time-limit", "5", "--quiet"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_start_up(benchmark, name):
    args = [LEARNA, *COMMANDS[name]]
    result = benchmark.pedantic(subprocess.run, args=(args,), kwargs={"capture_output": True}, rounds=5,
                                iterations=1)
    assert result.returncode == 0
    print(f"\nlearna {' '.join(COMMANDS[name])}: best {benchmark.stats.stats.min:.3f} s")
