"""The hybrid designer: the BOHB-tuned ensemble-guided local search, with learned parts on request.

By default (the shipped preset) it is :func:`learna.search.local_search` alone: rule-based starts, the
frontier, defect-guided positions, energy-informed structured moves and the MFE check of every candidate.
Two learned parts are switches (:class:`learna.config.HybridConfig`), off by default because neither beat the
search alone on held generated targets by the margin that would earn it a place (docs/results/README.md,
"The repair policy"):

* ``use_policy``: a pretrained policy (Meta-LEARNA's, or an expert-iterated one via a checkpoint) gives, in
  one forward pass, a distribution over bases at every unpaired site and over pairs at every opening
  bracket; ``policy_starts`` initial candidates are sampled from it instead of the rule "GC pairs, A in
  loops", and every mutation draws its replacement from it mixed with uniform by ``proposal_mix``. torch is
  imported only then;
* the search's ``repair_weight``: the repair policy (:mod:`learna.search.repair`, the shipped weights or
  ``repair_path``) re-weights the informed moves' variants.

Design constraints: the policy samples only allowed actions and its prior gives forbidden bases and pairs no
weight; the search's moves, starts and objective honour the constraints themselves (:mod:`learna.search`).
Uniqueness: unless the config's ``uniqueness`` is ``ignore``, the search goes on after a tied solution until
the target is the unique MFE structure.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from learna.alphabet import BASE_ACTIONS, BASE_INDEX, BASES, PAIR_INDEX, PAIRS, pair_actions
from learna.config import DesignerConfig
from learna.designers.base import PROGRESS_INTERVAL_S, DesignRequest, RunOutcome, Status
from learna.designers.weights import resolve_checkpoint
from learna.processes import Throttle
from learna.search import Candidate, Prior, local_search
from learna.search.repair import Repair, RepairPolicy
from learna.seeding import generator
from learna.structure import Target

if TYPE_CHECKING:
    import torch


def policy_prior(target: Target, log_probs: torch.Tensor, wobble: bool = False) -> Prior:
    """The policy's per-step distribution (T, A) as per-site proposal tables for the search."""
    n = len(target)
    unpaired, pairs = np.full((n, len(BASES)), 1 / len(BASES)), np.full((n, len(PAIRS)), 1 / len(PAIRS))
    probs = log_probs.exp().double().numpy()
    base_columns = [BASE_INDEX[b] for b in BASE_ACTIONS]
    pair_columns = [PAIR_INDEX[p] for p in pair_actions(wobble)]
    for step, site in enumerate(target.design_sites):
        if target.partners[site] < 0:
            unpaired[site] = 0.0
            unpaired[site, base_columns] = probs[step, : len(base_columns)]
        else:
            pairs[site] = 0.0
            pairs[site, pair_columns] = probs[step, : len(pair_columns)]
    return Prior(unpaired, pairs)


def run_hybrid(request: DesignRequest) -> RunOutcome:
    """Design ``request.target`` with the local search (policy-guided when the config says so) within the
    request's limits."""
    start = time.monotonic()
    target, rng = request.target, generator(request.seed, "hybrid")
    config, state = resolve_checkpoint("hybrid", request.config, request.checkpoint)
    settings = config.hybrid
    initial, prior = _policy_proposals(target, config, state, rng) if state is not None else (None, None)
    watch = _Watch(request, start)
    search = replace(settings.search, require_unique=config.uniqueness != "ignore")
    repair = None
    if search.repair_weight > 0 and settings.repair_path is not None:
        repair = Repair(RepairPolicy.load(settings.repair_path))
    found = local_search(target, search, time_limit=max(1e-3, request.time_limit - (time.monotonic() - start)),
                         max_evaluations=request.max_folds, rng=rng, model=config.env.folding, initial=initial,
                         prior=prior, proposal_mix=settings.proposal_mix if prior else 0.0,
                         on_evaluation=watch.candidate, repair=repair)
    elapsed = time.monotonic() - start
    offset = elapsed - found.time_s  # the search's clock started after the policy's forward pass
    stats = {"evaluations": found.evaluations, "partition_functions": found.partition_functions,
             "steps": found.steps, "excluded": found.excluded, "followed": found.followed,
             "restarts": found.restarts,
             "fold_time_s": round(found.vienna_time_s, 3),
             "policy": prior is not None}
    return RunOutcome(found.sequence, elapsed, found.evaluations,
                      time_to_solve_s=None if found.time_to_solve_s is None else found.time_to_solve_s + offset,
                      first_solution=found.first_solution if found.first_solution != found.sequence else None,
                      time_to_unique_s=None if found.time_to_unique_s is None else found.time_to_unique_s + offset,
                      folds_to_solve=found.folds_to_solve, stats=stats)


def _policy_proposals(target: Target, config: DesignerConfig, state: dict,
                      rng: np.random.Generator) -> tuple[list[str] | None, Prior]:
    """The policy's starting sequences (None without ``policy_starts``) and its proposal prior, from one forward
    pass (torch is imported only here: the hybrid without a policy never loads it)."""
    import torch

    from learna.agent import policy_distribution, sample_actions
    from learna.designers.agent import new_learner
    from learna.env.episodes import TargetEpisodes

    episodes = TargetEpisodes(target, config.env, cache=False)
    network = new_learner(config, state, learning=False, seed=0).network
    mask = episodes.mask
    log_probs, _ = policy_distribution(network, torch.as_tensor(episodes.observations),
                                       None if mask is None else torch.as_tensor(mask))
    prior = policy_prior(target, log_probs, config.env.wobble_actions)
    starts = config.hybrid.policy_starts
    initial = list(dict.fromkeys(episodes.decode(sample_actions(log_probs, starts, rng, mask)))) if starts else None
    return initial, prior


class _Watch:
    """Sees every evaluated candidate: vetoes solutions too close to earlier designs (several designs of one
    target), keeps the best so far and reports progress."""

    def __init__(self, request: DesignRequest, start: float) -> None:
        self.request, self.start = request, start
        self.best: Candidate | None = None
        self.solved = False
        self.evaluations = 0
        self.throttle = Throttle(PROGRESS_INTERVAL_S)

    def candidate(self, candidate: Candidate) -> bool:
        self.evaluations += 1
        if candidate.solved and not self.request.novel(candidate.sequence):
            return False
        self.solved = self.solved or candidate.solved
        if self.best is None or (candidate.distance + candidate.constraint_distance
                                 < self.best.distance + self.best.constraint_distance):
            self.best = candidate
        now = time.monotonic()
        progress = self.request.progress
        if progress is not None and self.throttle.due(now):
            best = self.best
            progress(Status(self.request.target.id, now - self.start, self.evaluations,
                            best.distance + best.constraint_distance, best.sequence, self.solved, None))
        return True
