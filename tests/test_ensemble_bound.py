"""Children dropped before their fold by a lower bound of the partition function (``bound_structures``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from learna.errors import ConfigError
from learna.folding import seed_sampling
from learna.presets import PRESETS
from learna.search import Evaluator, MoveSet, SearchConfig, local_search
from learna.structure import Target

TARGET = Target("..(((((.((....(((..(((((.(((.......))))))))((((...))))..((.......)).).)).....)))))))..")
"""A generated hard target of 86 nt (``hard8700001-27`` of docs/results/search-hard/lottery-48.tsv)."""


def _parent_and_children(objective: str) -> tuple[Evaluator, object, list[str]]:
    """An evaluator, a parent with drawn structures (the best of a short search) and 300 of its children."""
    config = SearchConfig(objective=objective, bound_structures=40)
    found = local_search(TARGET, config, max_evaluations=60, rng=np.random.default_rng(5))
    evaluator = Evaluator(TARGET, objective, bound_structures=40)
    seed_sampling(3)
    parent = evaluator.evaluate(found.sequence, threshold=10.0)  # a full frontier that it enters: it draws
    assert parent.complete and 10 < len(parent.rivals) <= 40
    moves, rng = MoveSet(TARGET, config), np.random.default_rng(6)
    children = {moves.mutate(parent.sequence, np.ones(len(TARGET)), rng) for _ in range(300)}
    return evaluator, parent, sorted(children - {parent.sequence})


@pytest.mark.parametrize("objective", ["probability", "log_probability"])
def test_a_child_is_excluded_only_when_it_could_neither_enter_nor_solve(objective: str) -> None:
    evaluator, parent, children = _parent_and_children(objective)
    structures = evaluator.bound_set(parent)
    threshold = parent.objective  # a frontier that the parent just enters
    excluded = 0
    for child in children:
        known = evaluator.known_energies(child, structures)
        truth = evaluator.evaluate(child)  # MFE fold and partition function, no bound
        assert known.target_energy == truth.target_energy
        # the bound never exceeds the objective: no threshold above it excludes the child
        assert not evaluator.excluded(child, known, truth.objective + 1e-4)
        if evaluator.excluded(child, known, threshold):
            excluded += 1
            assert truth.objective >= threshold and not truth.solved
        # with the known energies, the partition function is skipped only where the child cannot enter
        bounded = evaluator.evaluate(child, truth.objective + 1e-4, known=known)
        assert bounded.complete and bounded.objective == truth.objective
    assert 0 < excluded < len(children)


def test_the_search_takes_the_same_steps_with_fewer_folds() -> None:
    config = dataclasses.replace(PRESETS["hybrid"].hybrid.search, require_unique=True, bound_structures=0)
    plain = local_search(TARGET, config, max_evaluations=600, rng=np.random.default_rng(3))
    bounded = [local_search(TARGET, dataclasses.replace(config, bound_structures=40), max_evaluations=600,
                            rng=np.random.default_rng(3)) for _ in range(2)]
    assert plain.solved and plain.unique_mfe and plain.excluded == 0
    for result in bounded:
        assert (result.sequence, result.steps) == (plain.sequence, plain.steps)
        assert result.excluded > 0 and result.evaluations + result.excluded == plain.evaluations
    assert bounded[0].excluded == bounded[1].excluded  # the same seed, the same draws


def test_the_bound_needs_a_bounded_objective_and_a_valid_count() -> None:
    assert Evaluator(TARGET, "mfe_distance", bound_structures=40).bound_structures == 0
    assert Evaluator(TARGET, "log_probability", ensemble_weight=0.7, bound_structures=40).bound_structures == 0
    assert Evaluator(TARGET, "probability", bound_structures=40).bound_structures == 40
    with pytest.raises(ConfigError, match="bound_structures"):
        SearchConfig(bound_structures=-1)
