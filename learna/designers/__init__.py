"""Designers: every design mode is one entry of :data:`DESIGNERS`.

A :class:`Designer` names a mode, the function that runs its loop (``run(request) -> RunOutcome``) and
whether it uses pretrained weights. :func:`run_design` runs a :class:`DesignRequest` with a registered
designer and assesses the outcome (:func:`learna.designers.base.finish`). Add a mode by adding an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

from learna.designers.agent import run_agent
from learna.designers.base import DesignRequest, DesignResult, RunOutcome, Status, finish
from learna.designers.hybrid import run_hybrid
from learna.designers.weights import resolve_checkpoint, shipped_weights, uses_weights
from learna.errors import ConfigError


@dataclass(frozen=True)
class Designer:
    """A design mode."""

    name: str
    run: Callable[[DesignRequest], RunOutcome]
    """The mode's loop (a picklable module-level callable)."""
    summary: str
    """One line for ``--help``."""


DESIGNERS: dict[str, Designer] = {
    "hybrid": Designer("hybrid", run_hybrid, "the policy-guided local search (default; best measured)"),
    "learna": Designer("learna", partial(run_agent, "learna"), "LEARNA: learn from scratch on the target (PPO)"),
    "meta-learna": Designer("meta-learna", partial(run_agent, "meta-learna"),
                            "Meta-LEARNA: sample from the pretrained policy"),
    "meta-learna-adapt": Designer("meta-learna-adapt", partial(run_agent, "meta-learna-adapt"),
                                  "Meta-LEARNA-Adapt: the pretrained policy, adapted on the target (PPO)"),
}
"""Every design mode, the default first."""
MODES = tuple(DESIGNERS)
DEFAULT_MODE = MODES[0]


def get_designer(mode: str) -> Designer:
    """The registered designer ``mode``; a :class:`ConfigError` naming the known ones otherwise."""
    if mode not in DESIGNERS:
        raise ConfigError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    return DESIGNERS[mode]


def run_design(mode: str, request: DesignRequest) -> DesignResult:
    """Run ``request`` with designer ``mode`` and assess its final design."""
    outcome = get_designer(mode).run(request)
    return finish(request, mode, outcome, request.config)


__all__ = ["DEFAULT_MODE", "DESIGNERS", "MODES", "DesignRequest", "DesignResult", "Designer", "RunOutcome", "Status",
           "get_designer", "resolve_checkpoint", "run_design", "shipped_weights", "uses_weights"]
