"""Batch evaluation: methods on datasets in one harness, records, reports.

:func:`benchmark` is the Python front door (``learna.benchmark(...)``); ``learna benchmark`` and
``learna report`` are the command line. See :mod:`learna.harness.run` for the guarantees of the harness.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from learna.harness.methods import METHODS, Method, method_named
from learna.harness.records import Record, read_records
from learna.harness.report import RunResults, format_table, load_run, plot, summarize
from learna.harness.run import BenchmarkSpec, run_benchmark


def benchmark(dataset: str, method: str, out: str | Path, *, time_limit: float = 60.0, processes: int = 1,
              runs: int = 1, seed: int = 0, ids: str | None = None, resume: bool = False,
              progress: Callable[[str], None] | None = None, **options) -> dict:
    """Run ``method`` on ``dataset`` (a shipped name or a target file) into the run directory ``out`` and
    return its summary (:func:`learna.harness.report.summarize`); ``options`` are further
    :class:`BenchmarkSpec` fields (``grace_s``, ``model``, ``config``, ``checkpoint``, ``unique_mfe``).
    Call it under ``if __name__ == "__main__":`` in a script (its workers import the main module)."""
    spec = BenchmarkSpec(method=method, dataset=dataset, time_limit_s=time_limit, processes=processes, runs=runs,
                         seed=seed, ids=ids, **options)
    run_benchmark(spec, Path(out), resume=resume, progress=progress)
    return summarize(load_run(out))


__all__ = ["METHODS", "BenchmarkSpec", "Method", "Record", "RunResults", "benchmark", "format_table", "load_run",
           "method_named", "plot", "read_records", "run_benchmark", "summarize"]
