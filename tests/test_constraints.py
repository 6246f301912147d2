"""Design constraints: parsing, masks, masked sampling, GC in the reward and the search, every mode, the CLI."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from learna.agent import Learner, build_network
from learna.agent.config import NetworkConfig, PPOConfig
from learna.agent.rollout import make_batch, policy_distribution, sample_actions
from learna.alphabet import PAIRS, WATSON_CRICK
from learna.api import design
from learna.cli.main import cli
from learna.cli.options import collect_targets
from learna.constraints import IUPAC, DesignConstraints, parse_gc
from learna.data import read_targets, write_targets_tsv
from learna.env import EnvConfig, RnaDesignEnv
from learna.env.encoding import action_codes, action_mask, decode_actions
from learna.env.reward import evaluate_design, reward_of
from learna.errors import ConstraintError
from learna.folding import fold
from learna.harness.records import read_records
from learna.search import MoveSet, SearchConfig, local_search
from learna.structure import Target

PLAIN = EnvConfig(state_radius=2, mutation_threshold=0)

CODES = "ACGURYSWKMBDHVN"


def random_structure(rng: np.random.Generator, length: int) -> str:
    """A random balanced dot-bracket string (pairs may enclose nothing: only validity matters here)."""
    out, stack = [], []
    for i in range(length):
        remaining = length - i
        if stack and (remaining <= len(stack) or rng.random() < 0.3):
            stack.pop()
            out.append(")")
        elif remaining > len(stack) + 1 and rng.random() < 0.4:
            stack.append(i)
            out.append("(")
        else:
            out.append(".")
    return "".join(out)


def random_constrained_target(seed: int) -> Target:
    """A random small target with a random IUPAC constraint that has no contradiction (redrawn until valid)."""
    rng = np.random.default_rng(seed)
    structure = random_structure(rng, int(rng.integers(4, 31)))
    while True:
        codes = "".join(rng.choice(list(CODES), size=len(structure)))
        try:
            return Target(structure, constraints=DesignConstraints(codes))
        except ConstraintError:
            continue


def follows(sequence: str, constraint: str) -> bool:
    return len(sequence) == len(constraint) and all(b in IUPAC[c] for b, c in zip(sequence, constraint))


# -- parsing and checks -------------------------------------------------------------------------------------


def test_parsing_normalises_and_defaults():
    constraints = DesignConstraints("acgtn")
    assert constraints.sequence == "ACGUN" and constraints.gc is None and not DesignConstraints().active
    assert parse_gc("0.5:0.02") == (0.5, 0.02) and parse_gc("0.4") == (0.4, 0.05) and parse_gc(0.3) == (0.3, 0.05)
    assert DesignConstraints.from_fields(" ", "") == DesignConstraints()
    assert DesignConstraints.from_fields("NN", "0.5").to_json() == {"sequence": "NN", "gc": 0.5, "gc_tolerance": 0.05}


@pytest.mark.parametrize(("make", "message"), [
    (lambda: DesignConstraints("ACGXN"), "unknown code 'X' at position 4"),
    (lambda: DesignConstraints(""), "empty sequence constraint"),
    (lambda: DesignConstraints(gc=1.5), "GC content must lie in [0, 1]"),
    (lambda: DesignConstraints(gc=0.5, gc_tolerance=-0.1), "GC tolerance must lie in [0, 1]"),
    (lambda: parse_gc("half"), "CONTENT[:TOLERANCE]"),
    (lambda: parse_gc("0.5:0.1:2"), "CONTENT[:TOLERANCE]"),
    (lambda: Target("((....))", constraints=DesignConstraints("NNNN")), "has 4 characters but the target has 8"),
    (lambda: Target("((....))", constraints=DesignConstraints("AGNNNNGA")), "paired positions 1-8, 2-7"),
    (lambda: Target("((....))", constraints=DesignConstraints("GGNNNNCC", gc=0.1)), "from 0.500 to 1.000"),
    (lambda: Target("(())", constraints=DesignConstraints(gc=0.25, gc_tolerance=0.0)), "not every value"),
])
def test_contradictions_are_reported(make, message):
    with pytest.raises(ConstraintError) as error:
        make()
    assert message in str(error.value)


def test_gc_distance_and_reachable_counts():
    constraints = DesignConstraints(gc=0.5, gc_tolerance=0.05)
    assert constraints.gc_bounds(20) == (9, 11)  # 20 × 0.45 = 9.000000000000002 must not round up to 10
    assert constraints.gc_distance("GCGCGC" + "A" * 14) == 3 and constraints.gc_distance("GC" * 5 + "A" * 10) == 0
    assert constraints.gc_distance("G" * 20) == 9
    reachable = DesignConstraints("NNNNNY").reachable_gc_counts(Target("((.)).").partners)
    assert [c for c in range(7) if reachable >> c & 1] == [0, 1, 2, 3, 4, 5, 6]
    reachable = DesignConstraints("SNNN").reachable_gc_counts(Target("(())").partners)
    assert [c for c in range(5) if reachable >> c & 1] == [2, 4]


def test_masks_follow_the_documented_orders():
    target = Target("(.)", constraints=DesignConstraints("RYK"))
    assert DesignConstraints("RYK").allowed_bases(3).tolist() == [
        [True, False, True, False], [False, True, False, True], [False, False, True, True]]
    # pair (0, 2): A or G at the opening site, G or U at the closing site → of GC CG AU UA GU UG only AU and GU
    assert target.constraints.pair_mask(target.partners, WATSON_CRICK)[0].tolist() == [False, False, True, False]
    assert target.constraints.pair_mask(target.partners, PAIRS)[0].tolist() == [False, False, True, False, True, False]
    # the env's action order: pair actions GC CG AU UA, unpaired actions G A U C (site 1 is Y: C or U)
    assert action_mask(target, PLAIN).tolist() == [[False, False, True, False], [False, False, True, True]]
    _, opening, closing = action_codes(wobble=False)
    assert [chr(o) + chr(c) for o, c in zip(opening, closing)] == list(WATSON_CRICK)
    assert action_mask(Target("(.)"), PLAIN) is None


# -- masking never emits a forbidden base ------------------------------------------------------------------


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_masked_sampling_never_emits_a_forbidden_base(seed):
    target = random_constrained_target(seed)
    mask = action_mask(target, PLAIN)
    rng = np.random.default_rng(seed)
    logits = torch.as_tensor(rng.normal(0, 3, size=mask.shape))
    logits[:, 0] += torch.as_tensor(rng.choice([0.0, 1000.0], size=len(mask)))  # action 0 may take all the mass
    actions = sample_actions(torch.log_softmax(logits, -1), 20, rng, mask)  # the sampler itself masks
    assert mask[np.arange(mask.shape[0]), actions].all()
    for sequence in decode_actions(target, actions, PLAIN):
        assert follows(sequence, target.constraints.sequence)
        assert all(sequence[i] + sequence[j] in WATSON_CRICK for i, j in target.pairs)  # both partners allowed


def test_env_offers_and_accepts_only_allowed_actions():
    for seed in range(20):
        target = random_constrained_target(seed)
        env = RnaDesignEnv(EnvConfig(state_radius=2, mutation_threshold=0))
        _, info = env.reset(seed=seed, options={"target": target})
        done = False
        while not done:
            action = env.action_space.sample(mask=info["action_mask"])
            _, _, done, _, info = env.step(action)
        assert follows(info["written_sequence"], target.constraints.sequence)
    env.reset(options={"target": Target("(.)", constraints=DesignConstraints("GNC"))})
    with pytest.raises(ValueError, match="not allowed at site 1"):
        env.step(2)  # AU: A is not allowed at site 1


def test_search_moves_and_starts_respect_the_constraint():
    for seed in range(30):
        target = random_constrained_target(seed)
        rng = np.random.default_rng(seed)
        moves = MoveSet(target, SearchConfig(initialisation="gc_a_boost", max_mutations=4))
        sequence = moves.initial(rng)
        assert follows(sequence, target.constraints.sequence)
        for _ in range(20):
            sequence = moves.mutate(sequence, np.ones(len(target)), rng)
            assert follows(sequence, target.constraints.sequence)
            assert all(sequence[i] + sequence[j] in PAIRS for i, j in target.pairs)
        for site in range(len(target)):
            children, _, _ = moves.variants(sequence, site, rng)
            assert all(follows(child, target.constraints.sequence) for child in children)


def test_local_improvement_tries_only_allowed_bases():
    target = Target("((((....))))", constraints=DesignConstraints("NNNNAAAANNNR"))
    outcome = evaluate_design("GGGGAAAACCCA", target, EnvConfig(reward_exponent=2.0))  # last pair G-A broken
    assert follows(outcome.sequence, "NNNNAAAANNNR") and outcome.folds > 1


# -- GC in the reward ---------------------------------------------------------------------------------------


def test_gc_enters_the_reward_as_extra_distance():
    target = Target("((((....))))", constraints=DesignConstraints(gc=0.3, gc_tolerance=0.05))
    outcome = evaluate_design("GGGGAAAACCCC", target, EnvConfig(reward_exponent=2.0))
    # 8 of 12 G/C; the window 0.25..0.35 holds counts 3..4 → d_GC = 4
    assert outcome.distance == 0 and outcome.constraint_distance == 4 and not outcome.solved
    assert outcome.reward == pytest.approx(reward_of(4, 12, 2.0))


def test_masked_update_keeps_gradients_finite():
    network = build_network(NetworkConfig(embedding_size=2, conv_radii=(1,), conv_channels=(3,), lstm_layers=0), 5)
    learner = Learner(network, PPOConfig(entropy_coef=0.1, learning_rate=1e-2))
    obs = torch.zeros((3, 5), dtype=torch.int64)
    mask = torch.tensor([[True, False, False, False], [False, True, True, False], [True, True, True, True]])
    log_probs, values = policy_distribution(network, obs, mask)
    assert log_probs[0, 0] == 0.0 and torch.isinf(log_probs[~mask]).all()
    actions = sample_actions(log_probs, 4, np.random.default_rng(0), mask.numpy())
    batch = make_batch(obs, log_probs, values, actions, [1.0, 0.0, 0.5, 0.2], mask)
    stats = learner.update([batch], np.random.default_rng(0))
    assert all(np.isfinite(v) for v in stats.values())
    assert all(torch.isfinite(p).all() for p in network.parameters())


# -- every mode, end to end ---------------------------------------------------------------------------------

HAIRPINS = "((((((....))))))..((((....))))"
ALLOWED = "NNNNNNGAAANNNNNNNNYYNNNNUUCGNN"


@pytest.mark.parametrize("mode", ["learna", "meta-learna", "meta-learna-adapt", "hybrid"])
def test_constrained_design_is_solved_and_verified_by_an_independent_fold(mode, checkpoint):
    constraints = DesignConstraints(ALLOWED, gc=0.4, gc_tolerance=0.05)
    result = design(Target(HAIRPINS, constraints=constraints), mode=mode, time_limit=20, seed=0,
                    checkpoint=checkpoint if mode.startswith("meta") else None)
    assert result.time_to_solve_s is not None and result.time_to_solve_s <= result.time_s
    folded, _ = fold(result.sequence)
    gc = sum(b in "GC" for b in result.sequence) / len(HAIRPINS)
    assert result.solved and folded == HAIRPINS == result.folded
    assert follows(result.sequence, ALLOWED) and abs(gc - 0.4) <= 0.05 + 1e-9
    assert result.constraints_satisfied and result.gc_content == pytest.approx(gc)
    assert result.constraints == {"sequence": ALLOWED, "gc": 0.4, "gc_tolerance": 0.05}


@pytest.mark.parametrize("gc", [0.25, 0.7])
def test_search_meets_gc_targets(gc):
    target = Target("..((((((....))))))..((((....))))..", constraints=DesignConstraints(gc=gc, gc_tolerance=0.03))
    result = local_search(target, SearchConfig(), max_evaluations=2000, rng=np.random.default_rng(1))
    assert result.solved and result.constraint_distance == 0 and fold(result.sequence)[0] == target.dot_bracket
    assert abs(sum(b in "GC" for b in result.sequence) / len(target) - gc) <= 0.03 + 1e-9


# -- files and the CLI --------------------------------------------------------------------------------------


def test_target_files_carry_constraints(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("id\tdotbracket\tconstraint\tgc\na\t((....))\tSNNNNNNS\t0.5:0.1\nb\t((....))\t\t\n")
    a, b = read_targets(tsv)
    assert a.constraints == DesignConstraints("SNNNNNNS", 0.5, 0.1) and not b.constraints.active
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text('{"id": "x", "dotbracket": "((....))", "constraint": "nnnngaaa", "gc": 0.5, "gc_tolerance": 0.2}\n'
                     '{"dotbracket": "((...))"}\n')
    x, second = read_targets(jsonl)
    assert (x.id, x.constraints) == ("x", DesignConstraints("NNNNGAAA", 0.5, 0.2)) and second.id == "2"
    fasta = tmp_path / "t.fa"
    fasta.write_text(">h1\n((....))\nGNNNNNNC\n>h2\n((....))\n")
    h1, h2 = read_targets(fasta)
    assert h1.constraints.sequence == "GNNNNNNC" and not h2.constraints.active
    out = tmp_path / "round.tsv"
    write_targets_tsv([a, b, x], out)
    assert [t.constraints for t in read_targets(out)] == [a.constraints, b.constraints, x.constraints]


def test_gc_option_applies_to_targets_without_their_own(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("id\tdotbracket\tgc\na\t((....))\t0.5:0.1\nb\t((....))\t\n")
    first, second, third = collect_targets("(((...)))", str(tsv), "GNNNNNNNC", "0.4:0.2")
    assert first.constraints == DesignConstraints("GNNNNNNNC", 0.4, 0.2)
    assert second.constraints == DesignConstraints(None, 0.5, 0.1) and third.constraints == DesignConstraints(None, 0.4, 0.2)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_designs_with_constraints():
    result = run("design", "-t", HAIRPINS, "--sequence-constraint", ALLOWED.lower(), "--gc", "0.45:0.05",
                 "--json", "-q", "--time-limit", 20)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["solved"] and record["constraints_satisfied"] and follows(record["sequence"], ALLOWED)
    assert record["constraints"] == {"sequence": ALLOWED, "gc": 0.45, "gc_tolerance": 0.05}
    assert fold(record["sequence"])[0] == HAIRPINS


@pytest.mark.parametrize(("args", "message"), [
    (["-t", "((....))", "-s", "NNNN"], "has 4 characters but the target has 8"),
    (["-t", "((....))", "-s", "AANNNNAA"], "forbids every Watson-Crick pair (GC CG AU UA) at paired positions 1-8, 2-7"),
    (["-t", "((....))", "-s", "NNNZNNNN"], "unknown code 'Z' at position 4"),
    (["-t", "((....))", "-s", "GGNNNNCC", "--gc", "0.2"], "reachable GC content ranges from 0.500 to 1.000"),
    (["-t", "((....))", "--gc", "1.2"], "GC content must lie in [0, 1]"),
    (["-t", "((....))", "--gc", "0.5:-1"], "GC tolerance must lie in [0, 1]"),
    (["-t", "((....))", "--gc", "0.5:x"], "CONTENT[:TOLERANCE]"),
    (["--target-file", "/dev/null", "-s", "NN"], "--sequence-constraint applies to --target"),
    (["-t", "((....))", "-s", ""], "empty sequence constraint"),
    (["-t", "((....))", "--gc", ""], "CONTENT[:TOLERANCE]"),
])
def test_contradictions_give_one_line_and_exit_2(args, message):
    result = run("design", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_contradiction_in_a_file_and_rnainverse_refusal(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tdotbracket\tconstraint\n1\t((....))\tNNNNNNNN\n2\t((....))\tUNNNNNNC\n")
    result = run("design", "--target-file", bad)
    assert result.exit_code == 2 and "line 3: target 2: the sequence constraint forbids" in result.stderr
    good = tmp_path / "good.tsv"
    good.write_text("id\tdotbracket\tgc\n1\t((((....))))\t0.5\n")
    result = run("benchmark", "--dataset", good, "--method", "rnainverse", "--out", tmp_path / "run")
    assert result.exit_code == 2 and "rnainverse does not take design constraints" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_benchmark_records_carry_the_constraints(tmp_path):
    dataset = tmp_path / "set.tsv"
    dataset.write_text(f"id\tdotbracket\tconstraint\tgc\nc\t{HAIRPINS}\t{ALLOWED}\t0.4:0.05\nu\t((((....))))\t\t\n")
    out = tmp_path / "run"
    result = run("benchmark", "--dataset", dataset, "--method", "hybrid", "--time-limit", 5, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    records = {r.id: r for r in read_records(out)}
    constrained, free = records["c"], records["u"]
    assert constrained.constraints == {"sequence": ALLOWED, "gc": 0.4, "gc_tolerance": 0.05}
    assert constrained.solved and constrained.constraints_satisfied and follows(constrained.sequence, ALLOWED)
    assert abs(constrained.gc_content - 0.4) <= 0.05 + 1e-9
    assert free.constraints is None and free.constraints_satisfied is None and free.solved


# -- patterns to avoid --------------------------------------------------------------------------------------


def test_patterns_to_avoid_are_parsed_found_and_counted():
    from learna.patterns import DEFAULT_AVOID, hits, parse_avoid

    assert parse_avoid("default,gaattc, GGGG") == (*DEFAULT_AVOID, "GAAUUC")
    assert hits("AGGGGGA", ("GGGG",)) == [(1, "GGGG"), (2, "GGGG")]  # overlapping occurrences count
    assert hits("ACGUAC", ("RYN",)) == [(0, "RYN"), (2, "RYN")] and hits("UUUU", ("AAAA",)) == []
    constraints = DesignConstraints(avoid=("GGGG",), gc=0.5, gc_tolerance=0.1)
    assert constraints.distance("GGGGGAAAAA") == 2 and constraints.distance("GGGGGCCCCC") == 2 + 4  # + d_GC
    assert not constraints.satisfied_by("GGGGCCAAUU") and constraints.satisfied_by("GGGCCCAAUU")
    assert constraints.to_json()["avoid"] == ["GGGG"] and "avoid" not in DesignConstraints(gc=0.5).to_json()


@pytest.mark.parametrize(("args", "message"), [
    (["-t", "((....))", "--avoid", ""], "a pattern to avoid has 1 to 50 codes"),
    (["-t", "((....))", "--avoid", "GGXG"], "unknown code 'X' in the pattern to avoid"),
    (["-t", "((((....))))", "-s", "GGGGNNNNNNNN", "--avoid", "default"], "forces GGGG at positions 1-4"),
    (["-t", "((((....))))", "-s", "NNNNNNNNCCCC", "--avoid", "GGGG"], "forces GGGG at positions 1-4"),  # by pairing
    (["-t", "((....))", "--avoid", "N"], "forces N at positions 1-1"),
])
def test_contradictory_patterns_to_avoid_give_one_line_and_exit_2(args, message):
    result = run("design", *args)
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("mode", ["learna", "meta-learna-adapt"])
def test_agent_designs_avoid_the_patterns(mode, checkpoint):
    from learna.patterns import DEFAULT_AVOID, hits

    target = "((((((((....))))))))...((((((....))))))....."  # GC stems of 8 and 6 invite GGGG and CCCC
    result = design(target, mode=mode, avoid="default", time_limit=30, seed=0,
                    checkpoint=checkpoint if mode.startswith("meta") else None)
    assert result.solved and hits(result.sequence, DEFAULT_AVOID) == [] and result.constraints_satisfied
    assert fold(result.sequence)[0] == target and result.constraints["avoid"] == list(DEFAULT_AVOID)


@settings(max_examples=8, derandomize=True, deadline=None, phases=[Phase.generate])
@given(st.integers(0, 2**31 - 1), st.sampled_from(["learna", "meta-learna-adapt", "hybrid"]))
def test_no_design_contains_a_pattern_to_avoid(seed, mode):
    """Property: whatever the mode and the (random, designable) target, a design made with --avoid default never
    contains GGGG, CCCC, AAAAA or UUUUU, and is reported solved only if it also folds into the target."""
    from learna.data import GenerationSpec, generate_targets
    from learna.patterns import DEFAULT_AVOID, hits

    (target,) = generate_targets(GenerationSpec(count=1, min_length=30, max_length=70, seed=seed))
    result = design(target, mode=mode, avoid="default", time_limit=5, seed=seed, max_folds=3000)
    if result.sequence is not None and result.solved:
        assert hits(result.sequence, DEFAULT_AVOID) == [] and fold(result.sequence)[0] == target.dot_bracket
    assert result.constraints_satisfied == (result.sequence is not None and not hits(result.sequence, DEFAULT_AVOID))
    assert result.solved  # these targets (MFE structures of random sequences) are easy without a long run of one base
