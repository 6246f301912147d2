"""State encoding and action decoding of the LEARNA decision process (reference/learna.md §1).

Observations depend only on the target, never on the actions: the sites are visited in a fixed
order (unpaired sites and opening brackets, left to right), so a whole episode's observations are
one array computed up front. Both the gymnasium environment and the batched design loop use it.
"""

from __future__ import annotations

import numpy as np

from learna.constraints import BASES, WATSON_CRICK
from learna.structure import Target

BINARY = {".": 0, "(": 1, ")": 1, "=": 0}
TOKENS = {".": 0, "(": 1, ")": 2, "=": 3}
N_TOKENS = 4

UNPAIRED_BASES = np.frombuffer(b"GAUC", dtype=np.uint8)
"""Action → base at an unpaired site: 0:G 1:A 2:U 3:C."""
PAIR_OPEN = np.frombuffer("".join(p[0] for p in WATSON_CRICK).encode(), dtype=np.uint8)
PAIR_CLOSE = np.frombuffer("".join(p[1] for p in WATSON_CRICK).encode(), dtype=np.uint8)
"""Action → Watson–Crick pair at an opening bracket: 0:GC 1:CG 2:AU 3:UA (opening, closing base)."""
_UNPAIRED_COLUMNS = [BASES.index(chr(b)) for b in UNPAIRED_BASES]
"""Column of each unpaired action's base in a base mask (constraints.BASES order)."""


def episode_observations(target: Target, state_radius: int, encoding: str) -> np.ndarray:
    """Observations of every step of an episode, shape (T, 2κ+1).

    Row t is the window of the target padded with κ '=' on each side, centred on the t-th visited
    site. Binary encoding gives float32, token encoding int64.
    """
    table = BINARY if encoding == "binary" else TOKENS
    padded = "=" * state_radius + target.dot_bracket + "=" * state_radius
    codes = np.array([table[c] for c in padded], dtype=np.int64)
    sites = np.asarray(target.design_sites, dtype=np.int64)
    windows = codes[sites[:, None] + np.arange(2 * state_radius + 1)[None, :]]
    return windows.astype(np.float32) if encoding == "binary" else windows


def decode_actions(target: Target, actions: np.ndarray) -> list[str]:
    """Sequences written by action arrays of shape (E, T) (or (T,)), vectorised over episodes."""
    actions = np.atleast_2d(np.asarray(actions, dtype=np.int64))
    sites = np.asarray(target.design_sites, dtype=np.int64)
    partners = np.asarray(target.partners, dtype=np.int64)[sites]
    paired = partners >= 0
    out = np.empty((actions.shape[0], len(target)), dtype=np.uint8)
    out[:, sites] = np.where(paired[None, :], PAIR_OPEN[actions], UNPAIRED_BASES[actions])
    out[:, partners[paired]] = PAIR_CLOSE[actions[:, paired]]
    return [row.tobytes().decode() for row in out]


def action_mask(target: Target) -> np.ndarray | None:
    """Allowed actions of every step of an episode, boolean (T, 4) in action order, or None when the target
    has no sequence constraint (every action allowed).

    At an unpaired site an action is allowed when its base is; at an opening bracket, when the
    constraint allows both bases of its pair (opening and closing site).
    """
    constraints = target.constraints
    if constraints.sequence is None:
        return None
    sites = np.asarray(target.design_sites, dtype=np.int64)
    paired = np.asarray(target.partners, dtype=np.int64)[sites] >= 0
    bases = constraints.allowed_bases(len(target))[sites][:, _UNPAIRED_COLUMNS]
    pairs = constraints.pair_mask(target.partners, WATSON_CRICK)[sites]
    return np.where(paired[:, None], pairs, bases)
