"""Shared fixtures: one torch thread, an untrained checkpoint, torch warmed up once."""

import pytest
import torch

torch.set_num_threads(1)

SMALL_TARGETS = [
    "(((((......)))))",
    "((((....))))....((((....))))",
    "..((((((....))))))..((((....))))..",
    "(((((((....(((....)))...(((....)))..)))))))",
]


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    """A Meta-LEARNA checkpoint with untrained (seeded) weights, for the modes that need one."""
    from learna.agent.checkpoint import save_checkpoint
    from learna.designers.agent import new_learner
    from learna.presets import META_LEARNA_PAPER

    directory = tmp_path_factory.mktemp("checkpoint")
    learner = new_learner(META_LEARNA_PAPER, None, learning=False, seed=0)
    save_checkpoint(directory, learner.network.state_dict(), META_LEARNA_PAPER.to_dict())
    return directory


@pytest.fixture(scope="session", autouse=True)
def _warm_torch():
    from learna.api import warm_up

    warm_up()
