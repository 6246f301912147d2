"""Pretrained weights: the ones shipped in the package, and the one rule for when a mode uses them.

``learna`` never uses weights; ``hybrid`` uses them when its policy is on and weights exist (given or
shipped) and runs without a policy otherwise; ``meta-learna`` and ``meta-learna-adapt`` require them. A
checkpoint fixes what its weights were trained for: the network and the state it reads (``state_radius``,
``encoding``, ``wobble_actions``). Everything else (reward, improvement step, update rule, energy model,
search) is the mode's config. A config that sets one of the fixed fields to a value other than the
checkpoint's is refused instead of being silently overridden.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

from learna.agent.checkpoint import load_checkpoint
from learna.config import DesignerConfig
from learna.configio import from_dict
from learna.errors import CheckpointError, ConfigError
from learna.presets import preset

FIXED_ENV_FIELDS = ("state_radius", "encoding", "wobble_actions")
"""Environment settings a checkpoint's weights were trained for."""


def shipped_weights() -> Path | None:
    """The pretrained Meta-LEARNA checkpoint shipped inside the package, if there is one."""
    path = Path(str(resources.files("learna").joinpath("weights", "meta-learna")))
    return path if (path / "model.pt").is_file() else None


def uses_weights(mode: str, config: DesignerConfig) -> bool:
    """Whether ``mode`` runs on pretrained weights with ``config``."""
    return mode in ("meta-learna", "meta-learna-adapt") or (mode == "hybrid" and config.hybrid.use_policy)


def resolve_checkpoint(mode: str, config: DesignerConfig,
                       checkpoint: str | Path | None) -> tuple[DesignerConfig, dict | None]:
    """The config and the weights (a state dict, or None) ``mode`` runs with (see the module docstring)."""
    if not uses_weights(mode, config):
        if checkpoint is not None:
            why = "learns from fresh weights" if mode == "learna" else "runs without its policy (use_policy false)"
            raise ConfigError(f"mode {mode} {why} and takes no checkpoint: drop the checkpoint")
        return config, None
    directory = Path(checkpoint) if checkpoint is not None else shipped_weights()
    if directory is None:
        if mode == "hybrid":
            return config, None
        raise CheckpointError(f"mode {mode} needs pretrained weights: pass a checkpoint directory")
    state, meta = load_checkpoint(directory)
    trained = from_dict(DesignerConfig, meta["config"], where=f"{directory}/config.json")
    _refuse_conflicts(mode, config, trained, directory)
    env = replace(config.env, **{name: getattr(trained.env, name) for name in FIXED_ENV_FIELDS})
    merged = replace(config, env=env, network=trained.network,
                     restart_timeout=None if mode == "meta-learna" else config.restart_timeout)
    return merged, state


def _refuse_conflicts(mode: str, config: DesignerConfig, trained: DesignerConfig, directory: Path) -> None:
    """A field the checkpoint fixes that the config changed from the mode's preset to something else."""
    default = preset(mode)
    fixed = [("network", config.network, default.network, trained.network)]
    fixed += [(f"env.{name}", getattr(config.env, name), getattr(default.env, name), getattr(trained.env, name))
              for name in FIXED_ENV_FIELDS]
    for name, given, preset_value, trained_value in fixed:
        if given != preset_value and given != trained_value:
            raise ConfigError(f"the checkpoint at {directory} fixes {name} (its weights were trained with it): "
                              f"drop {name} from the config, or use --mode learna to train a network of your own")
