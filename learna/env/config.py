"""Configuration of the RNA design environment (reference/learna.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from learna.errors import ConfigError
from learna.folding import FoldingModel
from learna.search.config import SearchConfig

IMPROVEMENTS = ("lis", "search", "near_search")
"""Improvement steps of an unsolved design (see :attr:`EnvConfig.improvement`)."""


@dataclass(frozen=True)
class EnvConfig:
    """The LEARNA decision process: state window, encoding and terminal reward."""

    state_radius: int = 32
    """κ: the state is the window of 2κ+1 target symbols centred on the current site."""
    encoding: Literal["binary", "tokens"] = "tokens"
    """binary: paired 1 / unpaired-or-padding 0; tokens: '.'=0 '('=1 ')'=2 padding=3 (for an embedding)."""
    reward_exponent: float = 1.0
    """α in the reward (1 − d/N)^α."""
    mutation_threshold: int = 5
    """``lis`` runs when 0 < d < threshold, ``near_search`` when 0 < d + d_GC < threshold (0 disables
    either); ``search`` ignores it."""
    paired_improvement: bool = False
    """True: the local improvement re-assigns a mismatched paired site together with its partner, over
    all six pairs (GC CG AU UA GU UG), so pairs stay complementary. False (default): each mismatched
    site on its own, over the four bases, as in the original (reference/learna.md §1)."""
    folding: FoldingModel = field(default_factory=FoldingModel)
    """Energy model used for the reward and the local improvement."""
    improvement: Literal["lis", "search", "near_search"] = "lis"
    """How an unsolved design is improved before it is rewarded: ``lis`` (default) LEARNA's local
    improvement step, every assignment of the mismatched sites when 0 < d < ``mutation_threshold``
    (reference/learna.md §1); ``search`` the ensemble-guided local search (:func:`learna.search.refine`)
    started from every unsolved design (d + d_GC > 0, no threshold: its cost is bounded by
    ``improvement_evaluations``, not by d), within that many folds; ``near_search`` the same search, only
    for a near miss (0 < d + d_GC < ``mutation_threshold``), so a far design costs one fold as with ``lis``.
    Either way the improved sequence is the one rewarded and kept."""
    improvement_evaluations: int = 100
    """``search``, ``near_search``: the most candidates the search folds per design (the design itself included)."""
    improvement_search: SearchConfig = field(default_factory=SearchConfig)
    """``search``, ``near_search``: the local search's settings (objective, frontier, temperatures, moves)."""

    def __post_init__(self) -> None:
        if self.state_radius < 0:
            raise ConfigError(f"state_radius must be ≥ 0, got {self.state_radius}")
        if self.reward_exponent <= 0:
            raise ConfigError(f"reward_exponent must be > 0, got {self.reward_exponent}")
        if self.mutation_threshold < 0:
            raise ConfigError(f"mutation_threshold must be ≥ 0, got {self.mutation_threshold}")
        if self.improvement not in IMPROVEMENTS:
            raise ConfigError(f"improvement must be one of {', '.join(IMPROVEMENTS)}, got {self.improvement!r}")
        if self.improvement_evaluations < 1:
            raise ConfigError(f"improvement_evaluations must be at least 1, got {self.improvement_evaluations}")

    @property
    def window(self) -> int:
        """Number of symbols in one observation, 2κ+1."""
        return 2 * self.state_radius + 1

    def with_improvement_of(self, other: EnvConfig) -> EnvConfig:
        """This config with ``other``'s choice of improvement step (``improvement``,
        ``improvement_evaluations``, ``improvement_search``)."""
        return replace(self, improvement=other.improvement, improvement_evaluations=other.improvement_evaluations,
                       improvement_search=other.improvement_search)
