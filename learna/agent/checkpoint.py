"""Checkpoints: a directory with ``model.pt`` (a state_dict, loaded with ``weights_only=True``) and
``config.json`` (the resolved config that rebuilds the network, plus versions)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch

from learna import __version__
from learna.errors import CheckpointError
from learna.fileio import atomic_write_bytes, atomic_write_json

MODEL_FILE = "model.pt"
CONFIG_FILE = "config.json"


def save_checkpoint(directory: Path, state_dict: dict, config: dict, extra: dict | None = None) -> None:
    """Write the weights and the config atomically (a crash leaves the previous checkpoint intact)."""
    directory = Path(directory)
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    atomic_write_bytes(directory / MODEL_FILE, buffer.getvalue())
    meta = {"config": config, "learna": __version__, "torch": torch.__version__, **(extra or {})}
    atomic_write_json(directory / CONFIG_FILE, meta)


def load_checkpoint(directory: Path) -> tuple[dict, dict]:
    """(state_dict, metadata) of a checkpoint directory; a clear :class:`CheckpointError` otherwise."""
    directory = Path(directory)
    model, meta = directory / MODEL_FILE, directory / CONFIG_FILE
    if not model.is_file() or not meta.is_file():
        raise CheckpointError(f"no checkpoint at {directory}: expected {MODEL_FILE} and {CONFIG_FILE}")
    try:
        metadata = json.loads(meta.read_text())
        state = torch.load(model, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupted files
        raise CheckpointError(f"checkpoint at {directory} is corrupted: {type(exc).__name__}: {exc}") from None
    if not isinstance(state, dict) or "config" not in metadata:
        raise CheckpointError(f"checkpoint at {directory} is not a learna checkpoint")
    return state, metadata
