"""What every designer takes and returns: a :class:`DesignRequest`, progress as :class:`Status`, the loop's
:class:`RunOutcome`, and the verified :class:`DesignResult`.

A designer (a mode) is a function ``run(request) -> RunOutcome``. :func:`finish` turns the outcome into a
:class:`DesignResult` by assessing the final design independently (:func:`learna.quality.assess`): the
design's own claims are checked, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from learna.folding import fold_structure
from learna.quality import Assessment, assess
from learna.structure import Target, hamming

if TYPE_CHECKING:  # the config is only passed through here; importing it would load the environment's
    from learna.config import DesignerConfig


PROGRESS_INTERVAL_S = 0.5
"""Seconds between two progress reports of a designer's loop (its :class:`~learna.processes.Throttle`)."""


@dataclass(frozen=True)
class Status:
    """A progress report of a running design."""

    id: str
    elapsed_s: float
    folds: int
    best_distance: int | None
    """d + d_C of the best design so far (None before the first)."""
    best_sequence: str | None
    solved: bool
    """A design folding into the target (ties allowed) was found."""
    unique: bool | None
    """A design whose unique MFE structure is the target was found (None: not known yet)."""


@dataclass(frozen=True)
class DesignRequest:
    """One design: the target, the config and the limits it runs under."""

    target: Target
    config: DesignerConfig
    time_limit: float
    """Wall-clock seconds for the design (the final assessment comes after it)."""
    seed: int = 0
    max_folds: int | None = None
    """Stop after this many ViennaRNA folds as well (a budget that does not depend on the machine's speed:
    the same seed and budget give the same design)."""
    checkpoint: Path | None = None
    """Pretrained weights for the modes that use them (None: the shipped ones)."""
    progress: Callable[[Status], None] | None = None
    """Called with a :class:`Status` now and then (at most a few times per second)."""
    exclude: tuple[str, ...] = ()
    """Designs found before (several designs of one target): a solution closer than ``min_distance`` to one of
    them does not count, and the design goes on."""
    min_distance: int = 1
    """Least Hamming distance a solution keeps from every ``exclude`` sequence."""

    def novel(self, sequence: str) -> bool:
        """Whether ``sequence`` keeps ``min_distance`` from every excluded design."""
        return all(hamming(sequence, other) >= self.min_distance for other in self.exclude)


@dataclass(frozen=True)
class RunOutcome:
    """What a designer's loop found, before its independent assessment."""

    sequence: str | None
    """The final design: the first unique-MFE solution, else the first solution, else the best design."""
    time_s: float
    """Seconds the design ran."""
    folds: int
    time_to_solve_s: float | None = None
    """Seconds until the first design that folded into the target (ties allowed)."""
    first_solution: str | None = None
    """That design, when it is not ``sequence`` (a tied solution later bettered by a unique one)."""
    time_to_unique_s: float | None = None
    """Seconds until the first design whose unique MFE structure is the target."""
    stats: dict = field(default_factory=dict)
    """Mode-specific counters (episodes, updates, restarts, evaluations, …)."""
    folds_to_solve: int | None = None
    """Folds until the first design that folded into the target (None if none)."""


@dataclass(frozen=True, kw_only=True)
class DesignResult(Assessment):
    """A design, assessed by re-folding it with the run's energy model after the run ended (the quality
    fields are :class:`~learna.quality.Assessment`'s)."""

    id: str
    target: str
    sequence: str | None
    mode: str
    seed: int
    solved: bool
    """``folded`` is the target and the constraints hold; with ``uniqueness`` ``require`` also ``unique_mfe``."""
    time_s: float
    """Seconds the design ran (until a unique solution, or the time limit)."""
    time_to_solve_s: float | None
    """Seconds until the first design that counts as solved (None if unsolved)."""
    time_to_unique_s: float | None
    """Seconds until the first unique-MFE solution (None if none)."""
    folds: int
    """ViennaRNA folds the design spent."""
    folds_to_solve: int | None = None
    """ViennaRNA folds until the first design that counts as solved (None if unsolved)."""
    stats: dict = field(default_factory=dict)
    """Mode-specific counters (episodes, updates, restarts, evaluations, …)."""
    rank: int | None = None
    """Among several designs of one target (``--designs``), this one's place by robustness (1: the best)."""

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Milestones:
    """When a run reached its solutions, as far as the assessment confirms them (None: not reached)."""

    time_to_solve_s: float | None = None
    time_to_unique_s: float | None = None
    folds_to_solve: int | None = None
    """Folds until the solution counted by ``time_to_solve_s`` (the run's folds where only its end is known)."""


def milestones(target: Target, outcome: RunOutcome, check: Assessment, model, uniqueness: str) -> Milestones:
    """The run's :class:`Milestones`: its own times and folds to the first solution where the assessment
    confirms them, else those of its end (the final design is the solution)."""
    if not check.folds_into_target:
        return Milestones()
    unique_time = outcome.time_to_unique_s if check.unique_mfe else None
    if uniqueness == "require":
        return Milestones(unique_time, unique_time, outcome.folds)  # the run stops at its unique solution
    solve_time, solve_folds = outcome.time_to_solve_s, outcome.folds_to_solve
    if outcome.first_solution is not None and fold_structure(outcome.first_solution, model) != target.dot_bracket:
        solve_time = None  # the designer's first solution does not hold up: count the final one
    if solve_time is None:
        solve_time = unique_time if unique_time is not None else outcome.time_s
        solve_folds = None
    return Milestones(solve_time, unique_time, outcome.folds if solve_folds is None else solve_folds)


def finish(request: DesignRequest, mode: str, outcome: RunOutcome, config: DesignerConfig,
           ensemble: bool = True) -> DesignResult:
    """The :class:`DesignResult` of a finished run: ``outcome`` assessed with ``config``'s energy model."""
    model, target = config.env.folding, request.target
    check = assess(target, outcome.sequence, model, ensemble)
    reached = milestones(target, outcome, check, model, config.uniqueness)
    solved = check.solved_under(config.uniqueness)
    return DesignResult(id=target.id, target=target.dot_bracket, sequence=outcome.sequence, mode=mode,
                        seed=request.seed, solved=solved, time_s=outcome.time_s,
                        time_to_solve_s=reached.time_to_solve_s if solved else None,
                        time_to_unique_s=reached.time_to_unique_s, folds=outcome.folds,
                        folds_to_solve=reached.folds_to_solve if solved else None, stats=outcome.stats,
                        **check.measures())
