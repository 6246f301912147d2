import json
import os
import signal
from dataclasses import replace
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import RNA
from click.testing import CliRunner

from learna.baselines import rnainverse
from learna.cli.main import cli
from learna.data import load_dataset
from learna.errors import InputFileError
from learna.folding import FoldingModel, fold_structure, inverse_fold, mfe_structures
from learna.harness.methods import METHODS
from learna.harness.records import read_records, write_run_info
from learna.harness.run import open_run_directory
from learna.presets import LEARNA_PAPER
from learna.processes import Throttle, run_jobs
from learna.seeding import derive_seed
from learna.structure import Target, hamming

SHORTEST = "8,1,23"  # the three shortest Eterna100-V2 targets (12, 16 and 17 nt)
V2 = {t.id: t for t in load_dataset("eterna100-v2")}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def bench(out, *args, method="rnainverse", ids=SHORTEST, limit=2):
    return run("benchmark", "--dataset", "eterna100-v2", "--method", method, "--ids", ids, "--time-limit", limit,
               "--out", out, *args)


def assert_verified(record, method, model=FoldingModel()):
    """A record is consistent with an independent fold of its sequence and names its conditions."""
    assert record.method == method and record.status == "finished"
    assert record.seed == derive_seed(0, record.id, record.run)
    assert record.target == V2[record.id].dot_bracket and record.length == len(record.target)
    assert record.folded == fold_structure(record.sequence, model)
    assert record.distance == hamming(record.folded, record.target) and record.solved == (record.distance == 0)
    assert (record.time_to_solve_s is not None) == record.solved
    assert record.unique_mfe == (mfe_structures(record.sequence, model) == [record.target] if record.solved else None)
    assert (record.time_to_unique_s is not None) == bool(record.unique_mfe)
    assert record.startup_s >= 0 and record.versions["viennarna"] == RNA.__version__
    assert record.folding["temperature"] == model.temperature


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_runs_in_the_harness_and_is_verified(method, tmp_path, checkpoint):
    out = tmp_path / "run"
    # the hybrid runs without a policy by default, and so takes no checkpoint
    extra = ["--checkpoint", checkpoint] if METHODS[method].uses_checkpoint and method != "hybrid" else []
    result = bench(out, "--processes", 2, "--json", *extra, method=method, limit=3)
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert sorted(r.id for r in records) == ["1", "23", "8"]
    for record in records:
        assert_verified(record, method)
        assert record.time_s <= 3.5
    assert all(r.solved for r in records if r.id in ("1", "8") or method in ("learna", "rnainverse"))
    info = json.loads((out / "run.json").read_text())
    assert (info["method"], info["time_limit_s"], info["ids"], info["processes"]) == (method, 3.0, ["1", "8", "23"], 2)
    assert (info["checkpoint"] is not None) == bool(extra)
    summary = json.loads(result.stdout)
    assert summary["records"] == 3 and summary["solved_at_limit"]["any"] == sum(r.solved for r in records)
    assert result.stderr.count(" solved | ETA ") == 3  # one progress line per finished target
    assert bench(out, "--resume", *extra, method=method, limit=3).exit_code == 0
    assert len(read_records(out)) == 3  # resumed with the same config: nothing left to run


def test_folding_options_reach_the_baseline_and_the_verification(tmp_path):
    out = tmp_path / "run"
    assert bench(out, "--temperature", 60, "--dangles", 0, "-q", ids="8,1").exit_code == 0
    model = FoldingModel(temperature=60, dangles=0)
    for record in read_records(out):
        assert_verified(record, "rnainverse", model)
        assert record.folding == model.to_dict()


