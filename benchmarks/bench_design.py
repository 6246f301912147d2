"""Cost of the design loop: one episode, and the share of design time spent inside ViennaRNA.

Run: ``.venv/bin/python -m pytest benchmarks/bench_design.py --benchmark-only``
The fractions are printed and stored in the benchmark's ``extra_info``.
"""

import numpy as np
import pytest
import torch

from learna.agent import policy_distribution, sample_actions
from learna.api import design, warm_up
from learna.data import GenerationSpec, generate_targets
from learna.designers.agent import new_learner
from learna.env.episodes import TargetEpisodes
from learna.presets import PRESETS

torch.set_num_threads(1)
warm_up()


def _target(length: int):
    return generate_targets(GenerationSpec(count=1, min_length=length, max_length=length, seed=5))[0]


@pytest.mark.parametrize("length", [50, 100, 200])
def test_one_episode(benchmark, length):
    """Sample one episode from the LEARNA policy (the `learna` preset) and fold it (reward with improvement)."""
    target = _target(length)
    preset = PRESETS["learna"]
    network = new_learner(preset, None, learning=True, seed=0).network
    episodes = TargetEpisodes(target, preset.env, cache=False)
    obs = torch.as_tensor(episodes.observations)
    rng = np.random.default_rng(0)

    def episode():
        log_probs, _ = policy_distribution(network, obs)
        return episodes.evaluate(episodes.decode(sample_actions(log_probs, 1, rng))[0])

    benchmark(episode)


@pytest.mark.parametrize("length", [50, 100, 200])
def test_fraction_of_design_time_in_folding(benchmark, length):
    """LEARNA mode for 5 s on an unsolved target: share of wall time spent folding (the improvement step included)."""
    target = _target(length)
    result = benchmark.pedantic(design, args=(target,), kwargs={"mode": "learna", "time_limit": 5.0, "seed": 0},
                                rounds=1, iterations=1)
    stats = result.stats
    fraction = stats["fold_time_s"] / result.time_s
    benchmark.extra_info.update(fold_fraction=fraction, episodes=stats["episodes"], folds=result.folds,
                                updates=stats["updates"], solved=result.solved)
    print(f"\n{length} nt: {fraction:.3f} of {result.time_s:.2f} s in folding, "
          f"{stats['episodes']} episodes, {result.folds} folds, {stats['updates']} updates")
