"""The array evaluator of structure energies (learna.search.turner) against ViennaRNA's own evaluation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import RNA

import learna.search.informed as informed
from learna.alphabet import PAIRS, base_codes
from learna.folding import DEFAULT_MODEL, FoldingModel, fold, structure_energies
from learna.presets import PRESETS
from learna.search import MoveSet, local_search
from learna.search.informed import InformedProposer
from learna.search.turner import SPLIT_ROWS, TurnerModel, turner_model
from learna.structure import Target, pair_table


def turner() -> TurnerModel:
    model = turner_model(DEFAULT_MODEL)
    assert model is not None
    return model


def redrawn(structure: str, rng: np.random.Generator, count: int) -> list[str]:
    """``count`` random sequences that can form every pair of ``structure`` (any of the six pairs)."""
    partners = pair_table(structure)
    sequences = []
    for _ in range(count):
        bases = list(rng.choice(list("ACGU"), len(structure)))
        for i, j in enumerate(partners):
            if j > i:
                bases[i], bases[j] = PAIRS[int(rng.integers(len(PAIRS)))]
        sequences.append("".join(bases))
    return sequences


def assert_equal_to_viennarna(structure: str, sequences: list[str]) -> None:
    values = turner().energies(structure, base_codes(sequences))
    assert values is not None
    expected = [structure_energies(sequence, (structure,))[0] for sequence in sequences]
    assert values.tolist() == expected  # exactly: the same single-precision values ViennaRNA returns


def test_energies_equal_viennarna_on_folded_and_suboptimal_structures() -> None:
    rng = np.random.default_rng(2026)
    for _ in range(40):
        length = int(rng.integers(12, 220))
        sequence = "".join(rng.choice(list("ACGU"), length))
        suboptimal = [s.structure for s in RNA.fold_compound(sequence).subopt(200)]
        for structure in {fold(sequence)[0], suboptimal[int(rng.integers(len(suboptimal)))]}:
            assert_equal_to_viennarna(structure, [sequence] + redrawn(structure, rng, 4))


@pytest.mark.parametrize("structure", [
    "((((....))))",                                       # a tetraloop candidate
    "(((...)))",                                          # a triloop
    "((((......))))",                                     # a hexaloop candidate
    "((((" + "." * 40 + "))))",                           # a hairpin beyond 30 nt
    "((((.((((....)))).))))",                             # 1 x 1
    "((((.((((....))))..))))", "((((..((((....)))).))))",  # 1 x 2, 2 x 1
    "((((..((((....))))..))))", "((((..((((....))))...))))",  # 2 x 2, 2 x 3
    "((((.((((....)))).....))))",                         # 1 x 5
    "((((" + "." * 20 + "((((....))))" + "." * 25 + "))))",  # an interior loop beyond 30 nt
    "((((((((....))))" + "." * 35 + "))))",               # a bulge beyond 30 nt
    "((((.((((....))))))))", "((((...((((....))))))))",   # bulges of 1 and 3 nt
    "..((((....))((....)).((...))))...((...))",  # a multiloop with 0- and 1-nt linkers, dangling ends
])
def test_every_kind_of_loop_equals_viennarna(structure: str) -> None:
    rng = np.random.default_rng(len(structure))
    sequences = redrawn(structure, rng, 300)
    sequences += ["GGGCUUCGGCCC", "GGGCAACGGCCC"] if structure == "((((....))))" else []
    sequences += ["GGCAACGCC"] if structure == "(((...)))" else []
    sequences += ["GGGACAGUACUCCC"] if structure == "((((......))))" else []
    assert_equal_to_viennarna(structure, sequences)


def test_special_hairpins_replace_the_loop_energy() -> None:
    """CUUCGG is a listed tetraloop: its energy differs from the same loop scored by its mismatch."""
    listed, plain = turner().energies("((((....))))", base_codes(["GGGCUUCGGCCC", "GGGCUUAGGCCC"]))
    assert listed == structure_energies("GGGCUUCGGCCC", ("((((....))))",))[0]
    assert listed != plain


def test_a_pair_that_cannot_form_gives_none() -> None:
    assert turner().energies("((((....))))", base_codes(["GGGGAAAACCCC", "GGGAAAAACCCC"])) is None
    assert turner().energies("....", base_codes(["ACGU"])).tolist() == [0.0]


def test_only_viennarna_default_model_is_evaluated_by_arrays() -> None:
    assert turner_model(DEFAULT_MODEL) is not None
    assert turner_model(FoldingModel(dangles=0)) is None
    assert turner_model(FoldingModel(temperature=25.0)) is None


def test_parameters_are_viennarna_own() -> None:
    """The tables parsed from ViennaRNA's parameter file agree with those its Python binding exposes."""
    exposed, parsed = RNA.param(RNA.md()), turner().p
    assert np.array_equal(np.array(exposed.stack)[1:7, 1:7], parsed.stack[1:7, 1:7])
    assert np.array_equal(np.array(exposed.dangle5)[1:7, 1:], parsed.dangle5[1:7, 1:])
    assert np.array_equal(np.array(exposed.dangle3)[1:7, 1:], parsed.dangle3[1:7, 1:])
    assert np.array_equal(np.array(exposed.hairpin)[3:], parsed.hairpin[3:])
    assert np.array_equal(np.array(exposed.bulge)[1:], parsed.bulge[1:])
    assert (exposed.TerminalAU, exposed.MLclosing, exposed.ninio[2]) == (parsed.terminal_au, parsed.ml_closing,
                                                                         parsed.ninio)


