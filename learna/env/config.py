"""Configuration of the RNA design environment (docs/original.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from learna.alphabet import action_count
from learna.errors import ConfigError
from learna.folding import FoldingModel
from learna.search.config import SearchConfig

N_TOKENS = 4
"""Size of the token vocabulary of observations: '.', '(', ')' and padding (:mod:`learna.env.encoding`)."""
MAX_STATE_RADIUS = 1000
"""Largest accepted state radius (the paper's search space stops at 32)."""
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
    """``lis`` runs when 0 < d < threshold, ``near_search`` when 0 < d + d_C < threshold (0 disables
    either); ``search`` ignores it."""
    paired_improvement: bool = False
    """True: the local improvement re-assigns a mismatched paired site together with its partner, over
    all six pairs (GC CG AU UA GU UG), so pairs stay complementary. False (default): each mismatched
    site on its own, over the four bases, as in the original (docs/original.md §1)."""
    folding: FoldingModel = field(default_factory=FoldingModel)
    """Energy model used for the reward and the local improvement."""
    improvement: Literal["lis", "search", "near_search"] = "lis"
    """How an unsolved design is improved before it is rewarded: ``lis`` (default) LEARNA's local
    improvement step, every assignment of the mismatched sites when 0 < d < ``mutation_threshold``
    (docs/original.md §1); ``search`` the ensemble-guided local search (:func:`learna.search.refine`)
    started from every unsolved design (d + d_C > 0, no threshold: its cost is bounded by
    ``improvement_evaluations``, not by d), within that many folds; ``near_search`` the same search, only
    for a near miss (0 < d + d_C < ``mutation_threshold``), so a far design costs one fold as with ``lis``.
    Either way the improved sequence is the one rewarded and kept."""
    improvement_evaluations: int = 100
    """``search``, ``near_search``: the most candidates the search folds per design (the design itself included)."""
    improvement_search: SearchConfig = field(default_factory=SearchConfig)
    """``search``, ``near_search``: the local search's settings (objective, frontier, temperatures, moves)."""
    wobble_actions: bool = False
    """Beyond the original: the actions at an opening bracket include the GU and UG pairs (six actions
    instead of four; docs/original.md §1 has the paper's four)."""

    def __post_init__(self) -> None:
        if not 0 <= self.state_radius <= MAX_STATE_RADIUS:
            raise ConfigError(f"state_radius must be in 0..{MAX_STATE_RADIUS}, got {self.state_radius}")
        if not 0 < self.reward_exponent < 1000:
            raise ConfigError(f"reward_exponent must be a positive number below 1000, got {self.reward_exponent}")
        if not 0 <= self.mutation_threshold <= 10_000:
            raise ConfigError(f"mutation_threshold must be in 0..10000, got {self.mutation_threshold}")
        if self.improvement not in IMPROVEMENTS:
            raise ConfigError(f"improvement must be one of {', '.join(IMPROVEMENTS)}, got {self.improvement!r}")
        if not 1 <= self.improvement_evaluations <= 1_000_000:
            raise ConfigError(f"improvement_evaluations must be in 1..1000000, got {self.improvement_evaluations}")

    @property
    def window(self) -> int:
        """Number of symbols in one observation, 2κ+1."""
        return 2 * self.state_radius + 1

    @property
    def tokens(self) -> int:
        """Size of the observation vocabulary (the network's embedding input)."""
        return N_TOKENS

    @property
    def actions(self) -> int:
        """Number of actions (4, or 6 with wobble actions)."""
        return action_count(self.wobble_actions)