def test_resume_refuses_other_conditions_and_skips_what_is_recorded(tmp_path):
    out = tmp_path / "run"
    assert bench(out, "-q", ids="8").exit_code == 0
    for args, message in [((), "is not empty: pass --resume"),
                          (("--resume", "--time-limit", 5), "different time limit (2.0, not 5.0)"),
                          (("--resume", "--seed", 1), "different seed"),
                          (("--resume", "--temperature", 30), "different folding model")]:
        result = run("benchmark", "--dataset", "eterna100-v2", "--method", "rnainverse", "--ids", "8",
                     "--time-limit", 2, "--out", out, *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    result = bench(out, "--resume", method="learna", ids="8")
    assert result.exit_code == 2 and "different method" in result.stderr
    assert bench(out, "--resume", ids="8").exit_code == 0
    assert len(read_records(out)) == 1  # nothing re-run
    assert bench(out, "--resume", "--runs", 2, ids="8,1").exit_code == 0
    assert sorted(r.key for r in read_records(out)) == [("1", 0), ("1", 1), ("8", 0), ("8", 1)]
    info = json.loads((out / "run.json").read_text())
    assert info["ids"] == ["8", "1"] and info["runs"] == 2


def test_resume_accepts_a_config_recorded_before_fields_were_added(tmp_path):
    """Fields added since a run was recorded take the values that keep that run's behaviour (the paper's
    improvement step; the first solution ends a run; one search per target; no polish)."""
    config = json.loads(json.dumps(replace(LEARNA_PAPER, uniqueness="ignore").to_dict()))
    info = {"method": "learna", "dataset": "d.tsv", "dataset_sha256": "x", "time_limit_s": 2.0, "seed": 0,
            "folding": {}, "config": config, "ids": ["8"], "runs": 1, "processes": 1, "uniqueness": "ignore",
            "workers": 1, "polish_s": 0.0}
    older_env = {key: value for key, value in config["env"].items()
                 if not key.startswith("improvement") and key != "wobble_actions"}
    older = {key: value for key, value in config.items() if key != "uniqueness"}
    old_info = {key: value for key, value in info.items() if key not in ("uniqueness", "workers", "polish_s")}
    write_run_info(tmp_path, {**old_info, "config": {**older, "env": older_env}})
    assert open_run_directory(tmp_path, info, resume=True) == []
    assert json.loads((tmp_path / "run.json").read_text())["config"] == config
    changed = {**config, "env": {**config["env"], "improvement": "search"}}
    with pytest.raises(InputFileError, match="different config"):
        open_run_directory(tmp_path, {**info, "config": changed}, resume=True)


def _start_cli(args, cwd=None):
    return subprocess.Popen([str(Path(sys.executable).with_name("learna")), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)


def _processes_in(directory):
    """The live processes (Linux /proc) whose working directory is ``directory``: a CLI started there and every
    process it started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")) == directory:
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or a zombie
            pass
    return found


def _wait_for_records(path, count, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_text().count("\n") >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} records in {path} (exit code {process.poll()})")


@pytest.mark.slow
def test_killed_and_interrupted_runs_resume_without_rerunning_or_losing(tmp_path):
    out = tmp_path / "run"
    records = out / "records.jsonl"
    # two quick targets, then four of 400 nt that always take the whole limit (one walk takes longer),
    # so there is always work in flight when the signals arrive
    args = ["benchmark", "--dataset", "eterna100-v2", "--method", "rnainverse", "--ids", "1,8,22,53,63,90",
            "--time-limit", 2, "--processes", 1, "--out", out]
    first = _start_cli(args, cwd=tmp_path)
    _wait_for_records(records, 2, first)
    time.sleep(0.5)  # the worker of the first 400-nt target is inside its first walk (it outlasts the limit)
    assert len(_processes_in(tmp_path)) >= 3  # the CLI, its forkserver, the worker
    first.kill()  # SIGKILL: no chance to clean up
    first.wait()
    # its worker ends with it, although RNAinverse holds the GIL for the whole walk (minutes on 400 nt)
    deadline = time.monotonic() + 10
    while _processes_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_in(tmp_path) == []
    with open(records, "a") as handle:
        handle.write('{"id": "torn')  # as if killed mid-append
    kept = records.read_text().splitlines()[:-1]
    second = _start_cli([*args, "--resume"])
    _wait_for_records(records, len(kept) + 1, second)
    second.send_signal(signal.SIGINT)  # Ctrl-C
    _, stderr = second.communicate(timeout=60)
    assert second.returncode == 130 and "interrupted" in stderr.splitlines()[-1], (second.returncode, stderr)
    assert records.read_text().splitlines()[: len(kept)] == kept
    assert run(*args, "--resume", "-q").exit_code == 0
    final = read_records(out)
    assert [json.loads(line)["id"] for line in kept] == [r.id for r in final[: len(kept)]]
    assert sorted(r.id for r in final) == ["1", "22", "53", "63", "8", "90"]  # each exactly once
    for record in final:
        if record.length < 400:
            assert_verified(record, "rnainverse")
        else:  # no walk finished within the limit: no design, recorded as unsolved
            assert (record.sequence, record.distance, record.solved, record.status) == (None, None, False, "finished")
            assert 2.0 <= record.time_s < 2.5
    plot = tmp_path / "curve.png"
    result = run("report", out, "--plot", plot, "--json")
    assert result.exit_code == 0
    row = json.loads(result.stdout)["runs"][0]
    assert row["records"] == 6 and row["solved_at_limit"]["any"] == sum(r.solved for r in final)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "eterna100-v9"], "unknown dataset 'eterna100-v9'"),
        (["--method", "antarna"], "unknown method 'antarna': use one of hybrid, learna"),
        (["--ids", "1-,3"], "not in the dataset: 1-"),
        (["--ids", "9-3"], "range 9-3 is reversed"),
        (["--ids", "1,,3"], "empty item"),
        (["--config", "c.json"], "method rnainverse takes no config"),
        (["--method", "meta-learna", "--checkpoint", "/nonexistent"], "no checkpoint at /nonexistent"),
        (["--method", "learna", "--checkpoint", "x"], "uses no checkpoint"),
        (["--time-limit", "0"], "time limit must be a positive number"),
        (["--time-limit", "1e308"], "time limit must be a positive number of seconds up to 604800"),
        (["--grace", "inf"], "grace must be a non-negative number of seconds"),
        (["--processes", "0"], "processes must be in 1..256 and runs in 1..1000"),
        (["--processes", "100000"], "processes must be in 1..256"),
        (["--runs", "0"], "runs in 1..1000"),
        (["--ids", "1-1000000000"], "range 1-1000000000 is longer than the dataset"),
        (["--seed", "-1"], "--seed must be an integer from 0"),
        (["--method", "learna", "--config", "bad.json"], "not valid JSON"),
        (["--method", "learna", "--config", "radius.json"], "raise state_radius to at least 10"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(tmp_path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "radius.json").write_text('{"env": {"state_radius": 2}}')
    defaults = {"--dataset": "eterna100-v2", "--method": "rnainverse", "--out": str(tmp_path / "run")}
    for i in range(0, len(args), 2):
        defaults[args[i]] = args[i + 1]
    result = run("benchmark", *[x for pair in defaults.items() for x in pair])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "run").exists()  # nothing written for rejected input


def _sleep(seconds, job):
    job.ready()
    job.report("half way")
    time.sleep(seconds)
    return seconds


def _fail(_, job):
    job.ready()
    raise ValueError("broken method")


def test_workers_are_killed_past_their_limit_and_errors_are_reported():
    start = time.monotonic()
    ends = {end.key: end for end in run_jobs([("slow", 30.0), ("fast", 0.0)], _sleep, processes=2, kill_after_s=1.0)}
    assert time.monotonic() - start < 20
    assert ends["slow"].kind == "timeout" and 1.0 <= ends["slow"].elapsed_s < 5
    assert ends["slow"].partial == "half way"  # the last interim report survives the kill
    assert ends["fast"].kind == "result" and ends["fast"].value == 0.0 and ends["fast"].startup_s >= 0
    (failed,) = run_jobs([("bad", None)], _fail, processes=1, kill_after_s=5.0)
    assert failed.kind == "error" and "ValueError: broken method" in failed.value


def test_a_throttle_is_due_once_per_interval_and_when_forced():
    designer = Throttle(0.5)  # due at its first call
    assert [designer.due(t) for t in (10.0, 10.2, 10.5, 10.9, 11.1)] == [True, False, True, False, True]
    status = Throttle(2.0, start=10.0)  # a status line: first due an interval after it was made
    assert [status.due(t) for t in (10.0, 11.9, 12.0)] == [False, False, True]
    assert status.due(12.5, force=True) and not status.due(14.0) and status.due(14.5)  # forcing restarts it


def test_inverse_fold_uses_the_model_and_restores_viennas_defaults():
    target = "((((((....))))))....((((((....))))))"
    model = FoldingModel(temperature=80.0, dangles=0)
    rng = np.random.default_rng(0)
    claimed = 0
    for _ in range(5):
        sequence, score = inverse_fold("".join(rng.choice(list("ACGU"), size=len(target))), target, model)
        if score == 0:  # RNAinverse's own success claim holds for the model it was given
            claimed += 1
            assert fold_structure(sequence, model) == target
    assert claimed > 0
    assert (RNA.cvar.temperature, RNA.cvar.dangles, RNA.cvar.noLP) == (37.0, 2, 0)


def test_rnainverse_stops_at_its_limit():
    hard = V2["90"]  # 400 nt: one walk takes far longer than the limit
    start = time.monotonic()
    result = rnainverse(hard, time_limit=0.5, seed=0)
    assert result.sequence is None and result.time_s <= 0.5 and time.monotonic() - start < 5
    easy = rnainverse(Target("((((....))))"), time_limit=10, seed=0)
    assert fold_structure(easy.sequence) == "((((....))))" and easy.time_to_solve_s <= easy.time_s < 10


@pytest.mark.slow
def test_one_writer_per_run_directory(tmp_path):
    """A second run (or resume) of a directory that is being written is refused, naming the writer; the
    first run goes on and its records stay one per (target, run)."""
    out = tmp_path / "run"
    args = ["benchmark", "--dataset", "eterna100-v2", "--method", "rnainverse", "--ids", "90,1,8",
            "--time-limit", 3, "--processes", 1, "--out", out]
    first = _start_cli(args)
    deadline = time.monotonic() + 60
    while not (out / "run.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run([str(Path(sys.executable).with_name("learna")), *map(str, args), "--resume"],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 2 and len(second.stderr.strip().splitlines()) == 1
    assert f"is in use by process {first.pid}" in second.stderr
    assert first.wait(timeout=120) == 0
    assert sorted(r.key for r in read_records(out)) == [("1", 0), ("8", 0), ("90", 0)]
