"""BOHB meta-optimisation: spaces, objective, hpbandster runs (local, resumed, master/worker, netns)."""

import json
import math
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import Pyro4
import pytest
import torch
from click.testing import CliRunner

from learna.agent import build_network
from learna.api import design
from learna.cli.main import cli
from learna.env.rna_design import RnaDesignEnv
from learna.errors import ConfigError
from learna.fileio import append_jsonl, read_jsonl
from learna.hpo.loss import TIME_WEIGHT
from learna.hpo.objective import evaluate
from learna.hpo.results import RunSpec, read_log, repair_logs
from learna.hpo.hyperparameters import is_active
from learna.hpo.space import (HYBRID_CONDITIONS, HYBRID_RANGES, configuration_space, default_configuration, get_space,
                              sample_configurations, state_radius, validate)
from learna.presets import LEARNA_PAPER, META_LEARNA_PAPER, PRESETS, resolve_config
from learna.structure import Target

TINY = {"a": "((((....))))....((((....))))", "b": "(((((((....(((....)))...(((....)))..)))))))",
        "c": "..((((((....))))))..((((....))))..", }
TINY_TARGETS = [Target(s, id=k) for k, s in TINY.items()]
LEARNA = [sys.executable, "-m", "learna.cli.main"]
pytestmark = pytest.mark.filterwarnings("ignore:isSet:DeprecationWarning")  # inside Pyro4


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture()
def tiny_file(tmp_path):
    path = tmp_path / "tiny.fa"
    path.write_text("".join(f">{k}\n{s}\n" for k, s in TINY.items()))
    return path


