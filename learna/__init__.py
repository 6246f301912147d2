"""learna: design RNA sequences that fold into a target secondary structure.

LEARNA (Runge et al., ICLR 2019) rebuilt on gymnasium and torch, with an ensemble-guided local search
and one joint BOHB search space. The front door::

    import learna
    result = learna.design("((((....))))", time_limit=10, seed=0)
    result.sequence, result.solved, result.unique_mfe

Everything here is imported on first use, so ``import learna`` is cheap (torch loads only when a design runs).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "design": "learna.harness.designs",
    "warm_up": "learna.api",
    "benchmark": "learna.harness",
    "Target": "learna.structure",
    "DesignConstraints": "learna.constraints",
    "FoldingModel": "learna.folding",
    "DesignResult": "learna.designers.base",
    "Status": "learna.designers.base",
    "MODES": "learna.designers",
    "DesignerConfig": "learna.config",
    "HybridConfig": "learna.config",
    "PRESETS": "learna.presets",
    "LearnaError": "learna.errors",
}
"""Public name → the module that defines it."""

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'learna' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
