"""Checkpoints: a directory with ``model.pt`` (a state_dict, loaded with ``weights_only=True``) and
``config.json`` (the resolved config that rebuilds the network, plus versions)."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import torch

from learna import __version__
from learna.errors import CheckpointError, InputFileError
from learna.fileio import atomic_write_bytes, atomic_write_json, parse_json

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
        metadata = parse_json(meta.read_bytes(), str(meta))
    except (OSError, InputFileError) as exc:
        raise CheckpointError(f"checkpoint at {directory} is corrupted: {exc}") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("config"), dict):
        raise CheckpointError(f"checkpoint at {directory} is not a learna checkpoint: {CONFIG_FILE} holds no config")
    try:
        state = torch.load(model, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "GLOBAL" in str(exc):  # it names objects other than tensors (code could run): never load it otherwise
            raise CheckpointError(f"{model} is not a learna checkpoint: it holds objects other than tensors, "
                                  "and it is not loaded") from None
        raise CheckpointError(f"checkpoint at {directory} is corrupted: {model} is not a saved state dict") from None
    except Exception as exc:  # torch raises many types for corrupted files
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise CheckpointError(f"checkpoint at {directory} is corrupted ({type(exc).__name__}: {first})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{model} is not a learna checkpoint: it holds no state dict of tensors")
    return state, metadata
