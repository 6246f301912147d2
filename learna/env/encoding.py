"""State encoding and action decoding of the LEARNA decision process (docs/original.md §1).

Observations depend only on the target, never on the actions: the sites are visited in a fixed
order (unpaired sites and opening brackets, left to right), so a whole episode's observations are
one array computed up front. Both the gymnasium environment and the batched design loop use it.

Actions (:mod:`learna.alphabet`): at an unpaired site action k writes ``BASE_ACTIONS[k]`` (G A U C); at
an opening bracket it writes ``pair_actions(wobble)[k]`` on both partners (GC CG AU UA, and GU UG when
``EnvConfig.wobble_actions`` is on). With wobble actions there are six actions and the last two are
never allowed at an unpaired site (:func:`action_mask`).
"""

from __future__ import annotations

import numpy as np

from learna.alphabet import BASE_ACTIONS, BASE_INDEX, pair_actions
from learna.env.config import EnvConfig
from learna.structure import Target

BINARY = {".": 0, "(": 1, ")": 1, "=": 0}
TOKENS = {".": 0, "(": 1, ")": 2, "=": 3}
"""Token of each target symbol ('=' pads the window); N_TOKENS of them."""


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


def action_codes(wobble: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte arrays indexed by action: the base an unpaired site takes ('N' for a pair-only action), and the
    opening and closing bases a pair takes."""
    pairs = pair_actions(wobble)
    unpaired = _codes(BASE_ACTIONS + "N" * (len(pairs) - len(BASE_ACTIONS)))
    return unpaired, _codes("".join(p[0] for p in pairs)), _codes("".join(p[1] for p in pairs))


def episode_observations(target: Target, config: EnvConfig) -> np.ndarray:
    """Observations of every step of an episode, shape (T, 2κ+1).

    Row t is the window of the target padded with κ '=' on each side, centred on the t-th visited
    site. Binary encoding gives float32, token encoding int64.
    """
    radius = config.state_radius
    table = BINARY if config.encoding == "binary" else TOKENS
    padded = "=" * radius + target.dot_bracket + "=" * radius
    codes = np.array([table[c] for c in padded], dtype=np.int64)
    sites = np.asarray(target.design_sites, dtype=np.int64)
    windows = codes[sites[:, None] + np.arange(2 * radius + 1)[None, :]]
    return windows.astype(np.float32) if config.encoding == "binary" else windows


def decode_actions(target: Target, actions: np.ndarray, config: EnvConfig) -> list[str]:
    """Sequences written by action arrays of shape (E, T) (or (T,)), vectorised over episodes."""
    unpaired, opening, closing = action_codes(config.wobble_actions)
    actions = np.atleast_2d(np.asarray(actions, dtype=np.int64))
    sites = np.asarray(target.design_sites, dtype=np.int64)
    partners = np.asarray(target.partners, dtype=np.int64)[sites]
    paired = partners >= 0
    out = np.empty((actions.shape[0], len(target)), dtype=np.uint8)
    out[:, sites] = np.where(paired[None, :], opening[actions], unpaired[actions])
    out[:, partners[paired]] = closing[actions[:, paired]]
    return [row.tobytes().decode() for row in out]


def action_mask(target: Target, config: EnvConfig) -> np.ndarray | None:
    """Allowed actions of every step of an episode, boolean (T, A) in action order, or None when every
    action is allowed everywhere (no sequence constraint, no wobble actions).

    At an unpaired site an action is allowed when it writes a base the constraint allows; at an opening
    bracket, when the constraint allows both bases of its pair (opening and closing site).
    """
    constraints, wobble = target.constraints, config.wobble_actions
    if constraints.sequence is None and not wobble:
        return None
    pairs = pair_actions(wobble)
    sites = np.asarray(target.design_sites, dtype=np.int64)
    paired = np.asarray(target.partners, dtype=np.int64)[sites] >= 0
    allowed = constraints.allowed_bases(len(target))[sites]
    bases = np.zeros((len(sites), len(pairs)), dtype=bool)
    bases[:, : len(BASE_ACTIONS)] = allowed[:, [BASE_INDEX[b] for b in BASE_ACTIONS]]
    pair_mask = constraints.pair_mask(target.partners, pairs)[sites]
    return np.where(paired[:, None], pair_mask, bases)


def encode_sequence(target: Target, sequence: str, config: EnvConfig) -> np.ndarray:
    """The actions (T,) that write ``sequence`` (the inverse of :func:`decode_actions`); −1 at a step whose
    base or pair no action writes (a GU pair without wobble actions, a non-canonical pair)."""
    base_action = {base: k for k, base in enumerate(BASE_ACTIONS)}
    pair_action = {pair: k for k, pair in enumerate(pair_actions(config.wobble_actions))}
    actions = np.full(len(target.design_sites), -1, dtype=np.int64)
    for step, site in enumerate(target.design_sites):
        partner = target.partners[site]
        value = sequence[site] if partner < 0 else sequence[site] + sequence[partner]
        actions[step] = (base_action if partner < 0 else pair_action).get(value, -1)
    return actions
