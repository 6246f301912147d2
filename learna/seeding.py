"""Seeding: every random stream in learna is derived from one integer seed and a few keys, here.

``derive_seed(seed, *keys)`` is the only derivation (numpy's ``SeedSequence`` over the seed and the keys;
string keys are hashed with SHA-256, so the result is the same in every process and on every host).
``generator(seed, *keys)`` is a numpy generator on that stream. Torch's global generator is never
seeded for good: networks are initialised inside :func:`torch_seeded`, which restores it afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

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


def nth_seed(seed: int, key: str, k: int) -> int:
    """The seed of the ``k``-th of several runs started from ``seed`` (designs of one request, workers of one
    target): ``seed`` itself for the first (k = 0), so that one run repeats a run without siblings, and
    :func:`derive_seed` ``(seed, key, k)`` for the others."""
    return seed if k == 0 else derive_seed(seed, key, k)


def generator(seed: int, *keys: int | str) -> np.random.Generator:
    """A numpy generator on the stream :func:`derive_seed` gives for ``(seed, *keys)``."""
    return np.random.default_rng(derive_seed(seed, *keys))


@contextmanager
def torch_seeded(seed: int) -> Iterator[None]:
    """Torch's global generator seeded with ``seed`` inside the block (a network's initial weights) and restored
    after it, so that no other stream moves."""
    import torch  # here, so that importing learna.seeding does not load torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _string_key(key: str) -> int:
    """A stable 64-bit integer for a string key (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
