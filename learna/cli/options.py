"""Options shared by several commands (folding model, seed, targets) and the progress line on stderr."""

from __future__ import annotations

import sys
import time

import click

from learna.data import read_targets
from learna.errors import ConstraintError, LearnaError
from learna.folding import DEFAULT_MODEL, FoldingModel
from learna.processes import Throttle
from learna.seeding import check_seed
from learna.structure import Target


def folding_options(func):
    """--temperature, --dangles, --no-lp."""
    func = click.option("--no-lp", is_flag=True, help="Forbid lonely base pairs (RNAfold --noLP).")(func)
    func = click.option("--dangles", type=int, default=DEFAULT_MODEL.dangles, show_default=True,
                        help="Dangling-end model 0-3.")(func)
    func = click.option("--temperature", type=float, default=DEFAULT_MODEL.temperature, show_default=True,
                        help="Folding temperature, °C.")(func)
    return func


def folding_model(temperature: float, dangles: int, no_lp: bool) -> FoldingModel:
    return FoldingModel(temperature=temperature, dangles=dangles, no_lp=no_lp)


def seed_option(help_text: str = "Random seed (same seed, same result).", default: int = 0):
    """--seed, an integer in 0..2**63 − 1 (checked by :func:`learna.seeding.check_seed`)."""
    return click.option("--seed", type=int, default=default, show_default=True, help=help_text,
                        callback=lambda ctx, param, value: check_seed(value, "--seed"))


def collect_targets(target: str | None, target_file: str | None, sequence_constraint: str | None = None,
                    gc: str | None = None, avoid: str | None = None) -> list[Target]:
    """Targets from --target and/or --target-file; at least one is required.

    ``sequence_constraint`` belongs to ``--target``; ``gc`` (``CONTENT[:TOLERANCE]``) applies to every
    target that has no GC target of its own (from its file), ``avoid`` (patterns) to every target.
    Contradictions are reported here, before any work.
    """
    from learna.api import make_target

    if sequence_constraint is not None and target is None:
        raise ConstraintError("--sequence-constraint applies to --target; give a target file's constraints "
                              "in its constraint column")
    targets: list[Target] = []
    if target is not None:
        targets.append(make_target(target, sequence_constraint))
    if target_file is not None:
        targets.extend(read_targets(target_file))
    if not targets:
        raise LearnaError("give a target with --target STRUCTURE or --target-file FILE")
    return [t.with_defaults(gc, avoid) for t in targets]


class StatusLine:
    """Periodic progress on stderr (every ``interval`` seconds), never on stdout."""

    def __init__(self, enabled: bool = True, interval: float = 2.0):
        self.enabled, self._throttle = enabled, Throttle(interval, start=time.monotonic())

    def __call__(self, message: str, force: bool = False) -> None:
        if self.enabled and self._throttle.due(time.monotonic(), force):
            print(message, file=sys.stderr, flush=True)
