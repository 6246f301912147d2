"""The repair policy: a small network that re-weights the informed moves' variants by what improved before.

An informed move (:mod:`learna.search.informed`) draws one of up to 36 variants of a unit (tens of thousands
of such decisions per target) with probability ∝ q(variant) · exp(−score / τ). With a repair policy the
draw also weighs in ``repair_weight`` · log P(improve | φ(variant)), where P(improve | φ) is a multilayer
perceptron's estimate that the child holding this variant evaluates better than its parent (its objective
is lower), trained on the search's own history (:mod:`learna.repair_training`): which variants, chosen as
the search chooses, led to improvement. Drawing in proportion to q · exp(−score/τ) · P(improve | φ) is then
the search's own distribution conditioned on improving (self-imitation of successful moves).

φ(variant), :data:`FEATURES` numbers, depends only on what the move changes and on the energies the move
computed anyway:

* for every changed site, +1 at (context of the site, new base) and −1 at (context, old base): the
  :data:`CONTEXTS` are the side of a pair (5′ / 3′) × where the pair sits (inside a helix, at a helix end,
  a lone pair), and for an unpaired site its loop (hairpin, interior or bulge, multiloop, exterior) × whether
  it is next to a pair (where loop boosts and mismatches count);
* the variant's energy score, E(target) and E(competitor), each relative to the move's lowest, in units of
  5 kcal/mol and clipped at 4.

The network is evaluated in numpy (no torch in the search), in microseconds per move. docs/local_search.md
("The repair policy") describes the training recipe and what it measured.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from learna.errors import ConfigError
from learna.fileio import atomic_write_bytes
from learna.search.moves import MoveSet

CONTEXTS = ("pair5-inner", "pair5-end", "pair5-lone", "pair3-inner", "pair3-end", "pair3-lone",
            "hairpin-next", "hairpin-inner", "interior-next", "interior-inner", "multi-next", "multi-inner",
            "exterior-next", "exterior-inner")
"""Structural context of a site (see the module docstring)."""
ENERGY_FEATURES = ("score", "target_energy", "competitor_energy")
FEATURES = len(CONTEXTS) * 4 + len(ENERGY_FEATURES)
"""Length of φ(variant): (context, base) counts, then the energy features."""
ENERGY_UNIT = 5.0
"""kcal/mol per unit of an energy feature."""
ENERGY_CLIP = 4.0
SHIPPED = "repair/repair.npz"
"""The shipped weights, under ``learna/weights``."""


def site_contexts(moves: MoveSet) -> np.ndarray:
    """The :data:`CONTEXTS` index of every site of a move set's target (from its stacking and loop
    decomposition)."""
    partners = moves.partners
    n = len(partners)
    contexts = np.zeros(n, dtype=np.int64)
    for i in range(n):
        j = partners[i]
        if j >= 0:  # stacked on both sides, on one (a helix end) or on none (a lone pair)
            contexts[i] = (2 - len(moves.stacked[i])) + (0 if i < j else 3)
            continue
        closing = int(moves.loop_of[i])
        kind = 3 if closing < 0 else min(len(moves.loop_branches[closing]), 2)  # exterior; hairpin, interior, multi
        next_to_pair = (i > 0 and partners[i - 1] >= 0) or (i + 1 < n and partners[i + 1] >= 0)
        contexts[i] = 6 + 2 * kind + (0 if next_to_pair else 1)
    return contexts


def variant_features(parent: np.ndarray, children: np.ndarray, positions: np.ndarray, contexts: np.ndarray,
                     energies: np.ndarray) -> np.ndarray:
    """φ of every variant of one move: ``parent`` the parent's base codes (0–3) at ``positions``, ``children``
    (V, P) the variants' codes there, ``contexts`` the sites' context indices, ``energies`` (V, 3) the score,
    E(target) and E(competitor) of every variant."""
    count = len(children)
    features = np.zeros((count, FEATURES))
    rows = np.repeat(np.arange(count), len(positions))
    slots = contexts[positions] * 4
    np.add.at(features, (rows, (slots + children).ravel()), 1.0)
    np.add.at(features, (rows, np.tile(slots + parent, count)), -1.0)
    relative = (energies - energies.min(axis=0)) / ENERGY_UNIT
    features[:, len(CONTEXTS) * 4:] = np.minimum(relative, ENERGY_CLIP)
    return features


@dataclass(frozen=True)
class RepairPolicy:
    """A one-hidden-layer perceptron φ → logit of P(improve); weights as numpy arrays."""

    hidden_weights: np.ndarray
    """(FEATURES, H)."""
    hidden_bias: np.ndarray
    """(H,)."""
    output_weights: np.ndarray
    """(H,)."""
    output_bias: float
    metadata: dict = field(default_factory=dict, compare=False)
    """How the weights were trained (recipe, data, validation numbers)."""

    def __post_init__(self) -> None:
        w1, b1, w2 = (np.asarray(a, dtype=float) for a in (self.hidden_weights, self.hidden_bias, self.output_weights))
        if w1.ndim != 2 or w1.shape[0] != FEATURES or b1.shape != (w1.shape[1],) or w2.shape != (w1.shape[1],):
            raise ConfigError(f"repair policy weights must have shapes ({FEATURES}, H), (H,), (H,); got "
                              f"{w1.shape}, {b1.shape}, {w2.shape}")
        if not all(np.all(np.isfinite(a)) for a in (w1, b1, w2)) or not np.isfinite(self.output_bias):
            raise ConfigError("repair policy weights must be finite")
        for name, value in (("hidden_weights", w1), ("hidden_bias", b1), ("output_weights", w2)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "output_bias", float(self.output_bias))

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Logit of P(improve) for every row of ``features``."""
        return np.tanh(features @ self.hidden_weights + self.hidden_bias) @ self.output_weights + self.output_bias

    def log_improve(self, features: np.ndarray) -> np.ndarray:
        """log P(improve) for every row of ``features``."""
        return -np.logaddexp(0.0, -self.logits(features))

    def save(self, path: str | Path) -> None:
        """Write the weights (and the metadata as JSON) to an ``.npz`` file, atomically."""
        buffer = io.BytesIO()
        np.savez(buffer, hidden_weights=self.hidden_weights, hidden_bias=self.hidden_bias,
                 output_weights=self.output_weights, output_bias=np.array(self.output_bias),
                 metadata=np.array(json.dumps(self.metadata, sort_keys=True)))
        atomic_write_bytes(Path(path), buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> "RepairPolicy":
        """Weights written by :meth:`save`; a :class:`ConfigError` in one line if the file is missing or not
        such a file."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in ("hidden_weights", "hidden_bias", "output_weights",
                                                        "output_bias", "metadata")}
            metadata = json.loads(str(arrays.pop("metadata")))
        except FileNotFoundError:
            raise ConfigError(f"repair policy {path}: no such file") from None
        except (OSError, ValueError, KeyError) as error:
            raise ConfigError(f"repair policy {path}: not a repair policy file ({error})") from None
        return cls(arrays["hidden_weights"], arrays["hidden_bias"], arrays["output_weights"],
                   float(arrays["output_bias"]), metadata if isinstance(metadata, dict) else {})


@lru_cache(maxsize=1)
def shipped_repair_policy() -> RepairPolicy:
    """The repair policy shipped in the package (``learna/weights/repair``)."""
    return RepairPolicy.load(resources.files("learna.weights").joinpath(SHIPPED))


class RepairLog:
    """Training examples of the repair policy: φ of every variant an informed move chose, and whether the
    child it went into improved on its parent."""

    def __init__(self) -> None:
        self.features: list[np.ndarray] = []
        self.improved: list[bool] = []

    def add(self, chosen: list[np.ndarray], improved: bool) -> None:
        self.features.extend(chosen)
        self.improved.extend([improved] * len(chosen))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(features (E, FEATURES) float32, improved (E,) bool)."""
        if not self.features:
            return np.zeros((0, FEATURES), dtype=np.float32), np.zeros(0, dtype=bool)
        return np.asarray(self.features, dtype=np.float32), np.asarray(self.improved, dtype=bool)


@dataclass
class Repair:
    """What one search does with the repair policy: bias the informed moves by ``policy`` (with the search's
    ``repair_weight``; none: no bias) and/or record training examples in ``log``."""

    policy: RepairPolicy | None = None
    log: RepairLog | None = None
