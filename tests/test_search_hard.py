"""Tests of the search-hard additions: region moves, pair prior and GU placement, rival pool and repair,
tie ranking, multi-level decomposition, the restart portfolio and the solve / unique times."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learna.constraints import IUPAC, DesignConstraints
from learna.data import load_dataset
from learna.errors import ConfigError, ConstraintError
from learna.folding import fold, mfe_structures, structure_energies
from learna.alphabet import PAIRS
from learna.presets import preset
from learna.search import MoveSet, SearchConfig, local_search, refine
from learna.search.decompose import Part, enclosing_part, enclosing_span, split_points
from learna.search.informed import InformedProposer, Rival
from learna.search.moves import CROSSOVER_REACH
from learna.search.objectives import Candidate, Evaluator
from learna.structure import Target, pair_table

CODES = "ACGURYSWKMBDHVN" + "N" * 15  # mostly unconstrained sites


def _balanced(symbols: list[str]) -> str:
    out, stack = list(symbols), []
    for i, symbol in enumerate(symbols):
        if symbol == "(":
            stack.append(i)
        elif symbol == ")":
            if stack:
                stack.pop()
            else:
                out[i] = "."
    for i in stack:
        out[i] = "."
    return "".join(out)


structures = st.lists(st.sampled_from("((..))"), min_size=2, max_size=60).map(_balanced)


def _constrained(structure: str, seed: int, constrain: bool) -> Target:
    """``structure`` with (when ``constrain``) a random IUPAC constraint that has no contradiction."""
    if not constrain:
        return Target(structure)
    rng = np.random.default_rng(seed)
    for _ in range(200):
        codes = "".join(rng.choice(list(CODES), size=len(structure)))
        try:
            return Target(structure, constraints=DesignConstraints(codes))
        except ConstraintError:
            continue
    return Target(structure)


def _valid(sequence: str, target: Target) -> bool:
    complementary = all(sequence[i] + sequence[j] in PAIRS for i, j in target.pairs)
    code = target.constraints.sequence
    follows = code is None or all(b in IUPAC[c] for b, c in zip(sequence, code))
    return complementary and follows


HARD_MOVES = SearchConfig(pair_weights=(16.0, 16.0, 9.0, 9.0, 2.0, 2.0), gu_ends_only=True, region_probability=1.0,
                          region_samples=12, rival_pool=4, max_mutations=3)


@settings(max_examples=50, deadline=None)
@given(dot_bracket=structures, seed=st.integers(0, 2**32 - 1), constrain=st.booleans())
def test_region_moves_keep_pairs_complementary_and_follow_the_constraint(dot_bracket: str, seed: int,
                                                                         constrain: bool) -> None:
    target = _constrained(dot_bracket, seed, constrain)
    rng = np.random.default_rng(seed)
    moves = MoveSet(target, HARD_MOVES)
    sequence = moves.initial(rng)
    assert _valid(sequence, target)
    for _ in range(10):
        site = int(rng.integers(len(target)))
        region = moves.region(site)
        assert region and len(region) <= MoveSet.MAX_REGION
        assert all(target.partners[u] < 0 or target.partners[u] > u for u in region)  # pairs by opening site
        children, log_q, positions = moves.region_variants(sequence, site, rng, 12)
        assert len(children) == len(log_q) and sequence not in children
        for child in children:
            assert _valid(child, target)
            assert all(a == b or k in positions for k, (a, b) in enumerate(zip(sequence, child)))
        if children:
            sequence = children[int(rng.integers(len(children)))]


def test_mismatch_moves_redraw_a_pair_with_the_sites_facing_each_other_across_it() -> None:
    target = Target("..((((....))..))..")
    moves = MoveSet(target, SearchConfig(mismatch_probability=1.0))
    rng = np.random.default_rng(0)
    # pairs (2, 15) (3, 14) (4, 11) (5, 10); the 2-nt bulge 12-13 lies beside (4, 11) and (3, 14)
    assert moves.mismatches[5] == moves.mismatches[6] == ((5, 6, 9),)  # the hairpin's first mismatch
    assert moves.mismatches[4] == moves.mismatches[12] == ((4, 12),)  # stacked inside, the bulge outside
    assert moves.mismatches[3] == moves.mismatches[13] == ((3, 13),)  # the bulge inside, stacked outside
    assert moves.mismatches[2] == moves.mismatches[1] == moves.mismatches[16] == ((2, 1, 16),)  # the dangles
    assert moves.mismatches[0] == moves.mismatches[7] == ()  # beside no pair
    sequence = "AAGGGGAAAACCAACCAA"
    children, log_q, positions = moves.variants(sequence, 5, rng)
    assert sorted(positions) == [5, 6, 9, 10] and len(children) == 6 * 4 * 4 - 1 == len(set(children))
    assert all(child[5] + child[10] in PAIRS for child in children)
    assert SearchConfig().mismatch_probability == 0.0
    with pytest.raises(ConfigError):
        SearchConfig(mismatch_probability=2.0)


def test_hairpin_moves_redraw_every_base_of_a_small_hairpin_loop() -> None:
    target = Target("..((((....))..((...))))..")  # pairs (2, 22) (3, 21) (4, 11) (5, 10) (14, 20) (15, 19)
    moves = MoveSet(target, SearchConfig(objective="probability", hairpin_probability=1.0))
    rng = np.random.default_rng(0)
    assert all(moves.hairpins[k] == (6, 7, 8, 9) for k in (5, 6, 9, 10))  # loop sites and the closing pair
    assert all(moves.hairpins[k] == (16, 17, 18) for k in (15, 17, 19))
    assert moves.hairpins[4] == moves.hairpins[12] == moves.hairpins[14] == ()  # not the loop of a hairpin
    sequence = "AAGGGGAAAACCAAGGAAACCCCAA"
    children, _, positions = moves.variants(sequence, 10, rng)
    assert positions == [6, 7, 8, 9] and len(set(children)) == len(children) == 4**4 - 1
    assert {child[6:10] for child in children} | {"AAAA"} == {"".join(p) for p in itertools.product("ACGU", repeat=4)}
    assert all(child[:6] + child[10:] == sequence[:6] + sequence[10:] for child in children)
    long_loop = SearchConfig(objective="probability", hairpin_probability=1.0)
    assert len(MoveSet(Target("((((.....))))"), long_loop).hairpins[6]) == 0  # > 4 nt
    assert SearchConfig().hairpin_probability == 0.0
    with pytest.raises(ConfigError):
        SearchConfig(hairpin_probability=-0.1)


def test_hairpin_moves_only_under_an_ensemble_objective() -> None:
    """With the MFE distance (long targets and their parts in the preset) no move re-draws a whole loop."""
    target = Target("..((((....))..((...))))..")  # hairpin loops 6-9 and 16-18
    sequence, rng = "AAGGGGAAAACCAAGGAAACCCCAA", np.random.default_rng(0)
    for objective, whole in (("probability", True), ("log_probability", True), ("mfe_distance", False)):
        moves = MoveSet(target, SearchConfig(objective=objective, hairpin_probability=1.0))
        sizes = {len(moves.variants(sequence, site, rng)[2]) for site in (6, 7, 8, 9) for _ in range(5)}
        assert (sizes == {4}) if whole else (max(sizes) <= 4 and len(moves.variants(sequence, 7, rng)[0]) < 4**4 - 1)
    short = SearchConfig(hairpin_probability=1.0, short_objective="probability", short_length=30)
    assert MoveSet(target, short.for_length(len(target))).hairpin_probability == 1.0
    assert MoveSet(target, short.for_length(200)).hairpin_probability == 0.0


def test_lone_pair_moves_redraw_a_lone_pair_with_its_four_neighbours() -> None:
    # pairs (0, 20) (1, 19) (2, 18) (3, 17) (5, 15) (6, 13) (7, 12) (23, 38) (25, 36) ... (28, 33):
    # (5, 15) is a lone pair between a 1x1 loop and a 1-nt bulge, (23, 38) one closing a 1x1 loop at the end
    target = Target("((((.(((....)).).))))..(.((((....)))).)")
    moves = MoveSet(target, SearchConfig(lone_pair_probability=1.0))
    assert all(moves.lone_pairs[k] == (5, 4, 6, 14, 16) for k in (4, 5, 14, 15, 16))  # pair 6 of (6, 13)
    assert all(moves.lone_pairs[k] == (23, 22, 24, 37) for k in (22, 23, 24, 37, 38))  # site 39 lies outside
    assert all(moves.lone_pairs[k] == () for k in (0, 3, 6, 8, 13, 21, 25, 29))  # stacked pairs, other loops
    sequence, rng = "GGGGAGGGAAAACCACCACCCCAAGAGGGGAAAACCCCAC", np.random.default_rng(0)
    children, _, positions = moves.variants(sequence, 15, rng)
    assert sorted(positions) == [4, 5, 6, 13, 14, 15, 16]
    assert len(children) == len(set(children)) == 6 * 4 * 6 * 4 * 4 - 1  # MAX_JOINT_VARIANTS, all of them
    assert all(child[5] + child[15] in PAIRS and child[6] + child[13] in PAIRS for child in children)
    assert {child[4] + child[14] + child[16] for child in children} == {"".join(p) for p in
                                                                        itertools.product("ACGU", repeat=3)}
    # a lone pair with four neighbouring pairs (a multiloop without linkers) keeps only as many as fit
    crowded = MoveSet(Target("(((...)))(((...))((...)))(((...)))"), SearchConfig(lone_pair_probability=1.0))
    assert crowded.lone_pairs[24] == (9, 0, 10, 17)  # 6^4 = 1,296 variants; the pair opened at 25 left out
    assert MoveSet(target, SearchConfig()).lone_pairs[5] == ()  # off by default
    with pytest.raises(ConfigError):
        SearchConfig(lone_pair_probability=1.5)


def test_lone_pair_moves_in_every_search() -> None:
    """Every objective takes lone-pair moves (short targets' searches by 1 - P(target) in the preset too, since
    moves are scored from the Turner tables); with the setting at 0 a move at a lone pair re-draws its unit alone."""
    target = Target("((((.(((....)).).))))..(.((((....)))).)")
    sequence, rng = "GGGGAGGGAAAACCACCACCCCAAGAGGGGAAAACCCCAC", np.random.default_rng(0)
    for objective in ("probability", "ensemble_defect", "mfe_distance"):
        for probability in (0.0, 1.0):
            moves = MoveSet(target, SearchConfig(objective=objective, lone_pair_probability=probability))
            positions = moves.variants(sequence, 15, rng)[2]
            assert (sorted(positions) == [4, 5, 6, 13, 14, 15, 16]) if probability else len(positions) <= 4
            assert any(moves.lone_pairs) == bool(probability)
    search = preset("hybrid").hybrid.search
    assert search.for_length(len(target)).objective == "probability" and search.lone_pair_probability > 0
    assert any(MoveSet(target, search.for_length(len(target))).lone_pairs)
    assert any(MoveSet(target, search.for_length(300)).lone_pairs)


def test_interior_moves_redraw_a_small_interior_loop_whole() -> None:
    # pairs (0, 21) ... (3, 18) | 1x1 loop | (5, 16) ... (8, 13); a 1-nt bulge: (40, 50) | (41, 48) ...;
    # a 2x2 loop closed by (59, 76) around (62, 73); a 5x1 loop (too large): (83, 102) around (89, 100)
    target = Target("((((.((((....)))).))))..............(((((((....)).)))))"
                    "...((..((((....))))..))....((.....((((....)))).))")
    moves = MoveSet(target, SearchConfig(interior_probability=1.0))
    assert target.partners[3] == 18 and target.partners[5] == 16
    assert all(moves.interiors[k] == (3,) for k in (3, 4, 5, 16, 17, 18))  # the loop's sites and both pairs
    assert all(moves.interiors[k] == () for k in (0, 2, 6, 10, 20, 25))  # stacks, a hairpin, the exterior loop
    assert all(moves.interiors[k] == (40,) for k in (40, 41, 48, 49, 50))  # the bulge
    assert moves.interiors[86] == moves.interiors[89] == ()  # 6 unpaired bases: more than INTERIOR_MOVE_MAX
    sequence, rng = target.dot_bracket.replace("(", "G").replace(")", "C").replace(".", "A"), np.random.default_rng(0)
    children, _, positions = moves.variants(sequence, 17, rng)
    assert sorted(positions) == [3, 4, 5, 16, 17, 18]
    assert len(children) == len(set(children)) == 6 * 6 * 4 * 4 - 1
    assert all(child[3] + child[18] in PAIRS and child[5] + child[16] in PAIRS for child in children)
    assert {child[4] + child[17] for child in children} == {"".join(p) for p in itertools.product("ACGU", repeat=2)}
    # a 2x2 loop's 9,216 combinations exceed the cap: the pair of the move's site is kept, the other one is not
    for site, pair in ((59, 59), (73, 62), (60, None)):
        for _ in range(4):
            children, _, positions = moves.variants(sequence, site, rng)
            kept = {k for k in (59, 62) if k in positions}
            assert len(kept) == 1 and (pair is None or kept == {pair})
            assert len(children) == 6 * 4**4 - 1 and {60, 61, 74, 75} <= set(positions)
    assert MoveSet(target, SearchConfig()).interiors[4] == ()  # off by default
    for objective, whole in (("probability", False), ("mfe_distance", True)):  # as lone-pair moves
        assert bool(MoveSet(target, SearchConfig(objective=objective, interior_probability=1.0)).interiors[4]) == whole
    with pytest.raises(ConfigError):
        SearchConfig(interior_probability=-0.1)


@settings(max_examples=50, deadline=None)
@given(dot_bracket=structures, seed=st.integers(0, 2**32 - 1), constrain=st.booleans())
def test_mismatch_hairpin_lone_pair_and_interior_moves_keep_pairs_complementary_and_follow_the_constraint(
        dot_bracket: str, seed: int, constrain: bool) -> None:
    target = _constrained(dot_bracket, seed, constrain)
    rng = np.random.default_rng(seed)
    # hairpin moves fire under an ensemble objective only, lone-pair and interior moves under the MFE distance only
    config = SearchConfig(objective=("probability", "mfe_distance")[seed % 2], mismatch_probability=1.0,
                          hairpin_probability=0.5, lone_pair_probability=0.5, interior_probability=0.5)
    moves = MoveSet(target, config)
    proposer = InformedProposer(target, moves, config, Evaluator(target, "mfe_distance").model)
    sequence = moves.initial(rng)
    for _ in range(5):
        site = int(rng.integers(len(target)))
        children, _, positions = moves.variants(sequence, site, rng)
        for child in children + [moves.mutate(sequence, np.ones(len(target)), rng)]:
            assert _valid(child, target)
        assert all(a == b or k in positions for child in children for k, (a, b) in enumerate(zip(sequence, child)))
        child = proposer.propose(sequence, np.ones(len(target)), fold(sequence)[0], set(), rng)
        sequence = child if child is not None else sequence
        assert _valid(sequence, target)


@settings(max_examples=40, deadline=None)
@given(dot_bracket=structures, seed=st.integers(0, 2**32 - 1), constrain=st.booleans())
def test_informed_repair_and_pool_keep_pairs_complementary(dot_bracket: str, seed: int, constrain: bool) -> None:
    target = _constrained(dot_bracket, seed, constrain)
    rng = np.random.default_rng(seed)
    moves = MoveSet(target, HARD_MOVES)
    proposer = InformedProposer(target, moves, HARD_MOVES, Evaluator(target, "mfe_distance").model)
    sequence = moves.initial(rng)
    partners = np.asarray(target.partners)
    rival = Rival(fold(sequence)[0], partners)
    proposer.pool = [rival] if rival.structure != target.dot_bracket else []
    child = proposer.propose(sequence, np.ones(len(target)), rival.structure, set(), rng)
    repaired = proposer.repair(child or sequence, proposer.pool, 4, set(), rng)
    for candidate in filter(None, (child, repaired)):
        assert _valid(candidate, target)


@settings(max_examples=40, deadline=None)
@given(dot_bracket=structures, seed=st.integers(0, 2**32 - 1))
def test_gu_only_at_helix_ends(dot_bracket: str, seed: int) -> None:
    target = Target(dot_bracket)
    rng = np.random.default_rng(seed)
    moves = MoveSet(target, SearchConfig(gu_ends_only=True, max_mutations=4))
    sequence = moves.initial(rng)
    for _ in range(30):
        sequence = moves.mutate(sequence, np.ones(len(target)), rng)
        site = int(rng.integers(len(target)))
        variants = moves.variants(sequence, site, rng)[0] + moves.region_variants(sequence, site, rng, 8)[0]
        for candidate in [sequence] + variants:
            for a, b in target.pairs:
                if candidate[a] + candidate[b] in ("GU", "UG"):
                    assert len(moves.stacked[a]) == 1, (target.dot_bracket, a)


def test_pair_weights_shape_the_proposal() -> None:
    target = Target("((((....))))")
    moves = MoveSet(target, SearchConfig(pair_weights=(1.0, 0.0, 0.0, 0.0, 0.0, 0.0)))
    assert moves.pair_probs[0].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    with pytest.raises(ConfigError):
        SearchConfig(pair_weights=(1.0, 2.0))


def test_region_of_a_lone_pair_holds_its_bulges_and_neighbours() -> None:
    target = Target("(((.(((....))).)))")
    moves = MoveSet(target, SearchConfig())
    # the pair (4, 13) sits between a bulge (3) and the loop closed by it; its region holds the closing pairs
    # of both loops and the bulge base
    region = moves.region(4)
    assert 4 in region and 2 in region and 5 in region and 3 in region
    assert moves.region(3)[0] == 3


def test_rival_margin_and_locality() -> None:
    target = Target("((((....))))....")
    partners = np.asarray(target.partners)
    rival = Rival("(((......)))....", partners)
    assert rival.differs.tolist() == [3, 8]
    assert rival.near.tolist() == [i in range(1, 11) for i in range(16)]
    assert rival.on(np.array([[0] * 16])) == ["." * 16]  # A–A cannot pair: every rival pair opened
    moves = MoveSet(target, SearchConfig())
    proposer = InformedProposer(target, moves, SearchConfig(), Evaluator(target, "mfe_distance").model)
    sequence = "GGGGAAAACCCCAAAA"
    margin, worst, edited = proposer.margin(sequence, [rival])
    assert worst is rival and edited == rival.structure
    rival_energy, target_energy = structure_energies(sequence, [rival.structure, target.dot_bracket])
    assert margin == pytest.approx(rival_energy - target_energy)


def test_search_result_reports_solve_and_unique_times() -> None:
    target = Target("((((((....))))))..((((....))))")
    result = local_search(target, SearchConfig(), time_limit=10.0, rng=np.random.default_rng(0))
    assert result.solved and result.first_solution == result.sequence
    assert 0 <= result.time_to_solve_s <= result.time_s
    assert (result.time_to_unique_s is not None) == bool(result.unique_mfe)


DEGENERATE = "UACUUAUUCCUUGCAUCGGACGAG"  # two MFE structures; fold returns the first below


@pytest.mark.parametrize("rank_ties,distance_ties", [(False, "energy_gap"), (True, "energy_gap"),
                                                     (False, "probability")])
def test_tied_solution_stays_the_answer_and_its_time_is_reported(rank_ties: bool, distance_ties: str) -> None:
    target = Target(fold(DEGENERATE)[0])
    config = SearchConfig(require_unique=True, rank_ties=rank_ties, rival_pool=4, distance_ties=distance_ties)
    result = refine(DEGENERATE, target, config, max_evaluations=40, rng=np.random.default_rng(0))
    assert result.time_to_solve_s is not None and result.first_solution == DEGENERATE
    assert result.solved and result.unique_mfe  # seed 0 climbs from the tie to a unique MFE within 40 folds
    assert mfe_structures(result.sequence) == [target.dot_bracket] and result.sequence != DEGENERATE
    assert 0 <= result.time_to_solve_s <= result.time_to_unique_s <= result.time_s


def test_rank_tie_scores_a_tied_solution_below_every_unsolved_candidate() -> None:
    target = Target(fold(DEGENERATE)[0])
    evaluator = Evaluator(target, "mfe_distance", window=2)
    candidate = evaluator.evaluate(DEGENERATE)
    assert candidate.solved and not evaluator.is_unique(candidate)
    ranked = evaluator.rank_tie(candidate)
    assert 0 <= ranked.objective < 1 / len(target) and 0 < ranked.probability < 1
    rival = evaluator.ties(candidate)[0]
    differs = np.asarray(pair_table(rival)) != np.asarray(target.partners)
    assert np.all(ranked.defect[differs] == 1.0)


def test_rank_tie_reuses_the_probability_the_evaluation_computed() -> None:
    target = Target(fold(DEGENERATE)[0])
    gap_order = Evaluator(target, "mfe_distance", window=2)
    tied = gap_order.evaluate(DEGENERATE)
    gap_order.is_unique(tied)
    expected = gap_order.rank_tie(tied)
    evaluator = Evaluator(target, "mfe_distance", window=2, distance_ties="probability")
    candidate = evaluator.evaluate(DEGENERATE)
    assert evaluator.partition_functions == 1 and not evaluator.is_unique(candidate)
    ranked = evaluator.rank_tie(candidate)
    assert evaluator.partition_functions == 1  # P(target) of the evaluation, not a second partition function
    assert ranked.objective == pytest.approx(expected.objective) and ranked.probability == pytest.approx(
        expected.probability) and np.array_equal(ranked.defect, expected.defect)


@pytest.mark.parametrize("config", [
    SearchConfig(max_part=40, min_part=10, part_levels=2, share_repeats=True),
    SearchConfig(portfolio=3, stagnation_steps=20, region_probability=0.3, rival_pool=6, screen_attempts=4,
                 screen_min_length=10, pair_weights=(16.0, 16.0, 9.0, 9.0, 2.0, 2.0), gu_ends_only=True),
])
def test_hard_settings_solve_a_long_target(config: SearchConfig) -> None:
    target = Target("((((((" + "..((((((....))))))...(((((.....)))))..((.(....).))" * 3 + "...))))))")
    result = local_search(target, config, time_limit=30.0, rng=np.random.default_rng(1))
    assert result.solved and fold(result.sequence)[0] == target.dot_bracket
    assert all(result.sequence[i] + result.sequence[j] in PAIRS for i, j in target.pairs)


def test_portfolio_restarts_cycle_through_variants_and_are_deterministic() -> None:
    config = SearchConfig(portfolio=3, stagnation_steps=5)
    assert config.variant(0) == config and config.variant(3) == config
    assert config.variant(1).initialisation == "gc_a_boost" and config.variant(2).max_mutations >= 8
    target = Target("((((.((....)).((....)).))))..((((...(.....)...))))")
    runs = [local_search(target, config, max_evaluations=80, rng=np.random.default_rng(2)) for _ in range(2)]
    assert runs[0].sequence == runs[1].sequence and runs[0].restarts == runs[1].restarts


@settings(max_examples=40, deadline=None)
@given(dot_bracket=structures, seed=st.integers(0, 2**32 - 1), constrain=st.booleans())
def test_kicked_starts_keep_pairs_complementary_and_change_few_units(dot_bracket: str, seed: int,
                                                                     constrain: bool) -> None:
    import sys

    module = sys.modules["learna.search.local_search"]
    target = _constrained(dot_bracket, seed, constrain)
    config = SearchConfig(kick_probability=1.0, kick_sites=3, num_starts=4)
    rng = np.random.default_rng(seed)
    moves = MoveSet(target, config)
    evaluator = Evaluator(target, "mfe_distance", window=0)
    search = module._Search(target, config, rng, evaluator.model, moves, module._Budget(lambda: 0.0, None, 10),
                            None, None)
    best = evaluator.evaluate(moves.initial(rng))
    starts = search.kicked_starts(best)
    assert len(starts) == min(config.num_starts, config.frontier_size)
    for start in starts:
        assert _valid(start, target)
        # a kicked site re-draws its unit and at most one stacked or closing pair
        changed = {min(k, target.partners[k]) if target.partners[k] >= 0 else k
                   for k, (a, b) in enumerate(zip(best.sequence, start)) if a != b}
        assert len(changed) <= 2 * config.kick_sites


def test_kick_restarts_are_deterministic_and_off_by_default() -> None:
    assert SearchConfig().kick_probability == 0.0
    with pytest.raises(ConfigError):
        SearchConfig(kick_probability=1.5)
    with pytest.raises(ConfigError):
        SearchConfig(kick_sites=0)
    target = Target("((((.((....)).((....)).))))..((((...(.....)...))))")
    config = SearchConfig(kick_probability=1.0, kick_sites=4, stagnation_steps=5)

    def trajectory(config: SearchConfig) -> tuple[list[str], int]:
        seen: list[str] = []
        result = local_search(target, config, max_evaluations=120, rng=np.random.default_rng(3),
                              on_evaluation=lambda c: seen.append(c.sequence))
        return seen, result.restarts

    kicked, again, plain = trajectory(config), trajectory(config), trajectory(replace(config, kick_probability=0.0))
    assert kicked == again and kicked[1] > 0
    # the same draws up to the first restart, other starts after it
    assert kicked[0] != plain[0] and kicked[0][:5] == plain[0][:5]


def test_kicks_start_from_the_best_so_far() -> None:
    import sys

    module = sys.modules["learna.search.local_search"]
    target = Target("((((.((....)).((....)).))))..((((...(.....)...))))")
    config = SearchConfig(kick_probability=1.0, kick_sites=2, num_starts=3)
    rng = np.random.default_rng(5)
    moves = MoveSet(target, config)
    search = module._Search(target, config, rng, Evaluator(target, "mfe_distance").model, moves,
                            module._Budget(lambda: 0.0, None, 100), None, None)
    search.seed(search.rule_based_starts())
    best = search.best
    assert search.restart()
    kicked = [c.sequence for c in search.frontier.members]
    # every new start is the best with a few units re-drawn (a kicked site: at most 2 units of 2 sites), not a
    # fresh rule-based start
    assert kicked and all(sum(a != b for a, b in zip(best.sequence, k)) <= 4 * config.kick_sites for k in kicked)


def test_free_site_share_caps_the_moves_that_land_where_the_fold_is_right() -> None:
    from learna.search.moves import site_weights

    defect = np.zeros(300)
    defect[100:104], defect[[98, 99, 104, 105]] = 1.0, 0.5  # four mismatched sites and their window
    config = SearchConfig(position_temperature=0.3)
    plain = site_weights(defect, config)
    assert np.allclose(plain, np.exp(defect / 0.3)) and plain[defect == 0].sum() / plain.sum() > 0.6
    for share in (0.0, 0.1, 0.5):
        weights = site_weights(defect, replace(config, free_site_share=share))
        assert weights[defect == 0].sum() / weights.sum() == pytest.approx(share)
        assert np.allclose(weights[defect > 0], plain[defect > 0])  # the defective sites keep their weights
    # no cap needed (the free sites weigh less already) or possible (no defect anywhere): unchanged
    assert np.allclose(site_weights(defect, replace(config, free_site_share=0.9)), plain)
    assert np.allclose(site_weights(np.zeros(50), replace(config, free_site_share=0.0)), np.ones(50))
    with pytest.raises(ConfigError):
        SearchConfig(free_site_share=1.5)
    # a search with the cap still solves, and the same seed gives the same result
    target = Target("((((((" + "..((((((....))))))...(((((.....)))))..((.(....).))" * 3 + "...))))))")
    capped = replace(SearchConfig(), free_site_share=0.05, max_part=0)
    runs = [local_search(target, capped, max_evaluations=3000, rng=np.random.default_rng(4)) for _ in range(2)]
    assert runs[0].solved and fold(runs[0].sequence)[0] == target.dot_bracket
    assert runs[0].sequence == runs[1].sequence


def test_short_parts_search_the_parts_with_the_short_objective() -> None:
    target = Target("((((((" + "..((((((....))))))...(((((.....)))))..((.(....).))" * 3 + "...))))))")
    config = SearchConfig(max_part=60, min_part=10, part_evaluations=30, short_objective="probability",
                          short_length=150, short_parts=True)
    assert SearchConfig().short_parts is False and config.for_length(len(target)).objective == "mfe_distance"

    def run(config: SearchConfig):
        return local_search(target, config, max_evaluations=150, rng=np.random.default_rng(3))

    # the whole target is searched by MFE distance (folds only); its parts by 1 - P(target) with short_parts
    assert run(replace(config, short_parts=False)).partition_functions == 0
    parts, again = run(config), run(config)
    assert parts.partition_functions > 0 and parts.sequence == again.sequence
    assert all(parts.sequence[i] + parts.sequence[j] in PAIRS for i, j in target.pairs)


def _run_recording_restarts(target: Target, config: SearchConfig, *, seed: int, evaluations: int,
                            on_evaluation: Callable[[int, Candidate], None] | None = None):
    """Search ``target`` from rule-based starts for ``evaluations`` evaluations (``on_evaluation(step,
    candidate)`` called for each); the finished search and the (step, evaluations so far) of every restart."""
    import sys

    module = sys.modules["learna.search.local_search"]
    search = module._Search(target, config, np.random.default_rng(seed), Evaluator(target, config.objective).model,
                            MoveSet(target, config), module._Budget(lambda: 0.0, None, evaluations), None,
                            None if on_evaluation is None else lambda c: on_evaluation(search.steps, c))
    restarts: list[tuple[int, int]] = []
    restart = search.restart
    search.restart = lambda: restarts.append((search.steps, search.evaluator.evaluations)) or restart()
    search.seed(search.rule_based_starts())
    search.run()
    return search, restarts


def test_luby_restarts_cut_runs_that_still_improve_and_spare_decomposed_targets() -> None:
    import sys

    module = sys.modules["learna.search.local_search"]
    assert [module.luby(k) for k in range(1, 16)] == [1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8]
    assert SearchConfig().restart_base == 0
    with pytest.raises(ConfigError):
        SearchConfig(restart_base=-1)
    target = Target("((((((....)))))).(.....).")  # a lone pair closing a hairpin never forms: never solved

    def restart_steps(config: SearchConfig) -> tuple[list[int], str]:
        search, restarts = _run_recording_restarts(target, config, seed=5, evaluations=300)
        assert search.steps > 200 and search.solution is None
        return [step for step, _ in restarts], search.result().sequence

    config = SearchConfig(objective="probability", stagnation_steps=10**6, restart_base=7)
    at, sequence = restart_steps(config)
    runs = np.cumsum([7 * module.luby(k) for k in range(1, 30)])
    assert at == [int(s) for s in runs[: len(at)]] and len(at) >= 8  # restarted at the ends of the Luby runs
    assert restart_steps(config) == (at, sequence)  # deterministic for its seed
    assert restart_steps(replace(config, restart_base=0))[0] == []
    # a decomposed target (longer than max_part) restarts on stagnation only: its restarts are costly
    assert restart_steps(replace(config, max_part=20, min_part=5, part_evaluations=5))[0] == []


def test_restarts_of_a_decomposed_target_design_its_parts_anew() -> None:
    # the lone pair closing a hairpin in the exterior loop never forms (the open chain has less energy), so the
    # search stagnates and restarts until its budget ends
    target = Target("((((((" + "..((((((....))))))...(((((.....)))))..." * 3 + "...)))))).(.....).")
    config = SearchConfig(max_part=40, min_part=10, part_evaluations=5, stagnation_steps=3, restart_parts=True)
    parts = split_points(target, config.max_part, config.min_part)
    assert SearchConfig().restart_parts is False and len(parts) == 6

    def run(config: SearchConfig) -> tuple[list[str], int, int]:
        whole: list[str] = []
        result = local_search(target, config, max_evaluations=300, rng=np.random.default_rng(7),
                              on_evaluation=lambda candidate: whole.append(candidate.sequence))
        assert not result.solved
        assert all(result.sequence[i] + result.sequence[j] in PAIRS for i, j in target.pairs)
        return whole, result.evaluations - len(whole), result.restarts

    anew, again, plain = run(config), run(config), run(replace(config, restart_parts=False))
    assert anew == again  # deterministic for its seed
    # the parts are searched once (at most part_evaluations folds each) without restart_parts, again at every
    # restart of the whole target with it
    assert plain[1] <= len(parts) * config.part_evaluations < anew[1] and anew[2] > 0
    assert anew[0][0] == plain[0][0]  # the same first start


def test_enclosing_part_is_the_smallest_substructure_both_structures_close() -> None:
    target = pair_table("((((..((((....))))..((((....))))..))))")
    assert enclosing_part(target, target, 10, 12, 38) == Part(6, 17)  # the first hairpin's helix
    assert enclosing_part(target, target, 10, 13, 38) == Part(3, 34)  # too short: the one around it
    assert enclosing_part(target, target, 10, 13, 30) is None  # that one is too long
    assert enclosing_part(target, target, 19, 4, 38) == Part(3, 34)  # between the hairpins
    folded = pair_table("((((..((((....))))..(((......)))..))))")  # the second hairpin's inner pair open
    assert enclosing_part(target, folded, 24, 4, 38) == Part(22, 29)
    assert enclosing_part(target, pair_table("." * 38), 24, 4, 38) is None


def test_enclosing_span_is_the_smallest_substructure_holding_the_sites() -> None:
    target = pair_table("((((..((((....))))..((((....))))..))))")
    assert enclosing_span(target, 10, 10, 12, 38) == Part(6, 17)
    assert enclosing_span(target, 6, 17, 12, 38) == Part(6, 17)  # closed by the pair of its ends
    assert enclosing_span(target, 10, 24, 4, 38) == Part(3, 34)  # sites in both hairpins
    assert enclosing_span(target, 10, 24, 4, 30) is None  # too long
    assert enclosing_span(target, 0, 37, 4, 38) == Part(0, 37)
    assert enclosing_span(target, 19, 19, 4, 38) == Part(3, 34)
    assert enclosing_span(pair_table("..((....))..(((...)))"), 1, 1, 2, 21) is None  # the exterior loop


def test_part_screen_drops_a_child_that_breaks_its_substructure() -> None:
    import learna.search.local_search  # noqa: F401  (the module, not the function of the same name)
    import sys

    module = sys.modules["learna.search.local_search"]
    hairpins = "((((((....))))))...(((((.....)))))"
    target = Target("((((" + ("..((((((" + hairpins + ".))))))") * 3 + "..))))")  # three 49-nt parts
    config = SearchConfig(max_part=60, min_part=10, part_screen=True)
    search = module._Search(target, config, np.random.default_rng(0), Evaluator(target, "mfe_distance").model,
                            MoveSet(target, config), module._Budget(lambda: 0.0, None, 100), None, None)
    assert search.part_screen and not module._Search(
        Target(hairpins), config, np.random.default_rng(0), search.model, MoveSet(Target(hairpins), config),
        module._Budget(lambda: 0.0, None, 100), None, None).part_screen  # not decomposed: no screen
    sequence = MoveSet(target, config).initial(np.random.default_rng(1))
    parent = search.evaluator.evaluate(sequence)
    assert parent.distance == 0
    assert enclosing_span(target.partners, 6, 6, 10, 60) == Part(6, 52)  # the first part
    weak = list(sequence)
    for k in range(6, 12):  # its outer helix unable to pair: it no longer forms alone
        weak[k] = weak[target.partners[k]] = "A"
    weak = "".join(weak)
    assert fold(weak[6:53])[0] != target.dot_bracket[6:53]
    assert not search.part_holds(weak, parent) and search.part_folds[1] == 1
    calm = sequence[:46] + ("A" if sequence[46] != "A" else "C") + sequence[47:]  # the part's bulge
    assert search.part_holds(calm, parent)
    tail = sequence[:-5] + ("A" if sequence[-5] != "A" else "C") + sequence[-4:]  # outside every part
    folds = search.part_folds[0]
    assert search.part_holds(tail, parent) and search.part_folds[0] == folds
    unscreened = module._Search(target, replace(config, part_screen=False), np.random.default_rng(0),
                                search.model, MoveSet(target, config), module._Budget(lambda: 0.0, None, 100),
                                None, None)
    assert unscreened.part_holds(weak, parent)


def test_focused_child_changes_only_a_substructure_closed_by_both_structures() -> None:
    import learna.search.local_search  # noqa: F401  (the module, not the function of the same name)
    import sys

    module = sys.modules["learna.search.local_search"]
    target = Target("((((((" + "..((((((....))))))...(((((.....)))))..((.(....).))" * 3 + "...))))))")
    config = SearchConfig(max_part=60, min_part=10, focus_probability=1.0, focus_min_length=10, rival_pool=4)
    evaluator = Evaluator(target, "mfe_distance")
    rng = np.random.default_rng(0)
    moves = MoveSet(target, config)
    search = module._Search(target, config, rng, evaluator.model, moves, module._Budget(lambda: 0.0, None, 500),
                            None, None)
    focused = 0
    for _ in range(20):
        parent = evaluator.evaluate(moves.mutate(moves.initial(rng), np.ones(len(target)), rng))
        region = search.focus_region(parent) if parent.distance else None
        if region is None:
            continue
        folded = pair_table(parent.folded)
        assert target.partners[region.start] == region.end == folded[region.start]
        child = search.focus(parent)
        if child is not None and child != parent.sequence:  # changed only inside a substructure closed by a pair of both structures
            focused += 1
            assert _valid(child, target)
            changed = [k for k, (a, b) in enumerate(zip(child, parent.sequence)) if a != b]
            assert any(i <= changed[0] and changed[-1] <= j and folded[i] == j for i, j in target.pairs)
    assert focused >= 3


def test_run_stagnation_counts_steps_from_the_best_of_the_current_run() -> None:
    assert SearchConfig().run_stagnation is False
    target = Target("((((((....)))))).(.....).")  # a lone pair closing a hairpin never forms: never solved

    def run(config: SearchConfig) -> tuple[list[tuple[int, int]], list[tuple[int, float | None]]]:
        log: list[tuple[int, float | None]] = []  # (step, objective) of every evaluated candidate
        search, at = _run_recording_restarts(  # at: (step, candidates evaluated before it) of every restart
            target, config, seed=5, evaluations=600,
            on_evaluation=lambda step, c: log.append((step, c.objective if c.complete else None)))
        assert search.solution is None and search.steps > 500 and search.evaluator.evaluations == len(log)
        return at, log

    def expected_gaps(at, log, per_run: bool) -> list[int]:
        """Steps from the last improvement to each restart, improvements judged as the mode says."""
        best, last, done, gaps = math.inf, 0, 0, []
        for step, index in at:
            for s, objective in log[done:index]:
                if objective is not None and objective < best:
                    best, last = objective, s
            gaps.append(step - last)
            done, last = index, step
            if per_run:
                best = math.inf
        return gaps

    stagnation = 20
    for per_run in (False, True):
        config = SearchConfig(objective="probability", stagnation_steps=stagnation, run_stagnation=per_run)
        at, log = run(config)
        assert len(at) >= 3 and expected_gaps(at, log, per_run) == [stagnation] * len(at)
        assert run(config) == (at, log)  # deterministic for its seed
        if per_run:
            # judged by the best of all runs, the same search would have restarted later runs sooner
            assert expected_gaps(at, log, per_run=False) != [stagnation] * len(at)


def test_tie_floor_proves_eterna_72_can_only_tie_and_catches_a_missing_site():
    """Eterna100-V2 id 72 closes a multiloop with a lone pair whose 7 × 7 interior loop can at best tie with the
    structure without it (scripts/tie_floor.py: the margin over every base at the sites both loops read)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tie_floor.py"
    spec = importlib.util.spec_from_file_location("tie_floor", path)
    tie_floor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tie_floor)
    target = "..((((((((.......(.((((((....)))))).(((((((....))))))).).......)))))))).."
    rival = "..((((((((.........((((((....)))))).(((((((....))))))).........)))))))).."
    assert next(t for t in load_dataset("eterna100-v2") if t.id == "72").dot_bracket == target
    base = tie_floor.neutral_sequence(target)
    rng = np.random.default_rng(0)
    sites = [9, 10, 16, 17, 18, 54, 55, 56, 62, 63]
    best, sequences = tie_floor.margins(base, target, rival, sites)
    assert best == 0.0 and sequences
    for sequence in sequences[:3]:
        energy_target, energy_rival = structure_energies(sequence, (target, rival))
        assert energy_target == pytest.approx(energy_rival)
    assert tie_floor.redraw_check(sequences[:2], target, rival, sites, 20, rng)
    without_dangles = [9, 10, 16, 17, 55, 56, 62, 63]  # the multiloop's dangles on the lone pair left out
    best, sequences = tie_floor.margins(base, target, rival, without_dangles)
    assert not tie_floor.redraw_check(sequences[:2], target, rival, without_dangles, 20, rng)


