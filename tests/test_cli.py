import json

import pytest
from click.testing import CliRunner

from learna.cli.main import cli
from learna.folding import fold_structure


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("learna ")


@pytest.mark.parametrize("mode", [None, "learna", "meta-learna", "meta-learna-adapt"])
def test_design_json_output_is_verified(mode):
    mode_args = [] if mode is None else ["--mode", mode]
    result = run("design", "--target", "(((((......)))))", "--seed", "1", "--json", "--time-limit", "30", *mode_args)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"id", "target", "sequence", "folded", "distance", "solved", "time_s", "mode", "seed"} <= set(record)
    assert record["solved"] is True and record["mode"] == (mode or "hybrid") and record["seed"] == 1
    assert fold_structure(record["sequence"]) == "(((((......)))))" == record["folded"]


def test_design_human_output_and_progress_on_stderr():
    result = run("design", "-t", "((((....))))....((((....))))", "--time-limit", "30")
    assert result.exit_code == 0
    assert "solved" in result.stdout and "sequence" in result.stdout
    assert "solved in" in result.stderr


def test_target_file_formats(tmp_path):
    fasta = tmp_path / "t.fa"
    fasta.write_text(">hp1\n((((....))))\n\n>hp2\n(((....)))...\n")
    result = run("design", "--target-file", str(fasta), "--json", "-q", "--time-limit", "20")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["hp1", "hp2"]
    assert all(r["solved"] for r in records)
    tsv = tmp_path / "t.tsv"
    tsv.write_text("id\tname\tdotbracket\n7\tseven\t((((....))))\n")
    result = run("design", "--target-file", str(tsv), "--json", "-q", "--time-limit", "20")
    assert json.loads(result.stdout)["id"] == "7"


def test_folding_options_reach_the_verification():
    result = run("design", "-t", "((((....))))", "--json", "-q", "--temperature", "20", "--dangles", "0", "--no-lp")
    record = json.loads(result.stdout)
    assert record["solved"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "((((....)))"], "unbalanced"),
        (["-t", "((((.x..))))"], "unknown character 'x' at position 6"),
        (["-t", ""], "empty target"),
        (["-t", "." * 10001], "longer than the maximum"),
        (["-t", "((....))", "--time-limit", "0"], "time limit must be positive"),
        (["-t", "((....))", "--time-limit", "-3"], "time limit must be positive"),
        ([], "give a target"),
        (["--target-file", "/nonexistent/file.txt"], "cannot read target file"),
        (["-t", "((....))", "--config", "/nonexistent.json"], "does not exist"),
        (["-t", "((....))", "--dangles", "7"], "dangles must be"),
        (["-t", "((....))", "--mode", "meta-learna", "--checkpoint", "/nonexistent"], "no checkpoint at /nonexistent"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, message):
    result = run("design", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_files_give_one_line_and_exit_2(tmp_path):
    bad_target = tmp_path / "bad.txt"
    bad_target.write_text("((((....))))\n((..\n")
    bad_header = tmp_path / "bad.fa"
    bad_header.write_text(">a\n>b\n((..))\n")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    bad_json = tmp_path / "c.json"
    bad_json.write_text("{not json")
    bad_key = tmp_path / "k.json"
    bad_key.write_text('{"env": {"state_radius": -1}}')
    unknown = tmp_path / "u.json"
    unknown.write_text('{"ppo": {"learning_rat": 0.1}}')
    cases = [
        (["--target-file", str(bad_target)], "line 2"),
        (["--target-file", str(bad_header)], "line 2"),
        (["--target-file", str(binary)], "cannot read"),
        (["-t", "((....))", "--config", str(bad_json)], "not valid JSON"),
        (["-t", "((....))", "--config", str(bad_key)], "state_radius must be"),
        (["-t", "((....))", "--config", str(unknown)], "unknown key(s) learning_rat"),
    ]
    for args, message in cases:
        result = run("design", *args)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1


def test_config_file_overrides_the_preset(tmp_path):
    config = tmp_path / "c.json"
    config.write_text('{"env": {"reward_exponent": 2.0}, "network": {"lstm_layers": 0}}')
    result = run("design", "-t", "((((....))))", "--config", str(config), "--json", "-q")
    assert result.exit_code == 0 and json.loads(result.stdout)["solved"]


def test_an_hpo_incumbent_is_refused_by_a_mode_its_space_does_not_tune(tmp_path):
    best = tmp_path / "best.json"
    best.write_text(json.dumps({"config": {"env": {"reward_exponent": 4.0}}, "hpo": {"space": "learna"}}))
    refused = run("design", "-t", "((((....))))", "--config", str(best), "--time-limit", "5")
    assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "'learna'-space search: use it with --mode learna, not hybrid" in refused.stderr
    accepted = run("design", "-t", "((((....))))", "--config", str(best), "--mode", "learna", "--time-limit", "20",
                   "--json", "-q")
    assert accepted.exit_code == 0 and json.loads(accepted.stdout)["solved"]
