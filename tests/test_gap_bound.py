"""Children dropped before their fold by their parent's MFE structure (``gap_bound``: the energy-gap order of
the search by the MFE distance)."""

from __future__ import annotations

import dataclasses

import numpy as np

from learna.presets import PRESETS
from learna.search import Evaluator, MoveSet, SearchConfig, local_search
from learna.structure import Target

TARGET = Target("...((.(((....)))((((((((....))((......))((....))((.....))))))))))......................")
"""A generated hard target of 87 nt (``hard8700001-5`` of docs/results/search-hard/lottery-48.tsv): the search by
the MFE distance stalls on it at distance 2."""

CONFIG = dataclasses.replace(PRESETS["hybrid"].hybrid.search, require_unique=True, short_length=0, gap_bound=False)
"""The preset's search of a long target (by the MFE distance, energy gap on ties) on the short ``TARGET``, without
the bound."""


def test_a_child_is_excluded_only_when_it_could_neither_enter_nor_solve() -> None:
    found = local_search(TARGET, CONFIG, max_evaluations=700, rng=np.random.default_rng(0))
    evaluator = Evaluator(TARGET, "mfe_distance", window=CONFIG.defect_window, gap_bound=True)
    parent = evaluator.evaluate(found.sequence)
    assert parent.distance == 2 and parent.folded != TARGET.dot_bracket
    structures = evaluator.bound_set(parent)
    assert structures.structures.structures == (parent.folded,)
    moves, rng = MoveSet(TARGET, CONFIG), np.random.default_rng(6)
    children = sorted({moves.mutate(parent.sequence, np.ones(len(TARGET)), rng) for _ in range(300)}
                      - {parent.sequence})
    threshold = parent.objective  # a frontier of parents like this one: its worst member is at distance 2
    excluded = 0
    for child in children:
        known = evaluator.known_energies(child, structures)
        truth = evaluator.evaluate(child)
        assert known.target_energy == truth.target_energy
        # the bound never exceeds the objective: a threshold just above the child's own never excludes it
        assert not evaluator.excluded(child, known, np.nextafter(truth.objective, np.inf))
        if evaluator.excluded(child, known, threshold):
            excluded += 1
            assert truth.objective >= threshold and not truth.solved and truth.distance >= 2
    assert 0 < excluded < len(children)


def test_the_search_takes_the_same_steps_with_fewer_folds() -> None:
    bounded = local_search(TARGET, dataclasses.replace(CONFIG, gap_bound=True), max_evaluations=700,
                           rng=np.random.default_rng(0))
    plain = local_search(TARGET, CONFIG, max_evaluations=bounded.evaluations + bounded.excluded,
                         rng=np.random.default_rng(0))
    assert plain.excluded == 0 and bounded.excluded > 0 and not bounded.solved
    assert (bounded.sequence, bounded.steps, bounded.distance) == (plain.sequence, plain.steps, plain.distance)


def test_the_gap_bound_needs_the_energy_gap_order() -> None:
    assert Evaluator(TARGET, "mfe_distance", gap_bound=True).gap_bound
    assert not Evaluator(TARGET, "mfe_distance", distance_ties="probability", gap_bound=True).gap_bound
    assert not Evaluator(TARGET, "probability", gap_bound=True).gap_bound
    assert not SearchConfig().gap_bound and PRESETS["hybrid"].hybrid.search.gap_bound
