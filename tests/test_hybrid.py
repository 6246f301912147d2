import pytest
import torch

from conftest import SMALL_TARGETS
from learna.design import design
from learna.folding import fold_structure
from learna.hybrid import policy_prior
from learna.presets import META_LEARNA_PAPER, DesignerConfig, HybridConfig
from learna.search import BASES, PAIRS
from learna.structure import Target


def test_policy_prior_maps_actions_to_bases_and_pairs():
    target = Target("((..))")
    # steps: site 0 '(' , site 1 '(', site 2 '.', site 3 '.'
    probs = torch.tensor([[1.0, 0, 0, 0], [0, 0, 0, 1.0], [0, 1.0, 0, 0], [0, 0, 0.5, 0.5]])
    prior = policy_prior(target, torch.log(probs.clamp_min(1e-30)))
    assert prior.pair_probs[0, PAIRS.index("GC")] == pytest.approx(1.0)
    assert prior.pair_probs[1, PAIRS.index("UA")] == pytest.approx(1.0)
    assert prior.pair_probs[0, PAIRS.index("GU")] == pytest.approx(0.0)
    assert prior.unpaired_probs[2, BASES.index("A")] == pytest.approx(1.0)  # action 1 = A
    assert prior.unpaired_probs[3, BASES.index("U")] == pytest.approx(0.5)  # action 2 = U
    assert prior.unpaired_probs[3, BASES.index("C")] == pytest.approx(0.5)  # action 3 = C


@pytest.mark.parametrize("structure", SMALL_TARGETS)
def test_hybrid_solves_small_targets_verified_by_an_independent_fold(structure, checkpoint):
    result = design(Target(structure), mode="hybrid", time_limit=20, seed=0, checkpoint=checkpoint)
    assert result.solved and result.mode == "hybrid"
    assert fold_structure(result.sequence) == structure == result.folded


@pytest.mark.parametrize("use_policy", [True, False])
def test_hybrid_same_seed_same_design(use_policy, checkpoint):
    config = DesignerConfig(**{**META_LEARNA_PAPER.__dict__, "hybrid": HybridConfig(use_policy=use_policy)})
    target = Target("((((((....)))..(((....))))))..((((...))))")
    runs = [design(target, config, mode="hybrid", time_limit=20, seed=3, checkpoint=checkpoint) for _ in range(2)]
    assert runs[0].sequence == runs[1].sequence and runs[0].episodes == runs[1].episodes