@settings(max_examples=50, deadline=None)
@given(dot_bracket=structures, seed=st.integers(0, 2**32 - 1), constrain=st.booleans())
def test_crossovers_keep_pairs_complementary_follow_the_constraint_and_take_one_window(
        dot_bracket: str, seed: int, constrain: bool) -> None:
    target = _constrained(dot_bracket, seed, constrain)
    rng = np.random.default_rng(seed)
    moves, partners, width = MoveSet(target, SearchConfig()), target.partners, 2 * CROSSOVER_REACH + 1
    for _ in range(5):
        parent, donor = moves.initial(rng), moves.mutate(moves.initial(rng), np.ones(len(target)), rng)
        child = moves.crossover(parent, donor, np.ones(len(target)), rng)
        assert _valid(child, target)
        taken = [k for k in range(len(target)) if child[k] != parent[k]]
        assert all(child[k] == donor[k] for k in taken)
        # every site taken lies in one window of at most 2·CROSSOVER_REACH + 1 sites, or is paired with one in it
        assert any(all(lo <= k < lo + width or lo <= partners[k] < lo + width for k in taken)
                   for lo in range(max(1, len(target) - width + 1)))


def test_crossover_is_off_by_default_and_a_search_with_it_is_reproducible() -> None:
    target = Target("((((((...((((....))))...((((....))))..))))))....((((((....))))))")
    assert SearchConfig().crossover_probability == 0.0
    config = SearchConfig(objective="probability", crossover_probability=0.5, frontier_size=6, require_unique=True)
    runs = [local_search(target, config, max_evaluations=300, rng=np.random.default_rng(4)) for _ in range(2)]
    assert (runs[0].sequence, runs[0].steps) == (runs[1].sequence, runs[1].steps)
    assert runs[0].solved and fold(runs[0].sequence)[0] == target.dot_bracket
    with pytest.raises(ConfigError, match="crossover_probability"):
        SearchConfig(crossover_probability=1.5)


