"""The hybrid designer: the learned policy proposes, an ensemble-guided local search refines.

The pretrained (Meta-LEARNA) policy gives, in one forward pass, a distribution over bases at every
unpaired site and over Watson–Crick pairs at every opening bracket. It takes part in two ways, each
switchable for ablation (:class:`learna.presets.HybridConfig`):

* initial candidates are sampled from the policy instead of the rule "GC pairs, A in loops";
* every mutation draws its replacement base or pair from the policy's distribution at that site,
  mixed with uniform by ``proposal_mix``.

Everything else is :func:`learna.search.local_search`: the frontier, defect-guided positions,
structured moves and the MFE check of every candidate. Design constraints: the policy samples only
allowed actions and its prior gives forbidden bases and pairs no weight; the search's moves, starts and
objective honour the constraints themselves (:mod:`learna.search`).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from learna.agent.rollout import policy_distribution, sample_actions
from learna.design import DesignResult, new_policy, resolve_checkpoint, verified_result
from learna.env.encoding import UNPAIRED_BASES, action_mask, decode_actions, episode_observations
from learna.presets import DesignerConfig
from learna.search import BASES, PAIRS, Prior, local_search
from learna.structure import Target

# column of each policy action in the search's Prior tables
_BASE_COLUMNS = [BASES.index(chr(b)) for b in UNPAIRED_BASES]  # actions G A U C
_PAIR_COLUMNS = [PAIRS.index(p) for p in ("GC", "CG", "AU", "UA")]  # actions GC CG AU UA


def policy_prior(target: Target, log_probs: torch.Tensor) -> Prior:
    """The policy's per-step distribution (T, 4) as per-site proposal tables for the search."""
    n = len(target)
    unpaired, pairs = np.full((n, 4), 0.25), np.full((n, 6), 1 / 6)
    probs = log_probs.exp().double().numpy()
    for step, site in enumerate(target.design_sites):
        if target.partners[site] < 0:
            unpaired[site] = 0.0
            unpaired[site, _BASE_COLUMNS] = probs[step]
        else:
            pairs[site] = 0.0
            pairs[site, _PAIR_COLUMNS] = probs[step]
    return Prior(unpaired, pairs)


def design_hybrid(target: Target, config: DesignerConfig, *, time_limit: float, seed: int,
                  checkpoint=None) -> DesignResult:
    """Design ``target`` with the policy-guided local search within ``time_limit`` seconds."""
    start = time.monotonic()
    rng = np.random.default_rng(seed)
    settings = config.hybrid
    initial, prior = None, None
    config, state = resolve_checkpoint("hybrid", config, checkpoint)
    if state is not None:
        network = new_policy(config, state, learning=False).network
        obs = torch.as_tensor(episode_observations(target, config.env.state_radius, config.env.encoding))
        mask = action_mask(target)
        log_probs, _ = policy_distribution(network, obs, None if mask is None else torch.as_tensor(mask))
        prior = policy_prior(target, log_probs)
        if settings.policy_starts:
            actions = sample_actions(log_probs, settings.policy_starts, rng, mask)
            initial = list(dict.fromkeys(decode_actions(target, actions)))
    model = config.env.folding
    remaining = max(1e-3, time_limit - (time.monotonic() - start))
    found = local_search(target, settings.search, time_limit=remaining, rng=rng, model=model,
                         initial=initial, prior=prior, proposal_mix=settings.proposal_mix if prior else 0.0)
    elapsed = time.monotonic() - start
    return verified_result(target, found.sequence, model, time_s=elapsed, mode="hybrid", seed=seed,
                           episodes=found.evaluations, folds=found.evaluations, fold_time_s=found.vienna_time_s,
                           updates=0, restarts=found.restarts)
