import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from learna.agent.checkpoint import load_checkpoint
from learna.cli.main import cli
from learna.api import design
from learna.data import GenerationSpec, generate_targets
from learna.errors import CheckpointError, ConfigError
from learna.meta_train import train
from learna.presets import META_LEARNA_PAPER
from learna.processes import signals_held
from learna.structure import Target


@pytest.fixture(scope="module")
def targets():
    return generate_targets(GenerationSpec(count=6, min_length=20, max_length=40, seed=77))


@pytest.mark.slow
def test_meta_training_writes_a_loadable_checkpoint_and_resumes(tmp_path, targets):
    first = train(META_LEARNA_PAPER, targets, time_budget=3.0, seed=0, out_dir=tmp_path, workers=1,
                  checkpoint_every_s=1.0)
    assert first.updates > 0 and first.episodes >= 16 * first.updates and 0 < first.mean_recent_similarity <= 1
    state, meta = load_checkpoint(first.checkpoint)
    assert meta["counters"]["updates"] == first.updates
    initial = {k: v.clone() for k, v in state.items()}
    second = train(META_LEARNA_PAPER, targets, time_budget=2.0, seed=0, out_dir=tmp_path, workers=1, resume=True)
    assert second.updates > first.updates and second.elapsed_s > first.elapsed_s
    state2, meta2 = load_checkpoint(second.checkpoint)
    assert meta2["counters"]["resumes"] == 1
    assert any(not torch.equal(initial[k], state2[k]) for k in state2)
    progress = [json.loads(line) for line in (tmp_path / "progress.jsonl").read_text().splitlines()]
    assert progress[-1]["updates"] == second.updates
    # the trained policy is usable by both meta modes
    result = design(Target("((((....))))"), mode="meta-learna", time_limit=5, checkpoint=first.checkpoint)
    assert result.solved and result.folded == "((((....))))"


def test_resume_without_checkpoint_and_bad_arguments(tmp_path, targets):
    with pytest.raises(CheckpointError):
        train(META_LEARNA_PAPER, targets, time_budget=1.0, seed=0, out_dir=tmp_path, resume=True)
    with pytest.raises(ConfigError):
        train(META_LEARNA_PAPER, targets, time_budget=0, seed=0, out_dir=tmp_path)


@pytest.mark.slow
def test_meta_train_command_writes_checkpoint_and_learning_curve(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["meta-train", "--out", str(out), "--time-budget", "2", "--workers", "1",
                                      "--count", "4", "--min-length", "20", "--max-length", "30",
                                      "--checkpoint-every", "0.5"])
    assert result.exit_code == 0, result.output
    _, meta = load_checkpoint(out / "checkpoint")
    trained = meta["config"]  # the paper's formulation (LIS), not the meta modes' design default (search)
    assert trained["env"]["improvement"] == "lis" and trained["ppo"] == META_LEARNA_PAPER.to_dict()["ppo"]
    png = (out / "learning_curve.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    missing = CliRunner().invoke(cli, ["meta-train", "--out", str(tmp_path / "none"), "--time-budget", "1",
                                       "--resume"])
    assert missing.exit_code == 2 and "checkpoint" in missing.output and "Traceback" not in missing.output


@pytest.mark.slow
def test_sigterm_stops_the_workers_and_saves_a_checkpoint(tmp_path):
    """A real `learna meta-train` process, terminated mid-run, leaves no worker behind and saves its state."""
    out = tmp_path / "run"
    command = [str(Path(sys.executable).parent / "learna"), "meta-train", "--out", str(out), "--time-budget", "600",
               "--workers", "2", "--count", "4", "--min-length", "20", "--max-length", "30",
               "--checkpoint-every", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    progress = out / "progress.jsonl"
    deadline = time.monotonic() + 120
    while not (progress.exists() and progress.read_text().count("\n") >= 2) and time.monotonic() < deadline:
        time.sleep(0.2)  # training is under way once checkpoints are logged
    workers = _descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    time.sleep(0.5)
    alive = [pid for pid in workers if _running(pid)]
    assert len(workers) >= 2 and not alive, f"worker processes left behind: {alive}"
    _, meta = load_checkpoint(out / "checkpoint")
    last = json.loads(progress.read_text().splitlines()[-1])
    assert meta["counters"]["updates"] == last["updates"] > 0


@pytest.mark.slow
def test_sigterm_while_the_targets_are_generated_exits_143_at_once(tmp_path):
    out = tmp_path / "run"
    command = [str(Path(sys.executable).parent / "learna"), "meta-train", "--out", str(out), "--time-budget", "20",
               "--count", "5000", "--min-length", "300", "--max-length", "400"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # well inside the generation (minutes for 5000 targets of 300-400 nt)
    tic = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143 and time.monotonic() - tic < 5
    assert "Traceback" not in stderr and "generating 5000 training targets" in stderr
    assert not (out / "checkpoint").exists()


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (pool workers are children of the forkserver, a child of ``pid``)."""
    found, todo = [], [pid]
    while todo:
        children = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True).stdout.split()
        found += [int(c) for c in children]
        todo += children
    return found


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_checkpoint_is_not_interrupted_halfway():
    """SIGTERM arriving while a checkpoint is written is delivered once the checkpoint is whole."""
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda *_: seen.append(time.monotonic()))
    try:
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
            time.sleep(0.05)
            assert seen == []
            inside = time.monotonic()
        assert len(seen) == 1 and seen[0] >= inside
    finally:
        signal.signal(signal.SIGTERM, previous)