def test_a_child_that_opens_a_new_rival_is_repaired_and_folded_once_more() -> None:
    import sys

    module = sys.modules["learna.search.local_search"]
    assert SearchConfig().follow_up_moves == 0
    for name in ("follow_up_moves", "follow_up_distance"):
        with pytest.raises(ConfigError, match=name):
            SearchConfig(**{name: -1})
    target = Target("((((.((....)).((....)).))))..((((...(.....)...))))")
    config = SearchConfig(objective="probability", follow_up_moves=8, follow_up_distance=len(target))
    rng = np.random.default_rng(4)
    moves = MoveSet(target, config)

    def search_with(config: SearchConfig):
        return module._Search(target, config, rng, Evaluator(target, "mfe_distance").model, moves,
                              module._Budget(lambda: 0.0, None, 10_000), None, None)

    assert not search_with(replace(config, objective="mfe_distance")).follows_up  # never by the MFE distance
    search = search_with(config)
    assert search.follows_up
    search.seed(search.rule_based_starts())
    parent = search.frontier.best
    # children of the parent until one makes the target more stable but folds further from it
    for _ in range(2000):
        child = search.consider(moves.mutate(parent.sequence, np.ones(len(target)), rng))
        if child.target_energy < parent.target_energy and child.distance > parent.distance:
            break
    else:
        pytest.fail("no child opened a new rival")
    closer = next(c for c in (search.consider(moves.mutate(parent.sequence, np.ones(len(target)), rng))
                              for _ in range(2000)) if c.distance <= parent.distance)
    before = search.evaluator.evaluations
    assert search.follow_up(closer, parent) is None  # no new rival: nothing more is folded
    search.config = replace(config, follow_up_distance=parent.distance - 1)
    assert search.follow_up(child, parent) is None  # the parent is too far from the target
    assert search.evaluator.evaluations == before and search.followed == 0
    search.config = config
    followed = search.follow_up(child, parent)
    assert search.evaluator.evaluations == before + 1 and search.followed == 1
    repaired = followed.sequence
    assert repaired != child.sequence and _valid(repaired, target)
    assert followed.folded == fold(repaired)[0]
    # the repair raised the margin of the target over the rival the child folded into
    rivals = [Rival(child.folded, search.evaluator.partners)]
    assert search.proposer.margin(repaired, rivals)[0] > search.proposer.margin(child.sequence, rivals)[0]


def test_a_search_by_the_mfe_distance_never_follows_up_and_draws_what_it_drew_without() -> None:
    # a stalled generated target (docs/results/search-hard/lottery-48.tsv, hard8700001-5)
    target = Target("...((.(((....)))((((((((....))((......))((....))((.....))))))))))......................")
    runs = [local_search(target, SearchConfig(objective="mfe_distance", follow_up_moves=moves), max_evaluations=300,
                         rng=np.random.default_rng(5)) for moves in (0, 8)]
    assert runs[1].followed == 0
    assert (runs[0].sequence, runs[0].evaluations, runs[0].steps) == (runs[1].sequence, runs[1].evaluations,
                                                                       runs[1].steps)
    by_probability = local_search(target, SearchConfig(objective="probability", follow_up_moves=8),
                                  max_evaluations=300, rng=np.random.default_rng(5))
    assert by_probability.followed > 0 and by_probability.evaluations == 300