def test_informed_moves_score_as_with_one_fold_compound_per_variant(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scores, and so the search's trajectory, are those of ViennaRNA's own evaluation."""
    target = Target("((((((...((((....))))..(((....)))...))))))....((((.....))))")
    config = PRESETS["hybrid"].hybrid.search
    rng = np.random.default_rng(5)
    sequence = MoveSet(target, config).initial(rng)
    competitor = fold(sequence)[0]
    proposer = InformedProposer(target, MoveSet(target, config), config, DEFAULT_MODEL)
    children, _, positions = proposer.moves.variants(sequence, 9, rng)
    arrays = proposer.scores(children, positions, competitor)
    monkeypatch.setattr(informed, "turner_model", lambda model: None)
    vienna = proposer.scores(children, positions, competitor)
    assert np.array_equal(arrays[0], vienna[0]) and np.array_equal(arrays[2], vienna[2])
    assert arrays[1] == vienna[1]


def test_search_trajectory_is_unchanged_by_array_scoring(monkeypatch: pytest.MonkeyPatch) -> None:
    target = Target("((((((.((((....))))..((((....)))).((((....)))).))))))...((((((....))))))")
    config = dataclasses.replace(PRESETS["hybrid"].hybrid.search, require_unique=True)
    runs = []
    for use_arrays in (True, False):
        if not use_arrays:
            monkeypatch.setattr(informed, "turner_model", lambda model: None)
        result = local_search(target, config, max_evaluations=150, rng=np.random.default_rng(11))
        runs.append((result.sequence, result.evaluations))
    assert runs[0] == runs[1]


def test_a_structure_set_gives_each_structure_energy_on_one_sequence() -> None:
    """Several structures compiled together (special hairpins included) give, on one sequence, what each gives
    alone and what ViennaRNA gives; a structure with a pair the sequence cannot form gives +inf."""
    rng = np.random.default_rng(7)
    checked = unformable = 0
    for _ in range(30):
        length = int(rng.integers(20, 160))
        sequence = "".join(rng.choice(list("ACGU"), length))
        suboptimal = sorted({s.structure for s in RNA.fold_compound(sequence).subopt(300)})[:25]
        structures = suboptimal + (["((((....))))" + "." * (length - 12)] if length >= 12 else [])
        mutant = redrawn("." * length, rng, 1)[0][:3] + sequence[3:]  # the first three bases re-drawn
        values = turner().set_energies(turner().structure_set(structures), base_codes(mutant))
        for structure, value in zip(structures, values):
            alone = turner().energies(structure, base_codes([mutant]))
            if alone is None:
                assert value == np.inf
                unformable += 1
            else:
                assert value == alone[0] == structure_energies(mutant, (structure,))[0]
            checked += 1
    assert checked > 300 and 0 < unformable < checked


def test_structure_sets_compile_each_structure_once_and_leave_the_moves_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sets of related parents share most structures: each is compiled once (apart from the structures the
    moves score), and a set built from the cache gives the same energies as a fresh one."""
    model = TurnerModel(turner().p)
    compiled: list[int] = []
    original = model._compile
    monkeypatch.setattr(model, "_compile", lambda plan, n: compiled.append(n) or original(plan, n))
    rng = np.random.default_rng(3)
    sequence = "".join(rng.choice(list("ACGU"), 90))
    structures = sorted({s.structure for s in RNA.fold_compound(sequence).subopt(300)})[:30]
    first = model.structure_set(structures)
    again = model.structure_set(structures[::-1])  # the same structures, reordered: all from the cache
    assert len(compiled) == len(structures) and model._terms == {}
    codes = base_codes(sequence)
    np.testing.assert_array_equal(model.set_energies(again, codes), model.set_energies(first, codes)[::-1])
    assert list(model.set_energies(first, codes)) == structure_energies(sequence, structures)


def test_energies_over_a_move_positions_equal_energies_over_every_term() -> None:
    """Summing the terms away from a move's positions on one row only gives every variant's exact energy,
    special hairpins (re-drawn whole by a hairpin move) included, for the target and a rival alike."""
    rng = np.random.default_rng(31)
    config = dataclasses.replace(PRESETS["hybrid"].hybrid.search, objective="probability",
                                 hairpin_probability=0.5, lone_pair_probability=0.5)
    checked = split_moves = 0
    for _ in range(12):
        length = int(rng.integers(30, 150))
        sequence = "".join(rng.choice(list("ACGU"), length))
        structure = fold(sequence)[0]
        if "(" not in structure:
            continue
        target = Target(structure)
        moves = MoveSet(target, config)
        parent = moves.initial(rng)
        rival = fold(parent)[0]
        for site in rng.choice(length, 8, replace=False):
            children, _, positions = moves.variants(parent, int(site), rng)
            if len(children) < 2:
                continue
            codes = base_codes(children)
            for scored in (structure, rival):
                whole = turner().energies(scored, codes)
                split = turner().energies(scored, codes, positions)
                assert (whole is None and split is None) or np.array_equal(whole, split)
            checked += 1
            split_moves += len(children) >= SPLIT_ROWS  # below, energies() evaluates every term anyway
    assert checked > 40 and split_moves >= 10
