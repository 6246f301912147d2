"""Batch evaluation: methods on datasets in one harness, records, reports.

:func:`benchmark` is the Python front door (``learna.benchmark(...)``); ``learna benchmark`` and
``learna report`` are the command line. See :mod:`learna.harness.run` for the guarantees of the harness.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable


def benchmark(dataset: str, method: str, out: str | Path, *, time_limit: float = 60.0, processes: int = 1,
              runs: int = 1, seed: int = 0, ids: str | None = None, resume: bool = False,
              progress: Callable[[str], None] | None = None, **options) -> dict:
    """Run ``method`` on ``dataset`` (a shipped name or a target file) into the run directory ``out`` and
    return its summary (:func:`learna.harness.report.summarize`); ``options`` are further
    :class:`BenchmarkSpec` fields (``grace_s``, ``model``, ``config``, ``checkpoint``, ``unique_mfe``).
    Call it under ``if __name__ == "__main__":`` in a script (its workers import the main module)."""
    from learna.harness.report import load_run, summarize
    from learna.harness.run import BenchmarkSpec, run_benchmark

    spec = BenchmarkSpec(method=method, dataset=dataset, time_limit_s=time_limit, processes=processes, runs=runs,
                         seed=seed, ids=ids, **options)
    run_benchmark(spec, Path(out), resume=resume, progress=progress)
    return summarize(load_run(out))


_EXPORTS = {"METHODS": "methods", "Method": "methods", "method_named": "methods", "Record": "records",
            "read_records": "records", "RunResults": "report", "format_table": "report", "load_run": "report",
            "plot": "report", "summarize": "report", "BenchmarkSpec": "run", "run_benchmark": "run"}
__all__ = ["benchmark", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"learna.harness.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'learna.harness' has no attribute {name!r}")
