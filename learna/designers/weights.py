"""Pretrained weights: the ones shipped in the package, and the one rule for when a mode uses them.

``learna`` never uses weights; ``hybrid`` uses them when its policy is on and weights exist (given or
shipped) and runs without a policy otherwise; ``meta-learna`` and ``meta-learna-adapt`` require them. A
checkpoint fixes what its weights were trained for: the network and the state it reads (``state_radius``,
``encoding``, ``wobble_actions``). Everything else (reward, improvement step, update rule, energy model,
search) is the mode's config. A config that sets one of the fixed fields to a value other than the
checkpoint's is refused instead of being silently overridden.
"""

from __future__ import annotations

import io
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from learna.config import DesignerConfig
from learna.configio import from_dict
from learna.errors import CheckpointError, ConfigError
from learna.fileio import atomic_write_bytes
from learna.presets import preset

if TYPE_CHECKING:
    from learna.agent import Learner

FIXED_ENV_FIELDS = ("state_radius", "encoding", "wobble_actions")
"""Environment settings a checkpoint's weights were trained for."""

CHECKPOINT_DIR = "checkpoint"
"""A training run directory's checkpoint (``learna meta-train``, either method)."""
OPTIMIZER_FILE = "optimizer.pt"
"""The optimiser's state in a training checkpoint, beside the weights (resume only)."""
PROGRESS_FILE = "progress.jsonl"
"""A training run directory's learning curve, one JSON line per point."""


def shipped_weights() -> Path | None:
    """The pretrained Meta-LEARNA checkpoint shipped inside the package, if there is one."""
    path = Path(str(resources.files("learna").joinpath("weights", "meta-learna")))
    return path if (path / "model.pt").is_file() else None


def uses_weights(mode: str, config: DesignerConfig) -> bool:
    """Whether ``mode`` runs on pretrained weights with ``config``."""
    return mode in ("meta-learna", "meta-learna-adapt") or (mode == "hybrid" and config.hybrid.use_policy)


def runs_network(mode: str, config: DesignerConfig) -> bool:
    """Whether ``mode`` runs a network with ``config`` (it learns, or it uses pretrained weights): only then is
    torch imported and warmed up (:func:`learna.api.warm_up`)."""
    from learna.designers import get_designer

    return get_designer(mode).learns or uses_weights(mode, config)


def resolve_checkpoint(mode: str, config: DesignerConfig,
                       checkpoint: str | Path | None) -> tuple[DesignerConfig, dict | None]:
    """The config and the weights (a state dict, or None) ``mode`` runs with (see the module docstring)."""
    if not uses_weights(mode, config):
        if checkpoint is not None:
            if mode == "learna":
                raise ConfigError("mode learna learns from fresh weights and takes no checkpoint: drop the checkpoint")
            raise ConfigError('mode hybrid runs without a policy unless its config says {"hybrid": {"use_policy": '
                              'true}}: add that to use the checkpoint\'s policy, or drop the checkpoint')
        return config, None
    from learna.agent.checkpoint import load_checkpoint  # torch: only for the modes that run a network

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


def save_training_state(directory: Path, learner: Learner, config: DesignerConfig, counters: dict) -> None:
    """A training checkpoint: the weights and config (:func:`save_checkpoint`), the optimiser's state and the
    run's counters, each file written atomically."""
    import torch

    from learna.agent.checkpoint import save_checkpoint

    buffer = io.BytesIO()
    torch.save(learner.optimizer_state(), buffer)
    atomic_write_bytes(Path(directory) / OPTIMIZER_FILE, buffer.getvalue())
    save_checkpoint(Path(directory), learner.network.state_dict(), config.to_dict(), {"counters": counters})


def restore_training_state(directory: Path, learner: Learner, config: DesignerConfig) -> dict:
    """Load a training checkpoint written by :func:`save_training_state` into ``learner``; its counters. Refused
    (:class:`CheckpointError`, one line) when it was trained with another network or state window, or when the
    optimiser's state is unreadable."""
    import torch

    from learna.agent.checkpoint import load_checkpoint

    directory = Path(directory)
    state, meta = load_checkpoint(directory)
    saved = from_dict(DesignerConfig, meta["config"], where=str(directory / "config.json"))
    if saved.network != config.network or saved.env.window != config.env.window:
        raise CheckpointError(f"checkpoint at {directory} was trained with another network; drop --resume")
    learner.network.load_state_dict(state)
    try:
        optimizer = torch.load(directory / OPTIMIZER_FILE, weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"optimiser state at {directory} is unreadable ({type(exc).__name__})") from None
    learner.load_optimizer_state(optimizer)
    return dict(meta.get("counters", {}))
