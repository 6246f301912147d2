"""The RNAinverse baseline: ViennaRNA's adaptive walk from random starts, restarted until solved or out of time.

Each walk starts from a uniformly random sequence and its result is scored by folding it with the
project's :class:`~learna.folding.FoldingModel` (Hamming distance of the MFE structure to the target).
The walks go on after a solution whose MFE is tied with another structure until one with a unique MFE
appears, unless ``uniqueness`` is ``ignore`` (the same rule as the design modes,
:attr:`learna.config.DesignerConfig.uniqueness`). Targets with design constraints are refused: RNAinverse
could keep fixed bases but not IUPAC choices or a GC target.

``RNA.inverse_fold`` has no time limit of its own (one walk on a long target can take minutes), so the
walks run in a process that reports every improvement and is killed at the limit
(:func:`learna.processes.run_jobs`); the last report is the result. The benchmark harness runs
:func:`walk` in its own worker process the same way.
"""

from __future__ import annotations

import time
from typing import Callable

from learna.designers.base import RunOutcome
from learna.errors import ConfigError
from learna.folding import DEFAULT_MODEL, FoldingModel, fold_structure, inverse_fold, unique_mfe
from learna.processes import JobContext, check_seconds, run_jobs
from learna.seeding import generator
from learna.structure import Target, hamming


def walk(target: Target, time_limit: float, seed: int, model: FoldingModel, uniqueness: str,
         report: Callable[[RunOutcome], None]) -> RunOutcome:
    """Walk after walk until a solution (a unique one unless ``uniqueness`` is ``ignore``) or ``time_limit``
    seconds; ``report`` gets the outcome so far whenever it improves. A walk that ends after the limit does
    not count (a caller that kills this process at the limit keeps the last report)."""
    rng, start = generator(seed, "rnainverse"), time.monotonic()
    found = _Walks()
    while time.monotonic() - start < time_limit:
        initial = "".join(rng.choice(list("ACGU"), size=len(target)))
        sequence = inverse_fold(initial, target.dot_bracket, model)[0].upper()
        distance = hamming(fold_structure(sequence, model), target.dot_bracket)
        elapsed = time.monotonic() - start
        if elapsed > time_limit:
            break
        found.walks += 1
        unique = uniqueness != "ignore" and distance == 0 and unique_mfe(sequence, target.dot_bracket, model)
        done = found.add(sequence, distance, elapsed, unique=unique)
        if found.changed:
            report(found.outcome(elapsed))
        if done or (distance == 0 and uniqueness == "ignore"):
            return found.outcome(elapsed)
    return found.outcome(min(time.monotonic() - start, time_limit))


class _Walks:
    """The walks so far: the best design, the first solution and the first unique one."""

    def __init__(self) -> None:
        self.best: tuple[int, str] | None = None
        self.first = self.unique = None
        self.solved_at = self.unique_at = None
        self.walks, self.changed = 0, False

    def add(self, sequence: str, distance: int, elapsed: float, unique: bool) -> bool:
        """Record one walk's design; True once a unique solution is found."""
        self.changed = False
        if distance == 0 and self.first is None:
            self.first, self.solved_at, self.changed = sequence, elapsed, True
        if unique:
            self.unique, self.unique_at, self.changed = sequence, elapsed, True
        if self.best is None or distance < self.best[0]:
            self.best, self.changed = (distance, sequence), True
        return unique

    def outcome(self, elapsed: float) -> RunOutcome:
        final = self.unique or self.first or (self.best[1] if self.best else None)
        return RunOutcome(final, elapsed, self.walks, time_to_solve_s=self.solved_at,
                          first_solution=self.first if self.first != final else None,
                          time_to_unique_s=self.unique_at, stats={"walks": self.walks})


def rnainverse(target: Target, time_limit: float, seed: int = 0, model: FoldingModel = DEFAULT_MODEL,
               uniqueness: str = "prefer") -> RunOutcome:
    """Restart RNAinverse from random sequences until ``target`` is solved or ``time_limit`` seconds pass
    (in a child process killed at the limit; its start-up is not charged to the method)."""
    check_seconds(time_limit, "time limit", positive=True)
    if target.constraints.active:
        raise ConfigError("RNAinverse takes no design constraints (sequence constraint, GC target): use a design mode")
    (end,) = run_jobs([("rnainverse", (target, time_limit, seed, model, uniqueness))], _job, processes=1,
                      kill_after_s=time_limit)
    if end.kind == "result":
        return end.value
    if end.kind == "timeout":
        return end.partial or RunOutcome(None, time_limit, 0, stats={"walks": 0})
    raise RuntimeError(f"the RNAinverse process failed: {end.value}")


def _job(args: tuple, job: JobContext) -> RunOutcome:
    target, time_limit, seed, model, uniqueness = args
    job.ready()
    return walk(target, time_limit, seed, model, uniqueness, job.report)
