"""The frontier: the k best candidates so far, softmax parent choice, and the set of evaluated sequences."""

from __future__ import annotations

import bisect
from typing import Generic, Protocol, TypeVar

import numpy as np


class Scored(Protocol):
    """What the frontier needs of a candidate."""

    sequence: str
    objective: float


C = TypeVar("C", bound=Scored)


class Frontier(Generic[C]):
    """Keeps the ``size`` best distinct candidates (lowest objective first) and every sequence ever seen.

    ``seen`` survives :meth:`clear`, so no sequence is evaluated twice across restarts.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.members: list[C] = []
        self._keys: list[float] = []
        self.seen: set[str] = set()

    def __len__(self) -> int:
        return len(self.members)

    @property
    def best(self) -> C | None:
        """The member with the lowest objective (None when empty)."""
        return self.members[0] if self.members else None

    @property
    def threshold(self) -> float:
        """A candidate must score strictly below this to enter (inf while the frontier is not full)."""
        return self._keys[-1] if len(self.members) >= self.size else float("inf")

    def offer(self, candidate: C) -> bool:
        """Insert ``candidate`` if it beats the worst member (or the frontier is not full); True if inserted."""
        if candidate.objective >= self.threshold:
            return False
        position = bisect.bisect_right(self._keys, candidate.objective)
        self._keys.insert(position, candidate.objective)
        self.members.insert(position, candidate)
        if len(self.members) > self.size:
            self._keys.pop()
            self.members.pop()
        return True

    def sample(self, rng: np.random.Generator, temperature: float) -> C:
        """A parent drawn with probability ∝ exp(−2·objective / T) (SAMFEO's softmax over scores)."""
        keys = np.asarray(self._keys)
        logits = -2.0 * (keys - keys[0]) / temperature
        weights = np.exp(logits)
        cdf = np.cumsum(weights)
        index = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
        return self.members[min(index, len(self.members) - 1)]

    def clear(self) -> None:
        """Drop all members (a restart); the seen set is kept."""
        self.members.clear()
        self._keys.clear()
