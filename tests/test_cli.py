import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from click.testing import CliRunner

from learna.cli.main import cli
from learna.folding import fold_structure, mfe_structures

LEARNA = [sys.executable, "-m", "learna.cli.main"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("learna ")


@pytest.mark.parametrize("mode", [None, "learna", "meta-learna", "meta-learna-adapt"])
def test_design_json_output_is_verified(mode):
    mode_args = [] if mode is None else ["--mode", mode]
    result = run("design", "--target", "(((((......)))))", "--seed", "1", "--json", "--time-limit", "30", *mode_args)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"id", "target", "sequence", "folded", "distance", "solved", "unique_mfe", "time_s", "time_to_solve_s",
            "mode", "seed", "mfe", "energy_gap", "probability", "ensemble_defect"} <= set(record)
    assert record["mode"] == (mode or "hybrid") and record["seed"] == 1
    assert fold_structure(record["sequence"]) == "(((((......)))))" == record["folded"]
    assert record["solved"] is True and record["unique_mfe"] == (len(mfe_structures(record["sequence"])) == 1)


def test_design_human_output_and_progress_on_stderr():
    result = run("design", "-t", "..(((.)))..", "--time-limit", "2.5")  # impossible: runs to the limit
    assert result.exit_code == 0
    assert result.stdout.startswith(">target not solved (distance") and "sequence  " in result.stdout
    assert "MFE " in result.stdout and "P(target)" in result.stdout
    assert "[target] 2." in result.stderr and "folds, best distance" in result.stderr  # the periodic status
    assert "unsolved in" in result.stderr and "sequence" not in result.stderr


def test_designs_in_worker_processes_are_announced_as_they_finish(tmp_path):
    targets = tmp_path / "t.fa"
    targets.write_text(">slow\n..(((.)))..\n>a\n((((....))))\n>b\n(((((......)))))\n")  # slow: impossible
    result = run("design", "--target-file", targets, "--processes", "2", "--time-limit", "3", "--seed", "0")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if " in " in line and line.endswith("/3)")]
    assert [line.split()[0] for line in lines] == ["[a]", "[b]", "[slow]"]  # as they finish, not in file order
    assert lines[-1].startswith("[slow] unsolved in 3.") and lines[-1].endswith("(3/3)")
    assert [line.split()[0] for line in result.stdout.splitlines() if line.startswith(">")] == [">slow", ">a", ">b"]


