"""The gymnasium environment ``learna/RnaDesign-v0``: write a sequence for a target site by site.

The reference implementation of the decision process (docs/original.md §1). The design loops sample
whole episodes at once from the same encoding functions (:class:`learna.env.episodes.TargetEpisodes`); a
test checks both agree.
"""

from __future__ import annotations

from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from learna.env.config import EnvConfig
from learna.env.encoding import action_codes, action_mask, episode_observations
from learna.env.reward import evaluate_design
from learna.structure import Target

DEFAULT_TARGETS = ("((((((....))))))",)
ENV_ID = "learna/RnaDesign-v0"


class RnaDesignEnv(gym.Env):
    """LEARNA's RNA design decision process.

    * Each step fills the first empty site (closing brackets are filled with their opening partner).
    * 4 actions: a base (G, A, U, C) at an unpaired site, a Watson–Crick pair (GC, CG, AU, UA) at
      an opening bracket; with ``wobble_actions`` 6, the last two (GU, UG) only at an opening bracket.
    * Observation: the (2κ+1)-window of the target around the site (binary or token encoding).
    * Reward 0 until the last step, then (1 − d/N)^α after local improvement; ``info`` holds the
      sequence that achieved d, its MFE structure and the distance.
    * Design constraints of the target (:mod:`learna.constraints`): ``info["action_mask"]`` (int8, A) of
      ``reset`` and of every non-final ``step`` marks the actions the sequence constraint (and the site's
      kind) allows at the next site (gymnasium's convention: ``action_space.sample(mask=info["action_mask"])``); ``step``
      refuses the others. A GC target adds its GC distance to d in the reward (:mod:`learna.env.reward`).

    Targets: ``reset(options={"target": "((...))"})`` or, without options, the next target of the
    dataset given at construction (a new random permutation per epoch, from ``self.np_random``).
    """

    metadata = {"render_modes": []}

    def __init__(self, config: EnvConfig | None = None, targets: Sequence[str | Target] | None = None):
        self.config = config or EnvConfig()
        self.targets = [t if isinstance(t, Target) else Target(t, id=str(k + 1))
                        for k, t in enumerate(targets or DEFAULT_TARGETS)]
        self.action_space = spaces.Discrete(self.config.actions)
        self._unpaired, self._opening, self._closing = action_codes(self.config.wobble_actions)
        window = self.config.window
        if self.config.encoding == "binary":
            self.observation_space = spaces.Box(0.0, 1.0, shape=(window,), dtype=np.float32)
        else:
            self.observation_space = spaces.MultiDiscrete(np.full(window, self.config.tokens, dtype=np.int64))
        self._epoch: list[int] = []
        self.target: Target | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        requested = (options or {}).get("target")
        if requested is not None:
            self.target = requested if isinstance(requested, Target) else Target(requested)
        else:
            if not self._epoch:
                self._epoch = list(self.np_random.permutation(len(self.targets)))
            self.target = self.targets[self._epoch.pop()]
        self._observations = episode_observations(self.target, self.config)
        self._sites = self.target.design_sites
        self._step = 0
        self._sequence = bytearray(b"N" * len(self.target))
        mask = action_mask(self.target, self.config)
        self._mask = (np.ones((len(self._sites), self.config.actions), dtype=np.int8) if mask is None
                      else mask.astype(np.int8))
        return self._observations[0], {"target": self.target.dot_bracket, "target_id": self.target.id,
                                       "action_mask": self._mask[0]}

    def step(self, action):
        if self.target is None or self._step >= len(self._sites):
            raise RuntimeError("call reset() before step() and after an episode ends")
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}")
        site, action = self._sites[self._step], int(action)
        if not self._mask[self._step, action]:
            raise ValueError(f"action {action} is not allowed at site {site + 1}: "
                             "choose one that info['action_mask'] allows")
        partner = self.target.partners[site]
        if partner < 0:
            self._sequence[site] = self._unpaired[action]
        else:
            self._sequence[site], self._sequence[partner] = self._opening[action], self._closing[action]
        self._step += 1
        if self._step < len(self._sites):
            return self._observations[self._step], 0.0, False, False, {"action_mask": self._mask[self._step]}
        return self._finish()

    def _finish(self):
        outcome = evaluate_design(self._sequence.decode(), self.target, self.config)
        info = {
            "target": self.target.dot_bracket,
            "target_id": self.target.id,
            "sequence": outcome.sequence,
            "written_sequence": self._sequence.decode(),
            "folded": outcome.folded,
            "distance": outcome.distance,
            "normalized_distance": outcome.distance / len(self.target),
            "constraint_distance": outcome.constraint_distance,
            "solved": outcome.solved,
        }
        terminal_obs = np.zeros_like(self._observations[0])
        return terminal_obs, float(outcome.reward), True, False, info


if ENV_ID not in gym.envs.registry:
    gym.register(id=ENV_ID, entry_point="learna.env.rna_design:RnaDesignEnv")
