"""Seeding: every random draw in learna comes from a generator derived from one integer seed."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, numpy and torch globally and return a fresh numpy generator for ``seed``."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def derive_seed(seed: int, *keys: int | str) -> int:
    """A reproducible child seed for ``(seed, *keys)``, e.g. one per target and run."""
    material = [seed] + [k if isinstance(k, int) else _string_key(k) for k in keys]
    return int(np.random.SeedSequence(material).generate_state(1, dtype=np.uint64)[0] % (2**63))


def _string_key(key: str) -> int:
    """A stable 64-bit integer for a string key (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
