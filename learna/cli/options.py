"""Options shared by several commands (folding model, config, targets) and their conversion."""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import click

from learna.configio import load_json
from learna.constraints import DesignConstraints, parse_gc
from learna.data import read_targets
from learna.errors import ConfigError, ConstraintError, LearnaError
from learna.folding import FoldingModel
from learna.hpo.space import SPACES
from learna.presets import PRESETS, DesignerConfig, config_from_json
from learna.structure import Target


def folding_options(func):
    """--temperature, --dangles, --no-lp."""
    func = click.option("--no-lp", is_flag=True, help="Forbid lonely base pairs (RNAfold --noLP).")(func)
    func = click.option("--dangles", type=int, default=2, show_default=True, help="Dangling-end model 0-3.")(func)
    func = click.option("--temperature", type=float, default=37.0, show_default=True, help="Folding temperature, °C.")(func)
    return func


def folding_model(temperature: float, dangles: int, no_lp: bool) -> FoldingModel:
    return FoldingModel(temperature=temperature, dangles=dangles, no_lp=no_lp)


def resolve_config(config_path: str | None, mode: str, model: FoldingModel,
                   base: DesignerConfig | None = None) -> DesignerConfig:
    """The mode's preset (or ``base``), overridden by a config file, with the chosen folding model.

    A file written by ``learna hpo best`` names its search space; using it with a mode that space does
    not tune (e.g. a ``learna``-space incumbent with the default ``hybrid`` mode) is refused.
    """
    base = base or PRESETS[mode]
    if not config_path:
        return base.with_folding(model)
    data = load_json(config_path)
    hpo = data.get("hpo") if isinstance(data, dict) else None
    space = hpo.get("space") if isinstance(hpo, dict) else None
    spec = SPACES.get(space) if isinstance(space, str) else None
    if spec is not None and mode not in spec.modes:
        raise ConfigError(f"{config_path} is the incumbent of a {space!r}-space search: use it with "
                          f"--mode {' or --mode '.join(spec.modes)}, not {mode}")
    return config_from_json(data, base, where=str(config_path)).with_folding(model)


def collect_targets(target: str | None, target_file: str | None, sequence_constraint: str | None = None,
                    gc: str | None = None) -> list[Target]:
    """Targets from --target and/or --target-file; at least one is required.

    ``sequence_constraint`` belongs to ``--target``; ``gc`` (``CONTENT[:TOLERANCE]``) applies to every
    target that has no GC target of its own (from its file). Contradictions are reported here, before any work.
    """
    if sequence_constraint is not None and target is None:
        raise ConstraintError("--sequence-constraint applies to --target; give a target file's constraints "
                              "in its constraint column")
    targets: list[Target] = []
    if target is not None:
        targets.append(Target(target, id="target", constraints=DesignConstraints.from_fields(sequence_constraint)))
    if target_file is not None:
        targets.extend(read_targets(target_file))
    if not targets:
        raise LearnaError("give a target with --target STRUCTURE or --target-file FILE")
    if gc is not None:
        targets = [_with_gc(t, *parse_gc(gc)) for t in targets]
    return targets


def _with_gc(target: Target, content: float, tolerance: float) -> Target:
    """``target`` with a GC target, unless it has one of its own."""
    if target.constraints.gc is not None:
        return target
    try:
        return replace(target, constraints=replace(target.constraints, gc=content, gc_tolerance=tolerance))
    except ConstraintError as exc:
        raise ConstraintError(str(exc) if target.id == "target" else f"target {target.id}: {exc}") from None


def positive_time(value: float, name: str = "time limit") -> float:
    if not value > 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


class StatusLine:
    """Periodic progress on stderr (every ``interval`` seconds), never on stdout."""

    def __init__(self, enabled: bool = True, interval: float = 2.0):
        self.enabled, self.interval, self._last = enabled, interval, 0.0

    def __call__(self, message: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.enabled and (force or now - self._last >= self.interval):
            self._last = now
            print(message, file=sys.stderr, flush=True)
