"""The hybrid designer: the learned policy proposes, an ensemble-guided local search refines.

The pretrained (Meta-LEARNA) policy gives, in one forward pass, a distribution over bases at every
unpaired site and over Watson–Crick pairs at every opening bracket. It takes part in two ways, each
switchable for ablation (:class:`learna.presets.HybridConfig`):

* initial candidates are sampled from the policy instead of the rule "GC pairs, A in loops";
* every mutation draws its replacement base or pair from the policy's distribution at that site,
  mixed with uniform by ``proposal_mix``.

Everything else is :func:`learna.search.local_search`: the frontier, defect-guided positions,
structured moves and the MFE check of every candidate.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from learna.agent.rollout import policy_distribution, sample_actions
from learna.design import DesignResult, new_policy, resolve_checkpoint
from learna.env.encoding import UNPAIRED_BASES, decode_actions, episode_observations
from learna.folding import fold_structure
from learna.presets import DesignerConfig
from learna.search import BASES, PAIRS, Prior, local_search
from learna.structure import Target, hamming

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
        log_probs, _ = policy_distribution(network, obs)
        prior = policy_prior(target, log_probs)
        if settings.policy_starts:
            actions = sample_actions(log_probs, settings.policy_starts, rng)
            initial = list(dict.fromkeys(decode_actions(target, actions)))
    model = config.env.folding
    remaining = max(1e-3, time_limit - (time.monotonic() - start))
    found = local_search(target, settings.search, time_limit=remaining, rng=rng, model=model,
                         initial=initial, prior=prior, proposal_mix=settings.proposal_mix if prior else 0.0)
    elapsed = time.monotonic() - start
    folded = fold_structure(found.sequence, model)  # independent verification
    distance = hamming(folded, target.dot_bracket)
    return DesignResult(target.id, target.dot_bracket, found.sequence, folded, distance, distance == 0, elapsed,
                        "hybrid", seed, found.evaluations, found.evaluations, found.vienna_time_s, 0, found.restarts)