@pytest.mark.parametrize("processes", ["1", "2"])
def test_each_design_is_written_as_soon_as_it_is_found(tmp_path, processes):
    targets = tmp_path / "t.fa"
    targets.write_text(">a\n((((....))))\n>slow\n..(((.)))..\n")  # slow: impossible, runs to its limit
    start = time.monotonic()
    proc = subprocess.Popen([*LEARNA, "design", "--target-file", str(targets), "--time-limit", "12", "--json", "-q",
                             "--processes", processes], stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        assert first["id"] == "a" and first["solved"]
        assert time.monotonic() - start < 8 and proc.poll() is None  # written while "slow" still runs
        second = json.loads(proc.stdout.readline())
        assert second["id"] == "slow" and not second["solved"] and proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()


def test_design_human_output_names_the_structure_a_tied_design_ties_with():
    tied = "UACUUAUUCCUUGCAUCGGACGAG"  # two MFE structures; the constraint allows this sequence only
    target = fold_structure(tied)
    result = run("design", "-t", target, "--sequence-constraint", tied, "--time-limit", "1", "--seed", "0")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("MFE tied with another structure") and lines[2] == f"sequence  {tied}"
    (other,) = [s for s in mfe_structures(tied) if s != target]
    assert lines[4] == f"rival     {other}" and "energy gap to the best competitor +0.00 kcal/mol" in lines[5]
    as_json = json.loads(run("design", "-t", target, "--sequence-constraint", tied, "--time-limit", "1", "--json",
                             "-q").stdout)
    assert as_json["competitor"] == other and as_json["unique_mfe"] is False


def test_target_file_formats(tmp_path):
    fasta = tmp_path / "t.fa"
    fasta.write_text(">hp1\n((((....))))\n\n>hp2\n(((....)))...\n")
    result = run("design", "--target-file", str(fasta), "--json", "-q", "--time-limit", "20")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["hp1", "hp2"]
    assert [fold_structure(r["sequence"]) for r in records] == ["((((....))))", "(((....)))..."]
    tsv = tmp_path / "t.tsv"
    tsv.write_text("id\tname\tdotbracket\n7\tseven\t((((....))))\n")
    result = run("design", "--target-file", str(tsv), "--json", "-q", "--time-limit", "20")
    assert json.loads(result.stdout)["id"] == "7"


def test_folding_options_reach_the_verification():
    """At 60 °C this hairpin (stable at 37 °C) does not fold: the verification must use the same model."""
    sequence_args = ["-t", "((((....))))", "--json", "-q", "--time-limit", "3", "--max-folds", "5"]
    cold = json.loads(run("design", *sequence_args, "--mode", "learna").stdout)
    hot = json.loads(run("design", *sequence_args, "--mode", "learna", "--temperature", "95").stdout)
    assert cold["folded"] == fold_structure(cold["sequence"])
    from learna.folding import FoldingModel

    assert hot["folded"] == fold_structure(hot["sequence"], FoldingModel(temperature=95))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "((((....)))"], "unbalanced"),
        (["-t", "((((.x..))))"], "unknown character 'x' at position 6"),
        (["-t", ""], "empty target"),
        (["-t", "." * 10001], "longer than the maximum"),
        (["-t", "((....))", "--time-limit", "0"], "time limit must be a positive number"),
        (["-t", "((....))", "--time-limit", "-3"], "time limit must be a positive number"),
        (["-t", "((....))", "--time-limit", "nan"], "time limit must be a positive number"),
        (["-t", "((....))", "--time-limit", "inf"], "time limit must be a positive number"),
        (["-t", "((....))", "--time-limit", "abc"], "'abc' is not a valid float"),
        (["-t", "((....))", "--time-limit", "1e308", "--processes", "2"], "seconds up to 604800 (a week)"),
        (["-t", "((....))", "--grace", "inf", "--processes", "2"], "grace must be a non-negative number of seconds"),
        (["-t", "((....))", "--polish", "1e9", "--processes", "2"], "polish must be a non-negative number of seconds"),
        ([], "give a target"),
        (["--target-file", "/nonexistent/file.txt"], "cannot read target file"),
        (["-t", "((....))", "--config", "/nonexistent.json"], "does not exist"),
        (["-t", "((....))", "--dangles", "7"], "dangles must be"),
        (["-t", "((....))", "--mode", "meta-learna", "--checkpoint", "/nonexistent"], "no checkpoint at /nonexistent"),
        (["-t", "((....))", "--seed", "-1"], "--seed must be an integer from 0"),
        (["-t", "((....))", "--mode", "learna", "--seed", "1180591620717411303424"], "--seed must be an integer from 0"),
        (["-t", "((....))", "--mode", "nope"], "'nope' is not one of"),
        (["-t", "((....))", "--max-folds", "0"], "max_folds must be a positive integer"),
        (["-t", "(" * 2500 + "." * 5000 + ")" * 2500, "--time-limit", "5"], "one fold takes about"),
        (["-t", "((....))", "--bogus"], "No such option '--bogus'"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, message):
    result = run("design", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_malformed_files_give_one_line_and_exit_2(tmp_path):
    files = {
        "bad.txt": "((((....))))\n((..\n",
        "bad.fa": ">a\n>b\n((..))\n",
        "c.json": "{not json",
        "k.json": '{"env": {"state_radius": -1}}',
        "u.json": '{"ppo": {"learning_rat": 0.1}}',
        "deep.json": '{"env": ' + _nested(100_000) + "}",
        "deep.jsonl": '{"dotbracket": "((....))", "x": ' + _nested(100_000) + "}\n",
        "nan.json": '{"ppo": {"learning_rate": NaN}}',
        "restart.json": '{"restart_timeout": -10}',
        "radius.json": '{"env": {"state_radius": 2}}',
        "network.json": '{"network": {"fc_units": 7}}',
        "big.json": '{"network": {"fc_units": 100000000}}',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00")
    cases = [
        (["--target-file", tmp_path / "bad.txt"], "line 2"),
        (["--target-file", tmp_path / "bad.fa"], "line 2"),
        (["--target-file", tmp_path / "bin.txt"], "cannot read"),
        (["--target-file", tmp_path / "deep.jsonl"], "nested too deeply"),
        (["--target-file", tmp_path], "is a directory"),
        (["-t", "((....))", "--config", tmp_path / "c.json"], "not valid JSON"),
        (["-t", "((....))", "--config", tmp_path / "deep.json"], "nested too deeply"),
        (["-t", "((....))", "--config", tmp_path / "k.json"], "state_radius must be"),
        (["-t", "((....))", "--config", tmp_path / "u.json"], "unknown key(s) learning_rat"),
        (["-t", "((....))", "--config", tmp_path / "nan.json"], "expected a finite number"),
        (["-t", "((....))", "--config", tmp_path / "restart.json"], "restart_timeout must be a positive number"),
        (["-t", "((....))", "--mode", "learna", "--config", tmp_path / "radius.json"], "raise state_radius to at least 10"),
        (["-t", "((....))", "--mode", "meta-learna", "--config", tmp_path / "network.json"], "fixes network"),
        (["-t", "((....))", "--mode", "learna", "--config", tmp_path / "big.json"], "fc_units 1..4096"),
    ]
    for args, message in cases:
        result = run("design", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_checkpoint_that_would_run_code_is_refused_in_one_line_and_never_loaded(tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    torch.save({"weight": Payload()}, tmp_path / "model.pt")
    (tmp_path / "config.json").write_text('{"config": {}}')
    result = run("design", "-t", "((....))", "--mode", "meta-learna", "--checkpoint", tmp_path)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "is not a learna checkpoint" in result.stderr and "weights_only" not in result.stderr
    assert not marker.exists()


def test_config_file_overrides_the_preset(tmp_path):
    on = tmp_path / "on.json"
    on.write_text('{"hybrid": {"use_policy": true}}')
    default = json.loads(run("design", "-t", "((((....))))", "--json", "-q").stdout)
    changed = json.loads(run("design", "-t", "((((....))))", "--config", on, "--json", "-q").stdout)
    assert default["stats"]["policy"] is False and changed["stats"]["policy"] is True


def test_an_hpo_incumbent_takes_its_mode_and_is_refused_by_others(tmp_path):
    best = tmp_path / "best.json"
    best.write_text(json.dumps({"config": {"env": {"reward_exponent": 4.0}}, "hpo": {"space": "learna",
                                                                                     "modes": ["learna"]}}))
    refused = run("design", "-t", "((((....))))", "--config", best, "--mode", "hybrid", "--time-limit", "5")
    assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "was tuned for --mode learna: use it with that mode, not hybrid" in refused.stderr
    accepted = run("design", "-t", "((((....))))", "--config", best, "--time-limit", "20", "--json", "-q")
    assert accepted.exit_code == 0 and json.loads(accepted.stdout)["mode"] == "learna"


@pytest.mark.slow
def test_a_closed_pipe_and_ctrl_c_end_the_command_quietly(tmp_path):
    target_file = tmp_path / "t.txt"
    target_file.write_text("((((....))))\n" * 3)
    piped = subprocess.run(" ".join([*LEARNA, "design", "--target-file", str(target_file), "--json", "-q",
                                     "--time-limit", "5", "|", "head", "-c", "1"]),
                           shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr
    process = subprocess.Popen([*LEARNA, "design", "-t", "..(((.)))..", "--time-limit", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in stderr


@pytest.mark.parametrize("args", [["--help"], ["design", "--help"], ["data", "list"], ["benchmark", "--help"],
                                  ["report", "--help"], ["design", "-t", "((((....))))", "--time-limit", "2", "-q"]])
def test_commands_that_run_no_network_do_not_import_torch(args):
    """Nor does a design with the default mode, which runs no network (the hybrid without a policy)."""
    code = ("import sys; from learna.cli.main import cli\n"
            "try:\n    cli.main(args=sys.argv[1:], prog_name='learna', standalone_mode=False)\n"
            "finally:\n    assert 'torch' not in sys.modules, 'torch was imported'")
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import_learna = subprocess.run([sys.executable, "-c", "import learna, sys; assert 'torch' not in sys.modules"],
                                   capture_output=True, text=True, timeout=60)
    assert import_learna.returncode == 0, import_learna.stderr


@pytest.mark.parametrize(("method", "config", "network"), [
    ("hybrid", None, False), ("hybrid", {"hybrid": {"use_policy": True}}, True), ("meta-learna", None, True),
    ("rnainverse", None, False)])
def test_benchmark_workers_import_torch_only_for_tasks_that_run_a_network(method, config, network):
    code = ("import json, sys\n"
            "from learna.folding import DEFAULT_MODEL\n"
            "from learna.harness.methods import Task, method_named, prepare_worker, worker_preload\n"
            "from learna.presets import resolve_config\n"
            "from learna.structure import Target\n"
            "name, data = sys.argv[1], json.loads(sys.argv[2])\n"
            "config = resolve_config(name, data=data) if data else None\n"
            "task = Task(Target('((((....))))'), 1.0, 0, DEFAULT_MODEL, 'prefer', config, None)\n"
            "method = method_named(name)\n"
            "preload = worker_preload(method, [task])\n"
            "prepare_worker(method, task)\n"
            "print(json.dumps([preload, 'torch' in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", code, method, json.dumps(config)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    preload, imported = json.loads(result.stdout)
    assert imported == network and preload[0] == "learna.harness.run"
    assert any(name.startswith("torch") for name in preload) == network


@pytest.mark.parametrize(("mode", "optimiser"), [("hybrid", False), ("meta-learna", False), ("learna", True),
                                               ("meta-learna-adapt", True)])
def test_warm_up_sets_up_an_optimiser_only_for_the_modes_that_learn(mode, optimiser):
    code = f"import sys; from learna.api import warm_up; warm_up({mode!r}); print('torch._dynamo' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == str(optimiser), result.stderr


def test_pipelines_stdin_fasta_and_processes(tmp_path):
    """Targets from stdin, designs as FASTA that RNAfold's reader and the target-file reader both take, and the
    same designs with worker processes as in this process (a fold budget makes them reproducible)."""
    import RNA

    from learna.data import read_targets

    text = ">hp\n((((....))))\n>two\n((((....))))..((((....))))\n>tail\n..(((....)))..\n"
    args = ["design", "--target-file", "-", "--format", "fasta", "-q", "--time-limit", "20", "--max-folds", "200",
            "--mode", "learna"]
    serial = CliRunner().invoke(cli, args, input=text)
    parallel = CliRunner().invoke(cli, [*args, "--processes", "2"], input=text)
    assert serial.exit_code == 0 == parallel.exit_code, serial.output + parallel.output
    assert serial.stdout == parallel.stdout
    path = tmp_path / "designs.fa"
    path.write_text(serial.stdout)
    assert [(t.id, t.dot_bracket) for t in read_targets(path)] == [
        ("hp", "((((....))))"), ("two", "((((....))))..((((....))))"), ("tail", "..(((....)))..")]
    with open(path) as handle:
        records = [RNA.file_fasta_read(handle, 0) for _ in range(3)]
    for (_, header, sequence, rest), target in zip(records, read_targets(path)):
        assert header == f">{target.id}" and rest == (target.dot_bracket,)
        assert fold_structure(sequence) == target.dot_bracket


@pytest.mark.parametrize(("args", "message"), [
    (["--processes", "0"], "0 is not in the range 1<=x<=256"),
    (["--format", "xml"], "'xml' is not one of 'text', 'json', 'fasta'"),
    (["--json", "--format", "fasta"], "--json and --format fasta/text contradict each other"),
    (["--grace", "-1"], "-1.0 is not in the range x>=0"),
    (["--workers", "0"], "0 is not in the range 1<=x<=64"),
])
def test_bad_pipeline_options_give_one_line_and_exit_2(args, message):
    result = run("design", "-t", "((((....))))", *args)
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
