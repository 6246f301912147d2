"""Configuration of the policy network and of the PPO update (docs/original.md §2, §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from learna.errors import ConfigError

MAX_UNITS = 4096
"""Largest layer width (channels, units, embedding size) a config may ask for."""


@dataclass(frozen=True)
class NetworkConfig:
    """Policy architecture, as in the paper's search space.

    Layers in order: embedding (if ``embedding_size`` > 0) → conv1d stack (VALID, ReLU) →
    flatten → LSTM stack → dense ReLU stack → policy logits (4) and value head.
    """

    embedding_size: int = 3
    """0: binary input (no embedding); > 0: token embedding of that size (the paper searched 0–4)."""
    conv_radii: tuple[int, ...] = (8, 2)
    """Radius r of each conv layer (window 2r+1); a radius of 0 drops that layer. At most 2."""
    conv_channels: tuple[int, ...] = (7, 18)
    """Output channels of each conv layer (same length as ``conv_radii``)."""
    lstm_layers: int = 1
    """0–3 LSTM layers over the episode's sequence of states (the paper searched 0–2)."""
    lstm_units: int = 28
    fc_layers: int = 1
    """1–3 dense ReLU layers (the paper searched 1–2)."""
    fc_units: int = 57

    def __post_init__(self) -> None:
        checks = [
            (0 <= self.embedding_size <= 16, "embedding_size must be in 0..16"),
            (len(self.conv_radii) == len(self.conv_channels) <= 2, "conv_radii and conv_channels need equal length ≤ 2"),
            (all(0 <= r <= 64 for r in self.conv_radii), "conv radii must be in 0..64"),
            (all(1 <= c <= MAX_UNITS for c in self.conv_channels), f"conv channels must be in 1..{MAX_UNITS}"),
            (0 <= self.lstm_layers <= 3 and 1 <= self.lstm_units <= MAX_UNITS,
             f"lstm_layers must be 0..3 and lstm_units 1..{MAX_UNITS}"),
            (1 <= self.fc_layers <= 3 and 1 <= self.fc_units <= MAX_UNITS,
             f"fc_layers must be 1..3 and fc_units 1..{MAX_UNITS}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    @property
    def conv_windows(self) -> tuple[int, ...]:
        """Windows of the conv layers that exist (radius > 0)."""
        return tuple(2 * r + 1 for r in self.conv_radii if r > 0)


@dataclass(frozen=True)
class PPOConfig:
    """The update rule. The defaults reproduce the original's effective update (docs/original.md §2).

    With ``update_epochs=1``, ``num_minibatches=1`` the probability ratio is exactly 1 at the only
    gradient step, so clipping never binds; with ``value_coef=0`` there is no baseline: the update is
    one Adam step of REINFORCE plus an entropy bonus, as tensorforce 0.3.3 executed LEARNA's "PPO".
    """

    learning_rate: float = 5.991629320464973e-4
    batch_size: int = 126
    """Timesteps per update: an update uses max(min_episodes, round(batch_size / T)) whole episodes of T steps."""
    min_episodes: int = 16
    """Fewest episodes (folds) per update, so that folding, not the network, dominates the time on short
    targets. 1 reproduces the original's update frequency (a departure from it otherwise)."""
    entropy_coef: float = 6.762991409135427e-05
    clip: float = 0.3
    update_epochs: int = 1
    num_minibatches: int = 1
    value_coef: float = 0.0
    """Weight of the value loss; > 0 also uses the value head as a baseline (advantage R − V)."""
    normalize_advantages: bool = False
    max_grad_norm: float = 0.0
    """Clip the gradient norm to this value (0: no clipping)."""

    def __post_init__(self) -> None:
        numbers = (self.learning_rate, self.entropy_coef, self.clip, self.value_coef, self.max_grad_norm)
        if not all(math.isfinite(x) for x in numbers):
            raise ConfigError("the ppo settings must be finite numbers")
        if self.learning_rate <= 0 or self.entropy_coef < 0 or self.clip <= 0:
            raise ConfigError("learning_rate and clip must be > 0, entropy_coef ≥ 0")
        if not (1 <= self.batch_size <= 1_000_000 and 1 <= self.min_episodes <= 100_000):
            raise ConfigError("batch_size must be in 1..1000000 and min_episodes in 1..100000")
        if not (1 <= self.update_epochs <= 1000 and 1 <= self.num_minibatches <= 1000):
            raise ConfigError("update_epochs and num_minibatches must be in 1..1000")
        if self.value_coef < 0 or self.max_grad_norm < 0:
            raise ConfigError("value_coef and max_grad_norm must be ≥ 0")

    def episodes_per_update(self, episode_length: int) -> int:
        """Whole episodes per update for episodes of ``episode_length`` steps."""
        return max(self.min_episodes, round(self.batch_size / max(1, episode_length)))
