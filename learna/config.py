"""The configuration of a designer, and reading one from JSON.

A :class:`DesignerConfig` is the whole formulation: environment, network, update rule, the hybrid's search
settings and when a design counts as done. It is what BOHB searches over, what ``--config FILE.json``
gives (on top of the mode's preset, :func:`learna.presets.resolve_config`), and what is written next to
results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from learna.agent.config import NetworkConfig, PPOConfig
from learna.configio import from_dict, merge, to_dict
from learna.env.config import EnvConfig
from learna.errors import ConfigError
from learna.folding import FoldingModel
from learna.search.config import SearchConfig

UNIQUENESS = ("ignore", "prefer", "require")
"""When a design is done (:attr:`DesignerConfig.uniqueness`)."""


@dataclass(frozen=True)
class HybridConfig:
    """How the learned policy takes part in the ensemble-guided local search (``--mode hybrid``)."""

    search: SearchConfig = field(default_factory=SearchConfig)
    """The local search (objective, frontier, temperatures, moves, stagnation rule)."""
    use_policy: bool = True
    """Use the pretrained policy at all (False: the same search with no policy)."""
    policy_starts: int = 10
    """Initial candidates sampled from the policy (0: rule-based initialisation)."""
    proposal_mix: float = 0.5
    """Weight of the policy's per-site distribution in the mutation proposals (0: uniform)."""
    repair_path: str | None = None
    """Weights of the repair policy (``learna meta-train --method repair``) used when the search's
    ``repair_weight`` is positive; None: the shipped ones (:mod:`learna.search.repair`)."""

    def __post_init__(self) -> None:
        if not 0 <= self.policy_starts <= 10_000 or not 0.0 <= self.proposal_mix <= 1.0:
            raise ConfigError("policy_starts must be in 0..10000 and proposal_mix in [0, 1]")
        if self.repair_path is not None and not Path(self.repair_path).is_file():
            raise ConfigError(f"repair_path {self.repair_path}: no such file")


@dataclass(frozen=True)
class DesignerConfig:
    """Everything that defines a designer: environment formulation, architecture, training, search."""

    env: EnvConfig = field(default_factory=EnvConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    restart_timeout: float | None = 1800.0
    """Seconds after which the agent restarts from fresh (LEARNA) or pretrained (Adapt) weights; None: never."""
    hybrid: HybridConfig = field(default_factory=HybridConfig)
    """Settings of the hybrid mode (ignored by the other modes)."""
    uniqueness: Literal["ignore", "prefer", "require"] = "prefer"
    """When a design is done. ``prefer`` (default): a design whose MFE structure is the target but tied with
    another structure (not the *unique* MFE) is kept while the search goes on for a unique one until the time
    limit, and returned (solved, ``unique_mfe`` false) only if none is found. ``require``: the same search,
    and a tied design does not count as solved (``--unique-mfe``). ``ignore``: the first design whose MFE
    structure ViennaRNA returns as the target ends the run, ties included (the paper's criterion)."""

    def __post_init__(self) -> None:
        if self.restart_timeout is not None and not (math.isfinite(self.restart_timeout) and self.restart_timeout > 0):
            raise ConfigError(f"restart_timeout must be a positive number of seconds or null, got {self.restart_timeout}")
        if self.uniqueness not in UNIQUENESS:
            raise ConfigError(f"uniqueness must be one of {', '.join(UNIQUENESS)}, got {self.uniqueness!r}")
        needed = sum(self.network.conv_radii)
        if self.env.state_radius < needed:
            raise ConfigError(f"env.state_radius {self.env.state_radius} gives windows of {self.env.window} sites, too "
                              f"few for the conv layers (radii {', '.join(map(str, self.network.conv_radii))}): raise "
                              f"state_radius to at least {needed} or shrink network.conv_radii")
        if (self.network.embedding_size == 0) != (self.env.encoding == "binary"):
            raise ConfigError("network.embedding_size 0 needs env.encoding \"binary\", and a positive size \"tokens\"")

    def with_folding(self, model: FoldingModel) -> "DesignerConfig":
        """The same config with another energy model."""
        return replace(self, env=replace(self.env, folding=model))

    def to_dict(self) -> dict:
        return to_dict(self)


def config_from_json(data: Any, base: DesignerConfig, where: str) -> DesignerConfig:
    """``base`` overridden by a config read from JSON: the config itself, or an object with a ``"config"``
    key (as ``learna hpo best`` and run directories write it)."""
    if isinstance(data, dict) and isinstance(data.get("config"), dict):
        data = data["config"]
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a JSON object")
    return from_dict(DesignerConfig, merge(to_dict(base), data), where=where)


def config_modes(data: Any) -> tuple[str, ...] | None:
    """The design modes a config file is meant for (``learna hpo best`` records them), or None."""
    hpo = data.get("hpo") if isinstance(data, dict) else None
    modes = hpo.get("modes") if isinstance(hpo, dict) else None
    if isinstance(modes, list) and modes and all(isinstance(m, str) for m in modes):
        return tuple(modes)
    return None
