import pytest
import torch

import learna
from conftest import SMALL_TARGETS
from learna.alphabet import BASES, PAIRS
from learna.designers.hybrid import policy_prior
from learna.folding import fold_structure
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


def test_policy_prior_with_wobble_actions_includes_gu_pairs():
    target = Target("(.)")
    probs = torch.tensor([[0.1, 0.1, 0.1, 0.1, 0.4, 0.2], [0.25, 0.25, 0.25, 0.25, 0.0, 0.0]])
    prior = policy_prior(target, torch.log(probs), wobble=True)
    assert prior.pair_probs[0, PAIRS.index("GU")] == pytest.approx(0.4)
    assert prior.pair_probs[0, PAIRS.index("UG")] == pytest.approx(0.2)


@pytest.mark.parametrize("structure", SMALL_TARGETS)
def test_hybrid_solves_small_targets_verified_by_an_independent_fold(structure, checkpoint):
    result = learna.design(structure, mode="hybrid", time_limit=20, seed=0, checkpoint=checkpoint,
                           config={"hybrid": {"use_policy": True}})
    assert result.solved and result.mode == "hybrid" and result.stats["policy"]
    assert fold_structure(result.sequence) == structure == result.folded


@pytest.mark.parametrize("use_policy", [True, False])
def test_hybrid_same_seed_same_design_and_the_policy_switch_is_honoured(use_policy, checkpoint):
    target = "((((((....)))..(((....))))))..((((...))))"
    runs = [learna.design(target, mode="hybrid", time_limit=20, seed=3, checkpoint=checkpoint if use_policy else None,
                          config={"hybrid": {"use_policy": use_policy}}) for _ in range(2)]
    assert runs[0].sequence == runs[1].sequence and runs[0].stats["evaluations"] == runs[1].stats["evaluations"]
    assert runs[0].stats["policy"] is use_policy


def test_hybrid_reports_progress(checkpoint):
    seen = []
    result = learna.design("..(((.)))..", time_limit=1.2, seed=0, progress=seen.append)
    assert not result.solved and len(seen) >= 1  # impossible (hairpin of one): it runs to the limit
    assert all(s.id == "target" and s.folds >= 1 and s.best_sequence for s in seen)
