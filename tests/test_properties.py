"""Property tests (Hypothesis): the pair table, the config round trip, reachable GC contents against brute
force, and the JSON-lines repair."""

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from learna.alphabet import BASES, WATSON_CRICK
from learna.config import DesignerConfig, config_from_json
from learna.configio import from_dict, to_dict
from learna.constraints import IUPAC, DesignConstraints
from learna.fileio import append_jsonl, read_jsonl, repair_jsonl
from learna.presets import PRESETS
from learna.structure import Target, pair_table


@st.composite
def structures(draw, max_pairs: int = 12):
    """Random balanced dot-bracket strings (built from a random sequence of open, close and dot steps)."""
    out, depth = [], 0
    for step in draw(st.lists(st.sampled_from("(.)"), max_size=3 * max_pairs)):
        if step == ")" and depth == 0:
            step = "."
        depth += {"(": 1, ")": -1, ".": 0}[step]
        out.append(step)
    return "".join(out) + ")" * depth or "."


@settings(max_examples=300, derandomize=True)
@given(structures())
def test_the_pair_table_is_an_involution_that_matches_the_brackets(structure):
    table = pair_table(structure)
    for i, j in enumerate(table):
        if j < 0:
            assert structure[i] == "."
        else:
            assert table[j] == i and structure[min(i, j)] == "(" and structure[max(i, j)] == ")"
            inner = structure[min(i, j) + 1 : max(i, j)]
            assert inner.count("(") == inner.count(")")  # properly nested: balanced inside every pair
    assert sum(j > i for i, j in enumerate(table)) == structure.count("(")


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.sampled_from(sorted(PRESETS)), st.floats(1.0, 10.0), st.integers(0, 40), st.booleans(),
       st.sampled_from(["prefer", "require", "ignore"]), st.floats(0.0, 1.0))
def test_the_config_round_trips_through_json(mode, exponent, radius, wobble, uniqueness, mix):
    base = PRESETS[mode]
    overrides = {"env": {"reward_exponent": exponent, "wobble_actions": wobble, "state_radius": max(radius, 10)},
                 "hybrid": {"proposal_mix": mix}, "uniqueness": uniqueness}
    config = config_from_json(json.loads(json.dumps(overrides)), base, where="test")
    assert from_dict(DesignerConfig, json.loads(json.dumps(to_dict(config)))) == config
    assert (config.env.reward_exponent, config.env.wobble_actions, config.uniqueness) == (exponent, wobble, uniqueness)
    assert config.network == base.network and config.ppo == base.ppo


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.sampled_from(["((..))", "(.)(.)", "..((.)).", "((.)).((.))", "(((...)))", "(.).."]), st.data())
def test_reachable_gc_counts_equal_brute_force(structure, data):
    codes = data.draw(st.text(alphabet=sorted(IUPAC), min_size=len(structure), max_size=len(structure)))
    constraints = DesignConstraints(codes)
    partners = pair_table(structure)
    pairs = [(i, j) for i, j in enumerate(partners) if j > i]
    options = [IUPAC[c] for c in constraints.sequence]
    counts = set()
    for letters in itertools.product(*options):  # every sequence the constraint allows
        if all(letters[i] + letters[j] in WATSON_CRICK for i, j in pairs):
            counts.add(sum(b in "GC" for b in letters))
    reachable = constraints.reachable_gc_counts(partners)
    assert {c for c in range(len(structure) + 1) if reachable >> c & 1} == counts


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abc"), st.integers(-5, 5)), max_size=5), st.integers(0, 60))
def test_a_torn_tail_is_repaired_and_nothing_complete_is_lost(tmp_path_factory, values, cut):
    path = tmp_path_factory.mktemp("jsonl") / "log.jsonl"
    path.touch()
    for value in values:
        append_jsonl(path, value)
    whole = path.read_bytes()
    path.write_bytes(whole[: max(0, len(whole) - cut)])  # a crash somewhere in the last lines
    survivors = list(read_jsonl(path))
    repair_jsonl(path)
    append_jsonl(path, {"after": 1})
    again = list(read_jsonl(path))
    assert again[:-1] == survivors and again[-1] == {"after": 1}
    assert survivors == values[: len(survivors)]


def test_bases_and_targets_agree():
    assert "".join(sorted(BASES)) == "ACGU" and Target("((..))").pairs == ((0, 5), (1, 4))
