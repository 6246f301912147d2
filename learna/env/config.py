"""Configuration of the RNA design environment (reference/learna.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from learna.errors import ConfigError
from learna.folding import FoldingModel


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
    """Local improvement runs when 0 < d < threshold (0 disables it)."""
    paired_improvement: bool = False
    """True: the local improvement re-assigns a mismatched paired site together with its partner, over
    all six pairs (GC CG AU UA GU UG), so pairs stay complementary. False (default): each mismatched
    site on its own, over the four bases, as in the original (reference/learna.md §1)."""
    folding: FoldingModel = field(default_factory=FoldingModel)
    """Energy model used for the reward and the local improvement."""

    def __post_init__(self) -> None:
        if self.state_radius < 0:
            raise ConfigError(f"state_radius must be ≥ 0, got {self.state_radius}")
        if self.reward_exponent <= 0:
            raise ConfigError(f"reward_exponent must be > 0, got {self.reward_exponent}")
        if self.mutation_threshold < 0:
            raise ConfigError(f"mutation_threshold must be ≥ 0, got {self.mutation_threshold}")

    @property
    def window(self) -> int:
        """Number of symbols in one observation, 2κ+1."""
        return 2 * self.state_radius + 1
