"""The hard target grammar (``learna data generate --kind hard``)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from learna.data import GenerationSpec, generate_targets
from learna.data.motifs import hard_structure
from learna.structure import Target


@settings(max_examples=80, deadline=None)
@given(length=st.integers(7, 420), seed=st.integers(0, 2**32 - 1))
def test_hard_structures_have_the_exact_length_and_are_valid(length: int, seed: int) -> None:
    structure = hard_structure(length, np.random.default_rng(seed))
    assert len(structure) == length
    target = Target(structure)
    partners = target.partners
    for i, j in target.pairs:  # hairpins: a lone pair closes 4-6 unpaired sites at most, triloops >= 2 pairs
        if all(partners[k] < 0 for k in range(i + 1, j)):
            loop = j - i - 1
            stacked = partners[i + 1] == j - 1 or (i > 0 and partners[i - 1] == j + 1)
            assert loop >= 3
            if not stacked:
                assert 4 <= loop <= 6


def test_hard_generation_is_reproducible_and_has_the_hard_features() -> None:
    spec = GenerationSpec(count=30, min_length=150, max_length=400, seed=3, kind="hard")
    targets = generate_targets(spec)
    assert [t.dot_bracket for t in targets] == [t.dot_bracket for t in generate_targets(spec)]
    assert all(t.id.startswith("hard3-") and 150 <= len(t) <= 400 for t in targets)
    text = "".join(t.dot_bracket for t in targets)
    assert "(.(" in text or ").)" in text  # lone pairs / 1-nt bulges
    assert "))((" in text  # multiloop branches without linkers
