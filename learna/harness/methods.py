"""The methods the harness runs: every design mode (:data:`learna.designers.DESIGNERS`) and ``rnainverse``.

A :class:`Method` runs one :class:`Task` inside a worker process after its start-up and returns the
:class:`~learna.designers.base.RunOutcome`; it reports interim outcomes (the best design so far) so that a
worker killed at its deadline still leaves a design behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from learna.api import warm_up
from learna.baselines import walk
from learna.config import DesignerConfig
from learna.designers import DESIGNERS, MODES, get_designer
from learna.designers.base import DesignRequest, RunOutcome, Status
from learna.errors import ConfigError
from learna.folding import FoldingModel
from learna.structure import Target


@dataclass(frozen=True)
class Task:
    """One job as a worker receives it."""

    target: Target
    time_limit: float
    seed: int
    model: FoldingModel
    uniqueness: str
    config: DesignerConfig | None
    checkpoint: str | None
    max_folds: int | None = None
    """Design modes: a fold budget besides the time limit."""
    polish: float = 0.0
    """Design modes: seconds of polishing after a design that counts as solved
    (:func:`learna.designers.polish.polish_outcome`; 0: none)."""


@dataclass(frozen=True)
class Method:
    """A benchmarked method: ``run`` must be a picklable module-level callable."""

    name: str
    run: Callable[[Task, Callable[[RunOutcome], None]], RunOutcome]
    """Runs a task; the second argument receives interim outcomes."""
    warm_up: Callable[[], None]
    configurable: bool
    """Takes a :class:`DesignerConfig` (``--config``; default: the mode's preset)."""
    uses_checkpoint: bool
    preload: tuple[str, ...] = ()
    """Modules the worker processes' forkserver imports once, so each worker starts and warms up fast (only for
    tasks that run a network: :attr:`runs_network`)."""
    runs_network: Callable[[Task], bool] | None = None
    """Whether a task runs a network (None: never): only then does its worker set one torch thread, import torch
    and warm up."""
    constraints: bool = True
    """Honours the targets' design constraints (:mod:`learna.constraints`)."""
    stops_at_limit: bool = False
    """The harness ends the method at its time limit (killing it; its last interim outcome is the result)
    instead of waiting for it to stop by itself (design modes stop themselves, within a grace period)."""

    def needs_network(self, task: Task) -> bool:
        """Whether ``task`` runs a network (:attr:`runs_network`)."""
        return self.runs_network is not None and self.runs_network(task)


def _run_design(mode: str, task: Task, report: Callable[[RunOutcome], None]) -> RunOutcome:
    def progress(status: Status) -> None:
        if status.best_sequence is not None:
            report(RunOutcome(status.best_sequence, status.elapsed_s, status.folds))

    request = DesignRequest(task.target, task.config, task.time_limit, task.seed, max_folds=task.max_folds,
                            checkpoint=None if task.checkpoint is None else Path(task.checkpoint), progress=progress)
    outcome = get_designer(mode).run(request)
    if not task.polish:
        return outcome
    from learna.designers.polish import polish_outcome

    return polish_outcome(request, mode, outcome, task.polish)


def _run_rnainverse(task: Task, report: Callable[[RunOutcome], None]) -> RunOutcome:
    return walk(task.target, task.time_limit, task.seed, task.model, task.uniqueness, report)


def _design_runs_network(mode: str, task: Task) -> bool:
    from learna.designers.weights import runs_network
    from learna.presets import preset

    return runs_network(mode, task.config or preset(mode))


def _nothing() -> None:
    """No warm-up."""


def prepare_worker(method: Method, task: Task) -> None:
    """A worker's one-off start-up before the task's clock starts: one torch thread and the method's warm-up
    where the task runs a network; nothing otherwise (the hybrid without a policy never imports torch)."""
    if method.needs_network(task):
        from learna.processes import one_torch_thread

        one_torch_thread()
        method.warm_up()


def worker_preload(method: Method, tasks: Iterable[Task]) -> tuple[str, ...]:
    """What the workers' forkserver imports once for ``tasks``: the harness, and the method's ``preload`` when
    some task runs a network."""
    return ("learna.harness.run", *(method.preload if any(map(method.needs_network, tasks)) else ()))


METHODS: dict[str, Method] = {
    **{mode: Method(mode, partial(_run_design, mode), partial(warm_up, mode), configurable=True,
                    uses_checkpoint=mode != "learna",
                    preload=("torch._dynamo",) if DESIGNERS[mode].learns else ("torch",),
                    runs_network=partial(_design_runs_network, mode)) for mode in MODES},
    "rnainverse": Method("rnainverse", _run_rnainverse, _nothing, configurable=False, uses_checkpoint=False,
                         constraints=False, stops_at_limit=True),
}
"""Every method ``learna benchmark --method`` accepts: add an entry to add a method."""


def method_named(name: str) -> Method:
    """The registered method ``name``; :class:`ConfigError` naming the known ones otherwise."""
    if name not in METHODS:
        raise ConfigError(f"unknown method {name!r}: use one of {', '.join(METHODS)}")
    return METHODS[name]


def check_inputs(method: Method, *, config: bool, checkpoint: bool, polish: bool = False) -> None:
    """Refuse a config, checkpoint or polish the method would silently ignore."""
    if config and not method.configurable:
        raise ConfigError(f"method {method.name} takes no config; drop --config")
    if polish and not method.configurable:
        raise ConfigError(f"method {method.name} is not polished (only the design modes are); drop --polish")
    if checkpoint and not method.uses_checkpoint:
        raise ConfigError(f"method {method.name} uses no checkpoint; drop --checkpoint")


def resolve(method: Method, config: DesignerConfig | None, checkpoint: str | None) -> DesignerConfig | None:
    """The config ``method`` runs with (a checkpoint fixes the network); a bad checkpoint fails here, once,
    not in every worker."""
    if not method.configurable:
        return None
    from learna.designers.weights import resolve_checkpoint  # loads torch: only when a method runs

    return resolve_checkpoint(method.name, config, checkpoint)[0]
