"""Designers: every design mode is one entry of :data:`DESIGNERS`.

A :class:`Designer` names a mode, the function that runs its loop (``run(request) -> RunOutcome``, imported
on first use, so listing the modes stays cheap) and a one-line summary. :func:`run_design` runs a
:class:`~learna.designers.base.DesignRequest` with a registered designer and assesses the outcome
(:func:`learna.designers.base.finish`). Add a mode by adding an entry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from learna.errors import ConfigError


@dataclass(frozen=True)
class Designer:
    """A design mode."""

    name: str
    entry: str
    """``module:function`` of the mode's loop, ``run(request) -> RunOutcome``."""
    summary: str
    """One line for ``--help``."""
    learns: bool
    """Whether the mode updates its network while it designs (it needs an optimiser, :func:`learna.api.warm_up`)."""

    def run(self, request):
        """Run the mode's loop on ``request`` (a :class:`~learna.designers.base.DesignRequest`)."""
        module, function = self.entry.split(":")
        return getattr(importlib.import_module(module), function)(request)


DESIGNERS: dict[str, Designer] = {
    "hybrid": Designer("hybrid", "learna.designers.hybrid:run_hybrid",
                       "the BOHB-tuned local search (default; best measured)", learns=False),
    "learna": Designer("learna", "learna.designers.agent:run_learna",
                       "LEARNA: learn from scratch on the target (PPO)", learns=True),
    "meta-learna": Designer("meta-learna", "learna.designers.agent:run_meta_learna",
                            "Meta-LEARNA: sample from the pretrained policy", learns=False),
    "meta-learna-adapt": Designer("meta-learna-adapt", "learna.designers.agent:run_meta_learna_adapt",
                                  "Meta-LEARNA-Adapt: the pretrained policy, adapted on the target (PPO)",
                                  learns=True),
}
"""Every design mode, the default first."""
MODES = tuple(DESIGNERS)
DEFAULT_MODE = MODES[0]


def get_designer(mode: str) -> Designer:
    """The registered designer ``mode``; a :class:`ConfigError` naming the known ones otherwise."""
    if mode not in DESIGNERS:
        raise ConfigError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    return DESIGNERS[mode]


def run_design(mode: str, request):
    """Run ``request`` with designer ``mode`` and assess its final design (a ``DesignResult``)."""
    from learna.designers.base import finish

    return finish(request, mode, get_designer(mode).run(request), request.config)


_EXPORTS = {"DesignRequest": "base", "DesignResult": "base", "RunOutcome": "base", "Status": "base",
            "resolve_checkpoint": "weights", "runs_network": "weights", "shipped_weights": "weights",
            "uses_weights": "weights"}

__all__ = ["DEFAULT_MODE", "DESIGNERS", "MODES", "Designer", "get_designer", "run_design", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"learna.designers.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'learna.designers' has no attribute {name!r}")
