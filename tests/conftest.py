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


@pytest.fixture(scope="session", autouse=True)
def _warm_torch():
    from learna.design import warm_up

    warm_up()
