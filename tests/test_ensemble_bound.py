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
    # the exact bound alone: the estimate screen (on in the preset) changes the trajectory by design, and so does
    # the follow-up, which repairs a folded child that an excluded one never becomes
    config = dataclasses.replace(PRESETS["hybrid"].hybrid.search, require_unique=True, bound_structures=0,
                                 estimate_screen=0.0, follow_up_moves=0)
    plain = local_search(TARGET, config, max_evaluations=600, rng=np.random.default_rng(7))
    bounded = [local_search(TARGET, dataclasses.replace(config, bound_structures=40), max_evaluations=600,
                            rng=np.random.default_rng(7)) for _ in range(2)]
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


# --- The estimate of a child's partition function from its parent's draws (``estimate_screen``) ---------------


def test_the_estimate_is_exact_for_the_parent_itself_and_never_below_the_bound() -> None:
    evaluator, parent, children = _parent_and_children("probability")
    evaluator.estimate_screen = 1.0
    bound = evaluator.bound_set(parent)
    assert bound.offsets is not None and len(bound.offsets) == len(bound.structures.structures)
    # no site changed: every ratio is 1, so the estimate is ln Z of the parent (from ViennaRNA's partition function)
    own = evaluator.known_energies(parent.sequence, bound)
    log_z = -parent.target_energy / evaluator.kt - np.log(parent.probability)
    assert abs(own.log_z_estimate - log_z) < 1e-6
    for child in children:
        known = evaluator.known_energies(child, bound)
        assert known.log_z_estimate >= known.log_z


def test_the_estimate_drops_only_children_that_cannot_solve_and_mostly_ones_that_could_not_enter() -> None:
    evaluator, parent, children = _parent_and_children("probability")
    bound_only = evaluator.bound_set(parent)
    evaluator.estimate_screen = 1.0
    bound = evaluator.bound_set(parent)
    threshold = 0.9  # a frontier whose worst member has P(target) 0.1: the bound lets more children through
    by_bound = by_estimate = could_enter = 0
    for child in children:
        truth = evaluator.evaluate(child)
        if evaluator.excluded(child, evaluator.known_energies(child, bound_only), threshold):
            by_bound += 1
            continue
        known = evaluator.known_energies(child, bound)
        if evaluator.excluded(child, known, threshold):
            by_estimate += 1
            assert not truth.solved
            could_enter += truth.objective < threshold
    assert evaluator.estimate_exclusions == by_estimate
    # the estimate drops children the exact bound lets through, nearly all of which could not have entered
    assert by_bound > 0 and by_estimate > 0 and could_enter <= by_estimate // 4, (by_bound, by_estimate, could_enter)


def test_the_estimate_screen_is_reproducible_on_in_the_preset_and_validated() -> None:
    config = dataclasses.replace(PRESETS["hybrid"].hybrid.search, require_unique=True)
    assert config.estimate_screen == 1.0 and SearchConfig().estimate_screen == 0.0
    runs = [local_search(TARGET, config, max_evaluations=400, rng=np.random.default_rng(3)) for _ in range(2)]
    assert (runs[0].sequence, runs[0].steps, runs[0].excluded) == (runs[1].sequence, runs[1].steps, runs[1].excluded)
    assert Evaluator(TARGET, "probability", estimate_screen=1.0).estimate_screen == 0.0  # no draws, no estimate
    for bad in (-0.1, 1.5):
        with pytest.raises(ConfigError, match="estimate_screen"):
            SearchConfig(estimate_screen=bad)
