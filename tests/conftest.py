"""Shared fixtures: one torch thread, deterministic seeds."""

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
    from learna.design import new_policy
    from learna.presets import META_LEARNA_PAPER

    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("checkpoint")
    save_checkpoint(directory, new_policy(META_LEARNA_PAPER, None, learning=False).network.state_dict(),
                    META_LEARNA_PAPER.to_dict())
    return directory


@pytest.fixture(scope="session", autouse=True)
def _warm_torch():
    from learna.design import warm_up

    warm_up()
