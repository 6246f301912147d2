"""Seeding: every random stream in learna is derived from one integer seed and a few keys, here.

``derive_seed(seed, *keys)`` is the only derivation (numpy's ``SeedSequence`` over the seed and the keys;
string keys are hashed with SHA-256, so the result is the same in every process and on every host).
``generator(seed, *keys)`` is a numpy generator on that stream. Torch's global generator is never
seeded: networks are initialised inside ``torch.random.fork_rng`` (:mod:`learna.agent.network`).
"""

from __future__ import annotations

import hashlib

import numpy as np

from learna.errors import ConfigError

MAX_SEED = 2**63 - 1
"""Largest accepted seed (seeds are non-negative 63-bit integers)."""


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` if it is an integer in 0..2**63 − 1, else a one-line :class:`ConfigError`."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"{name} must be an integer from 0 to 2**63 - 1, got {seed!r}")
    return seed


def derive_seed(seed: int, *keys: int | str) -> int:
    """A reproducible child seed for ``(seed, *keys)``, e.g. one per target and run."""
    material = [seed] + [k if isinstance(k, int) else _string_key(k) for k in keys]
    return int(np.random.SeedSequence(material).generate_state(1, dtype=np.uint64)[0] % (2**63))


def generator(seed: int, *keys: int | str) -> np.random.Generator:
    """A numpy generator on the stream :func:`derive_seed` gives for ``(seed, *keys)``."""
    return np.random.default_rng(derive_seed(seed, *keys))


def _string_key(key: str) -> int:
    """A stable 64-bit integer for a string key (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