@pytest.fixture()
def secret_file(tmp_path):
    path = tmp_path / "secret"
    path.write_text("not-a-real-secret-but-long-enough\n")
    path.chmod(0o600)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(*args, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([*LEARNA, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True, **kwargs)


def stop_group(process: subprocess.Popen) -> None:
    """Kill what a test started (the process group of ``process``), if anything of it is left."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


# --- space -------------------------------------------------------------------------------------

def test_spaces_follow_the_reference():
    learna, meta = configuration_space("learna"), configuration_space("meta-learna")
    assert len(list(learna.values())) == 16  # the original's 14 and the improvement step
    lr, meta_lr = learna["learning_rate"], meta["learning_rate"]
    assert (lr.lower, lr.upper, lr.default_value, lr.log) == (1e-5, 1e-3, 5e-4, True)
    assert (meta_lr.lower, meta_lr.upper, meta_lr.default_value) == (1e-6, 1e-4, 1e-5)
    assert (learna["batch_size"].lower, learna["batch_size"].upper, learna["batch_size"].log) == (32, 128, True)
    assert learna["conv_channels1"].log and not meta["conv_channels1"].log
    assert (learna["conv_channels1"].default_value, meta["conv_channels1"].default_value) == (32, 16)
    assert (learna["num_fc_layers"].default_value, meta["num_fc_layers"].default_value) == (2, 1)
    assert meta["entropy_regularization"].lower == 5e-5 and learna["embedding_size"].upper == 4
    default = default_configuration("learna")
    assert "conv_channels2" not in default and "lstm_units" not in default  # inactive: radius 0, no LSTM
    assert default["improvement"] == "lis" and "improvement_evaluations" not in default
    searching = get_space("learna").to_designer({**default, "improvement": "search", "improvement_evaluations": 25})
    assert (searching.env.improvement, searching.env.improvement_evaluations) == ("search", 25)
    assert get_space("learna").from_designer(searching)["improvement_evaluations"] == 25
    with pytest.raises(ConfigError, match="unknown search space 'nonexistent'"):
        get_space("nonexistent")


def test_hybrid_space_is_the_preset_by_default():
    space, hybrid = configuration_space("hybrid"), get_space("hybrid")
    assert len(list(space.values())) == 51 and hybrid.mode == "hybrid" and hybrid.base == PRESETS["hybrid"]
    assert set(space["objective"].choices) == {"probability", "log_probability", "ensemble_defect", "mfe_distance"}
    assert space["position_temperature"].log and space["stagnation_steps"].log
    assert space["parent_temperature"].lower < 1.0 < space["parent_temperature"].upper
    assert space["short_mutation_exponent"].default_value == 2.0  # the preset's, active only with short targets
    default = default_configuration("hybrid")
    assert default["use_policy"] is False and default["objective"] == "mfe_distance"
    assert (default["short_objective"], default["short_length"], default["ensemble_weight"]) == (
        "probability", 150, 1.0)
    assert is_active("short_objective", HYBRID_RANGES, HYBRID_CONDITIONS, default)
    assert not is_active("short_objective", HYBRID_RANGES, HYBRID_CONDITIONS, default | {"short_length": 0})
    assert (default["follow_up_moves"], default["follow_up_distance"]) == (8, 4)
    assert not is_active("follow_up_distance", HYBRID_RANGES, HYBRID_CONDITIONS, default | {"follow_up_moves": 0})
    assert hybrid.to_designer(default) == PRESETS["hybrid"]
    assert hybrid.from_designer(PRESETS["hybrid"]) == default
    with_policy = hybrid.to_designer(default | {"use_policy": True, "policy_starts": 3, "proposal_mix": 0.25})
    assert with_policy.hybrid.use_policy and with_policy.hybrid.policy_starts == 3
    assert with_policy.hybrid.proposal_mix == 0.25


def test_state_radius_fix_and_preset_round_trip():
    assert state_radius(0, 0, 0.0) == 0 and state_radius(8, 4, 0.0) == 12 and state_radius(8, 4, 1.0) == 32
    learna = get_space("learna")
    assert learna.to_designer(learna.from_designer(LEARNA_PAPER)) == LEARNA_PAPER
    meta = get_space("meta-learna")
    back = meta.to_designer(meta.from_designer(META_LEARNA_PAPER))
    assert back.env == META_LEARNA_PAPER.env and back.ppo == META_LEARNA_PAPER.ppo
    assert back.network.conv_radii == (5, 1) and back.network.lstm_layers == 0  # lstm_units 3 was unused
    binary = learna.to_designer({**default_configuration("learna"), "embedding_size": 0})
    assert binary.env.encoding == "binary" and binary.network.embedding_size == 0


@pytest.mark.parametrize("space, bad, message", [
    ("learna", {"batch_size": 500}, "batch_size"),
    ("learna", {"batch_size": 40.5}, "batch_size"),
    ("learna", {"learning_rate": True}, "learning_rate"),
    ("learna", {"conv_radius2": 0, "conv_channels2": 3}, "inactive"),
    ("learna", {"conv_radius2": 2}, "conv_channels2 is active but has no value"),
    ("learna", {"surprise": 1}, "unknown hyperparameter"),
    ("learna", {"improvement_evaluations": 50}, "improvement_evaluations is inactive (it needs improvement = 'search')"),
    ("hybrid", {"objective": "fastest"}, "objective = 'fastest' is not one of 'probability'"),
    ("hybrid", {"use_policy": "yes"}, "use_policy = 'yes' is not one of True, False"),
    ("hybrid", {"use_policy": False, "proposal_mix": 0.5}, "proposal_mix is inactive (it needs use_policy = True)"),
    ("hybrid", {"use_policy": True}, "policy_starts is active but has no value"),
    ("hybrid", {"objective": "probability"}, "defect_window is inactive"),
    ("hybrid", {"max_mutations": 1}, "mutation_exponent is inactive (it needs max_mutations > 1)"),
    ("hybrid", {"frontier_size": 1}, "frontier_size = 1 is not an integer in [2, 50]"),
])
def test_invalid_configurations_are_refused_in_one_line_as_configspace_does(space, bad, message):
    from ConfigSpace import Configuration

    config = {**default_configuration(space), **bad}
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        validate(space, config)
    assert "\n" not in str(info.value)
    with pytest.raises((ValueError, KeyError, TypeError)):
        Configuration(configuration_space(space), values=config)


def test_booleans_are_not_numbers_and_numbers_are_not_booleans():
    config = default_configuration("hybrid")
    with pytest.raises(ConfigError, match="use_policy = 1 is not one of True, False"):
        validate("hybrid", {**config, "use_policy": 1})  # ConfigSpace takes 1 for True; a JSON config must not
    with_policy = {**config, "use_policy": np.True_, "policy_starts": 10, "proposal_mix": 0.5}
    assert validate("hybrid", with_policy)["use_policy"] is True  # as hpbandster sends it


@pytest.mark.parametrize("space", ["learna", "meta-learna"])
def test_every_sampled_configuration_builds_a_network_and_runs_an_episode(space):
    target = Target("..((((....))))...((((((....)))..)))", id="t")
    for config in sample_configurations(space, 30, seed=3):
        designer = get_space(space).to_designer(config)
        assert designer.env.state_radius >= sum(designer.network.conv_radii)
        network = build_network(designer.network, designer.env.window, seed=0)
        env = RnaDesignEnv(designer.env, [target])
        obs, _ = env.reset(seed=0)
        state, done, steps, reward = None, False, 0, 0.0
        while not done:
            with torch.no_grad():
                logits, _, state = network.step(torch.as_tensor(obs), state)
            obs, reward, done, _, info = env.step(int(torch.argmax(logits)))
            steps += 1
        assert steps == len(target.design_sites) and 0.0 <= reward <= 1.0
        assert json.loads(json.dumps(config)) == config


def test_every_sampled_hybrid_configuration_maps_back_and_designs():
    target = Target("..((((....))))...((((((....)))..)))", id="t")
    space = get_space("hybrid")
    for k, config in enumerate(sample_configurations("hybrid", 10, seed=3)):
        designer = space.to_designer(config)
        assert designer.hybrid.search.objective == config["objective"] and designer.network == space.base.network
        assert space.from_designer(designer) == config and json.loads(json.dumps(config)) == config
        result = design(target, config=designer, mode="hybrid", time_limit=0.3, seed=k)
        assert len(result.sequence) == len(target) and result.solved == (result.distance == 0)
        assert result.time_s <= 0.3 + 0.5


# --- objective ---------------------------------------------------------------------------------

def test_objective_on_a_tiny_budget():
    config = sample_configurations("learna", 1, seed=5)[0]
    outcome = evaluate(config, 0.3, TINY_TARGETS, seed=0)
    info = outcome["info"]
    assert math.isfinite(outcome["loss"]) and 0.0 <= outcome["loss"] <= 1.0
    assert info["ids"] == ["a", "b", "c"] and len(info["distances"]) == 3 and len(info["times_s"]) == 3
    assert outcome["loss"] == pytest.approx(np.mean([d / len(t) for d, t in zip(info["distances"], TINY_TARGETS)]))
    assert info["solved"] == sum(d == 0 for d in info["distances"])
    assert all(t <= 0.3 + 0.5 for t in info["times_s"])
    with pytest.raises(ConfigError):
        evaluate(config, 0.0, TINY_TARGETS, seed=0)


def test_hybrid_objective_adds_the_time_to_solve():
    budget = 0.3
    lone_pair = Target("....(...)....", id="lone")  # never the MFE structure: unsolved, time fraction 1
    outcome = evaluate(default_configuration("hybrid"), budget, [*TINY_TARGETS, lone_pair], seed=0, mode="hybrid")
    info = outcome["info"]
    fractions = [min(1.0, t / budget) if d == 0 else 1.0 for d, t in zip(info["distances"], info["times_s"])]
    assert info["time_fractions"] == pytest.approx(fractions) and fractions[-1] == 1.0
    assert all(0.0 <= f < 1.0 for f in fractions[:-1]) and info["solved"] == 3 and len(info["times_s"]) == 4
    assert info["distance_loss"] == pytest.approx(np.mean(info["normalized_distances"]))
    assert outcome["loss"] == pytest.approx(info["distance_loss"] + TIME_WEIGHT * np.mean(fractions))
    assert math.isfinite(outcome["loss"]) and TIME_WEIGHT / 4 < outcome["loss"] <= 1.0 + TIME_WEIGHT
    assert "time_fractions" not in evaluate(sample_configurations("learna", 1, seed=5)[0], 0.1, TINY_TARGETS[:1],
                                            seed=0)["info"]


@pytest.mark.slow
def test_meta_objective(tmp_path):
    outcome = evaluate(default_configuration("meta-learna"), 2.0, TINY_TARGETS[:1], seed=0, mode="meta-learna",
                       design_time=0.5, training=TINY_TARGETS, work_dir=tmp_path)
    assert math.isfinite(outcome["loss"]) and outcome["info"]["train_time_s"] > 0


KDE_LOSSES = {
    "learna": lambda c: math.log10(c["learning_rate"]) + c["batch_size"] / 100,
    "hybrid": lambda c: math.log10(c["parent_temperature"]) + c["frontier_size"] / 100 + (not c["use_policy"]),
}
"""A made-up loss per space for the KDE test (the hybrid's uses its categorical hyperparameter too)."""


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
@pytest.mark.parametrize("space", sorted(KDE_LOSSES))
def test_hpbandster_kde_works_with_configspace_1_and_numpy_2(space, tmp_path):
    """hpbandster's config generator on our conditional spaces makes model-based picks (no silent fallback)."""
    from hpbandster.core.dispatcher import Job
    from hpbandster.optimizers.config_generators.bohb import BOHB as KDE

    from learna.hpo.bohb import python_scalar

    np.random.seed(0)
    generator = KDE(configuration_space(space, seed=0))
    needed = 2 * (len(get_space(space).ranges) + 1)  # 34 for learna, 80 for hybrid
    picks = []
    for k in range(needed + 6):
        config, info = generator.get_config(1.0)
        plain = validate(space, config)
        job = Job((0, 0, k), config=config, budget=1.0)
        job.result = {"loss": KDE_LOSSES[space](plain), "info": {}}
        generator.new_result(job)
        picks.append(info["model_based_pick"])
        append_jsonl(tmp_path / "log.json", [config, info], default=python_scalar)
        assert list(read_jsonl(tmp_path / "log.json", expect=list))[-1][0] == plain
    assert not any(picks[:needed]) and sum(picks[needed:]) >= 2


# --- runs ----------------------------------------------------------------------------------------

RUN_ARGS = ["--min-budget", 0.1, "--max-budget", 0.9, "--iterations", 12, "--seed", 1]
"""Budgets 0.1/0.3/0.9; 12 brackets = 80 evaluations, 36 of them at 0.1: the KDE (16 hyperparameters)
needs 34 results on a budget, so the last three brackets' configurations can be model-based picks."""


@pytest.mark.slow
def test_local_run_killed_and_resumed_repeats_nothing_and_uses_the_model(tmp_path, tiny_file):
    out = tmp_path / "run"
    args = ["hpo", "run", *RUN_ARGS, "--out", out, "--validation", tiny_file]
    master = spawn(*args, "--workers", 1)
    try:
        results = out / "results.json"
        deadline = time.monotonic() + 150
        while not (results.exists() and len(results.read_text().splitlines()) >= 3):
            assert master.poll() is None and time.monotonic() < deadline, master.communicate()
            time.sleep(0.2)
        master.send_signal(signal.SIGKILL)  # the master dies mid-run; its workers follow it
        master.wait(timeout=10)
        assert group_gone(master.pid, 15), "worker processes survived their master"
    finally:
        stop_group(master)
    before = results.read_text().splitlines()
    resumed = run(*args, "--workers", 2, "--resume", "-q")  # the workers are not part of the run's settings
    assert resumed.exit_code == 0, resumed.output
    after = results.read_text().splitlines()
    assert after[:len(before) - 1] == before[:-1]  # the log is only appended to (a torn last line may go)
    configs, evaluations = read_log(out)
    keys = [(e.config_id, e.budget) for e in evaluations]
    assert len(keys) == len(set(keys)) == 80, "an evaluation was repeated or lost"
    runs = [(json.dumps(configs[e.config_id][0], sort_keys=True), e.budget) for e in evaluations]
    assert len(set(runs)) == len(runs)
    assert {e.budget for e in evaluations} == {0.1, 0.3, 0.9} and all(e.loss is not None for e in evaluations)
    assert any(info.get("model_based_pick") for _, info in configs.values()), "BOHB fell back to random search"

    best = run("hpo", "best", out, "--out", tmp_path / "best.json")
    assert best.exit_code == 0, best.output
    config = resolve_config("learna", path=tmp_path / "best.json", base=LEARNA_PAPER)
    exported = json.loads((tmp_path / "best.json").read_text())
    assert exported["hpo"]["budget"] == 0.9
    assert config == get_space("learna").to_designer(exported["hpo"]["hyperparameters"])
    report = run("hpo", "report", out, "--plot", tmp_path / "traj.png", "--json")
    summary = json.loads(report.stdout)
    assert summary["evaluations"] == 80 and summary["evaluations_per_budget"] == {"0.1": 36, "0.3": 24, "0.9": 20}
    assert summary["incumbent"]["loss"] == exported["hpo"]["loss"] and summary["model_based_picks"] >= 1
    assert (tmp_path / "traj.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_hybrid_run_exports_a_config_that_design_applies(tmp_path, tiny_file, monkeypatch):
    """`hpo run --space hybrid` with 2 local workers, `hpo best`, and `design --config --mode hybrid` uses it."""
    out, best_file = tmp_path / "run", tmp_path / "best.json"
    searched = run("hpo", "run", "--space", "hybrid", "--min-budget", 0.1, "--max-budget", 0.3, "--iterations", 1,
                   "--workers", 2, "--out", out, "--validation", tiny_file, "-q")
    assert searched.exit_code == 0, searched.output
    _, evaluations = read_log(out)
    assert len(evaluations) == 4 and {e.budget for e in evaluations} == {0.1, 0.3}  # 3 at 0.1, the best at 0.3
    assert all(e.loss is not None and len(e.info["time_fractions"]) == 3 for e in evaluations)
    report = run("hpo", "report", out, "--plot", tmp_path / "traj.png", "--json")
    assert json.loads(report.stdout)["space"] == "hybrid" and (tmp_path / "traj.png").read_bytes()[:4] == b"\x89PNG"

    assert run("hpo", "best", out, "--out", best_file).exit_code == 0
    exported = json.loads(best_file.read_text())
    designer = get_space("hybrid").to_designer(exported["hpo"]["hyperparameters"])
    assert exported["hpo"]["space"] == "hybrid" and resolve_config("hybrid", path=best_file) == designer
    used = []

    def recording_design(mode, request):
        used.append(request.config)
        return run_design(mode, request)

    from learna.designers import run_design

    monkeypatch.setattr("learna.designers.run_design", recording_design)
    designed = run("design", "--config", best_file, "--mode", "hybrid", "--target", TINY["a"], "--time-limit", 1,
                   "--json", "-q")
    assert designed.exit_code == 0, designed.output
    assert used[0].hybrid == designer.hybrid and json.loads(designed.stdout)["mode"] == "hybrid"


def test_a_worker_without_the_secret_is_refused(tmp_path, secret_file):
    from learna.hpo import pyro

    pyro.configure(pyro.read_secret(secret_file))
    nameserver = pyro.NameServer("127.0.0.1", 0, "sec", {"space": "learna"})
    try:
        address = f"127.0.0.1:{nameserver.port}"
        refused = run("hpo", "worker", "--nameserver", address, "--run-id", "sec", "--connect-timeout", 5)
        assert refused.exit_code == 2 and "refused" in refused.stderr and refused.stderr.count("\n") == 1
        wrong = tmp_path / "wrong"
        wrong.write_text("another-secret-entirely")
        refused = run("hpo", "worker", "--nameserver", address, "--run-id", "sec", "--secret-file", wrong)
        assert refused.exit_code == 2 and "refused" in refused.stderr
        pyro.configure(pyro.read_secret(secret_file))
        assert pyro.fetch_settings("127.0.0.1", nameserver.port, "sec", 5) == {"space": "learna"}
        proxy = Pyro4.Proxy(f"PYRO:x@127.0.0.1:{nameserver.port}")
        assert proxy._pyroHmacKey and b"not-a-real-secret" not in pickle.dumps(proxy)  # never sent along
    finally:
        nameserver.shutdown()
        pyro.configure(None)


@pytest.mark.parametrize("args, message", [
    (["run", "--space", "nonexistent"], "unknown search space 'nonexistent'"),
    (["run", "--min-budget", 5, "--max-budget", 1], "min budget ≤ max budget"),
    (["run", "--max-budget", "inf"], "max budget must be a positive number of seconds up to 604800"),
    (["worker", "--nameserver", "127.0.0.1:PORT", "--run-id", "x", "--secret-file", "SECRET",
      "--connect-timeout", "inf"], "--connect-timeout must be a positive number of seconds"),
    (["run", "--workers", 0], "--workers must be in 1..256"),
    (["master", "--host", "10.231.0.1", "--run-id", "x"], "needs a shared secret"),
    (["master", "--host", "0.0.0.0", "--run-id", "x"], "needs a shared secret"),
    (["worker", "--nameserver", "10.231.0.1:9090", "--run-id", "x"], "needs a shared secret"),
    (["worker", "--nameserver", "127.0.0.1:PORT", "--run-id", "x", "--connect-timeout", 1],
     "cannot reach the nameserver"),
    (["worker", "--nameserver", "nowhere", "--run-id", "x", "--secret-file", "/nonexistent/secret"],
     "cannot read the secret file"),
    (["run", "--resume"], "nothing to resume"),
    (["best", "RUN"], "not a BOHB run directory"),
])
def test_bad_input_gives_one_line_and_exit_2(tmp_path, tiny_file, args, message):
    search = ["--min-budget", 0.1, "--max-budget", 0.3, "--iterations", 1, "--validation", tiny_file,
              "--out", tmp_path / "out"]
    args = [f"127.0.0.1:{free_port()}" if a == "127.0.0.1:PORT" else a for a in args]
    (tmp_path / "secret").write_text("a long enough secret")
    args = [tmp_path / "secret" if a == "SECRET" else a for a in args]
    if args[0] in ("run", "master"):
        args = [*args[:1], *search, *args[1:]]  # later options win
    if args[0] == "best":
        args = ["best", tmp_path, "--out", tmp_path / "best.json"]
    result = run("hpo", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("timeout", [math.inf, 1e308, 0, -1])
def test_worker_api_checks_its_connect_timeout_before_connecting(timeout):
    from learna.hpo.worker import run_worker

    with pytest.raises(ConfigError, match="connect_timeout must be a positive number of seconds"):
        run_worker("127.0.0.1", free_port(), "x", secret=None, connect_timeout=timeout)


def test_budgets_keep_their_smallest_level():
    spec = RunSpec("learna", 0.2, 1.8, 1, targets=(("a", "()"),))
    assert spec.budgets() == [0.2, 0.6, 1.8]  # hpbandster's own formula drops 0.2 (log ratio 1.9999999999999996)
    assert RunSpec("learna", 400, 3600, 1, targets=(("a", "()"),)).budgets() == [400, 1200, 3600]
    assert RunSpec("learna", 3, 3, 1, targets=(("a", "()"),)).budgets() == [3]


def test_existing_log_needs_resume_and_torn_lines_are_repaired(tmp_path, tiny_file):
    out = tmp_path / "out"
    spec = RunSpec("learna", 0.1, 0.3, 1, targets=tuple((t.id, t.dot_bracket) for t in TINY_TARGETS))
    out.mkdir()
    spec.save(out)
    config = default_configuration("learna")
    (out / "configs.json").write_text(json.dumps([[0, 0, 0], config, {"model_based_pick": False}]) + "\n")
    (out / "results.json").write_text(
        json.dumps([[0, 0, 0], 0.1, {"submitted": 1.0, "started": 1.0, "finished": 2.0},
                    {"loss": 0.5, "info": {}}, None]) + "\n" + '[[0, 0, 1], 0.1, {"subm')
    result = run("hpo", "run", "--min-budget", 0.1, "--max-budget", 0.3, "--iterations", 1, "--out", out,
                 "--validation", tiny_file)
    assert result.exit_code == 2 and "pass --resume" in result.stderr
    repair_logs(out)
    assert len((out / "results.json").read_text().splitlines()) == 1
    assert (out / "results.json").read_text().endswith("\n")


# --- several hosts, for real: two network namespaces joined by a veth pair ----------------------

def _netns_available() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    return subprocess.run(["ip", "netns", "list"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.netns
@pytest.mark.skipif(not _netns_available(), reason="needs root and `ip netns`")
def test_master_and_worker_in_two_network_namespaces(tmp_path, tiny_file, secret_file):
    tag = f"{os.getpid() % 100000}"
    ns_master, ns_worker = f"lhpo-m-{tag}", f"lhpo-w-{tag}"
    master_ip, worker_ip = "10.231.77.1", "10.231.77.2"
    processes = []
    try:
        for ns in (ns_master, ns_worker):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        # the veth pair is created inside the master's namespace: nothing touches the host's interfaces
        subprocess.run(["ip", "-n", ns_master, "link", "add", "vm", "type", "veth", "peer", "name", "vw",
                        "netns", ns_worker], check=True)
        for ns, dev, ip in ((ns_master, "vm", master_ip), (ns_worker, "vw", worker_ip)):
            subprocess.run(["ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", dev, "up"], check=True)
        out = tmp_path / "run"
        master = subprocess.Popen(
            # bound to every address of its namespace, as in a container, advertising the one workers reach
            ["ip", "netns", "exec", ns_master, *LEARNA, "hpo", "master", "--host", "0.0.0.0", "--advertise", master_ip,
             "--port", "9090", "--run-id", "netns", "--secret-file", str(secret_file), "--out", str(out),
             "--min-budget", "0.2", "--max-budget", "0.2", "--iterations", "2", "--validation", str(tiny_file)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        processes.append(master)
        worker = subprocess.Popen(
            ["ip", "netns", "exec", ns_worker, *LEARNA, "hpo", "worker", "--nameserver", f"{master_ip}:9090",
             "--run-id", "netns", "--secret-file", str(secret_file)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        processes.append(worker)
        assert master.wait(timeout=180) == 0, master.communicate()
        assert worker.wait(timeout=30) == 0, worker.communicate()
        assert "serving run netns" in worker.communicate()[1]
        _, evaluations = read_log(out)
        assert len(evaluations) == 2 and all(e.loss is not None for e in evaluations)
    finally:
        for process in processes:
            stop_group(process)
        for ns in (ns_master, ns_worker):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
