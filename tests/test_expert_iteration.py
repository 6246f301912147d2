"""Expert iteration: demonstrations as actions, the imitation update, a real (tiny) run with resume."""

import json

import pytest
import torch
from click.testing import CliRunner

import learna
from learna.agent import Learner, build_network, policy_distribution
from learna.agent.config import NetworkConfig, PPOConfig
from learna.agent.checkpoint import load_checkpoint
from learna.cli.main import cli
from learna.env import EnvConfig
from learna.env.encoding import action_mask, decode_actions, encode_sequence, episode_observations
from learna.folding import fold_structure
from learna.structure import Target


@pytest.mark.parametrize("wobble", [False, True])
def test_a_sequence_encodes_to_the_actions_that_write_it(wobble):
    target = Target("((.((...)).))..")
    config = EnvConfig(state_radius=3, wobble_actions=wobble)
    sequence = "GUAGCAAAGUAGCUA" if wobble else "GCAGCAAAGCAGCUA"
    actions = encode_sequence(target, sequence, config)
    if wobble or all(sequence[i] + sequence[j] in ("GC", "CG", "AU", "UA") for i, j in target.pairs):
        assert (actions >= 0).all() and decode_actions(target, actions, config) == [sequence]
    assert encode_sequence(target, "GUAGCAAAGUAGCUA", EnvConfig(state_radius=3))[1] == -1  # UG without wobble


def test_imitation_moves_the_policy_to_the_demonstrated_actions():
    target = Target("((((....))))..((((....))))")
    env = EnvConfig(state_radius=4, wobble_actions=True)
    network = build_network(NetworkConfig(embedding_size=2, conv_radii=(1,), conv_channels=(4,), lstm_layers=0),
                            env.window, actions=env.actions, seed=0)
    learner = Learner(network, PPOConfig(learning_rate=1e-2))
    obs = torch.as_tensor(episode_observations(target, env))
    demo = torch.as_tensor(encode_sequence(target, "GUGCAAAAGCAUAAGCGCAAAAGCGC", env))
    mask = torch.as_tensor(action_mask(target, env))
    before = policy_distribution(network, obs, mask)[0].gather(1, demo[:, None]).mean()
    for _ in range(60):
        stats = learner.imitate([(obs, demo, mask)])
    after = policy_distribution(network, obs, mask)[0].gather(1, demo[:, None]).mean()
    assert after > before + 1.0 and stats["accuracy"] > 0.9 and learner.updates == 60


@pytest.mark.slow
def test_a_short_expert_iteration_run_trains_resumes_and_proposes_in_the_hybrid(tmp_path):
    out = tmp_path / "exit"
    args = ["meta-train", "--method", "exit", "--out", out, "--time-budget", 600, "--round-targets", 3,
            "--design-seconds", 1, "--min-length", 30, "--max-length", 50, "--workers", 2]
    first = CliRunner().invoke(cli, [str(a) for a in [*args, "--rounds", 2]])
    assert first.exit_code == 0, first.output
    rounds = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rounds] == [0, 1] and rounds[0]["apprentice_solve_rate"] is None
    demos = [json.loads(line) for line in (out / "demonstrations.jsonl").read_text().splitlines()]
    assert len(demos) == 6 and all(d["sequence"] for d in demos)
    for demo in demos:  # every demonstration's kind agrees with an independent fold
        if demo["kind"] in ("unique", "tied"):
            assert fold_structure(demo["sequence"]) == demo["target"]
    refused = CliRunner().invoke(cli, [str(a) for a in [*args, "--rounds", 3]])
    assert refused.exit_code == 2 and "--resume" in refused.stderr
    other = CliRunner().invoke(cli, [str(a) for a in [*args, "--rounds", 3, "--resume", "--design-seconds", 2]])
    assert other.exit_code == 2 and "was run with other settings" in other.stderr
    recorded = json.loads((out / "run.json").read_text())  # as a run recorded before a setting was added
    del recorded["config"]["hybrid"]["search"]["rival_pool"]
    (out / "run.json").write_text(json.dumps(recorded))
    resumed = CliRunner().invoke(cli, [str(a) for a in [*args, "--rounds", 3, "--resume"]])
    assert resumed.exit_code == 0, resumed.output
    rounds = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rounds] == [0, 1, 2]
    assert 0 < rounds[0]["updates"] < rounds[1]["updates"] < rounds[2]["updates"]  # counted on across the resume
    assert rounds[2]["expert_solved"] == sum(json.loads(line)["solved"] for line in
                                             (out / "demonstrations.jsonl").read_text().splitlines()
                                             if json.loads(line)["round"] == 2)
    _, meta = load_checkpoint(out / "checkpoint")
    assert meta["counters"]["updates"] == rounds[2]["updates"]
    assert meta["counters"]["rounds"] == 3 and meta["config"]["env"]["wobble_actions"] is True
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    result = learna.design("((((....))))..((((....))))", checkpoint=out / "checkpoint", time_limit=10,
                           config={"hybrid": {"use_policy": True}})
    assert result.solved and result.stats["policy"] and fold_structure(result.sequence) == result.target


def test_endless_design_seconds_are_refused_in_one_line(tmp_path):
    refused = CliRunner().invoke(cli, ["meta-train", "--method", "exit", "--out", str(tmp_path / "x"),
                                       "--time-budget", "5", "--design-seconds", "inf"])
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "design seconds must be a positive number of seconds up to 604800" in refused.stderr
    assert not (tmp_path / "x" / "run.json").exists()
