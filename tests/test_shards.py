"""`learna benchmark --shard K/N` (SLURM arrays), `--merge` and `learna report` over shard directories."""

import json

import pytest
from click.testing import CliRunner

from learna.cli.main import cli
from learna.harness.records import read_records, write_run_info
from learna.harness.run import BenchmarkSpec, plan
from learna.harness.shards import plan_pairs, shard_of

SHORT = "8,1,23"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def bench(out, *args, ids=SHORT, runs=2):
    return run("benchmark", "--dataset", "eterna100-v2", "--method", "hybrid", "--ids", ids, "--runs", runs,
               "--time-limit", 3, "--out", out, *args)


def facts(records):
    return sorted((r.id, r.run, r.seed, r.sequence, r.folded, r.solved, r.unique_mfe, r.status) for r in records)


def test_shards_are_disjoint_and_cover_the_plan():
    pairs = plan_pairs(["a", "b", "c", "d", "e"], 3)
    assert pairs[:6] == [("a", 0), ("b", 0), ("c", 0), ("d", 0), ("e", 0), ("a", 1)]
    for count in (1, 2, 4, 15, 16):
        shards = [shard_of(pairs, (k, count)) for k in range(1, count + 1)]
        assert sorted(p for s in shards for p in s) == sorted(pairs)  # every pair once
        assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_shards_merged_equal_the_unsharded_run(tmp_path):
    whole = tmp_path / "whole"
    assert bench(whole, "--processes", 2, "-q").exit_code == 0
    shards = [tmp_path / "x" / f"shard-{k}" for k in (1, 2, 3)]
    for k, directory in enumerate(shards, start=1):
        result = bench(directory, "--shard", f"{k}/3", "-q")
        assert result.exit_code == 0, result.output
        info = json.loads((directory / "run.json").read_text())
        assert info["shard"] == [k, 3] and info["ids"] == ["1", "8", "23"] and info["runs"] == 2
        assert len(read_records(directory)) == 2
    assert bench(shards[0], "--shard", "1/3", "--resume", "-q").exit_code == 0  # a shard resumes
    assert len(read_records(shards[0])) == 2
    merged = tmp_path / "merged"
    result = run("benchmark", "--merge", "--out", merged, *reversed(shards), "--json")
    assert result.exit_code == 0, result.output
    assert "merged 3 shards" in result.stderr and "6 of 6" in result.stderr
    assert facts(read_records(merged)) == facts(read_records(whole))
    assert [r.key for r in read_records(merged)] == plan_pairs(["1", "8", "23"], 2)  # in plan order
    info = json.loads((merged / "run.json").read_text())
    assert info["shard"] is None and [m["shard"] for m in info["merged_from"]] == [[1, 3], [2, 3], [3, 3]]
    summary = json.loads(result.stdout)
    # reporting the shard directories is reporting the merged run
    report = json.loads(run("report", *shards, "--json").stdout)["runs"]
    assert len(report) == 1 and report[0]["directory"] == str(tmp_path / "x")
    assert report[0]["shards"] == {"count": 3, "read": [1, 2, 3], "missing": []}
    for key in ("solved", "unique", "records", "expected", "solved_at_limit"):
        assert report[0][key] == summary[key] == json.loads(run("report", whole, "--json").stdout)["runs"][0][key]
    # the merged run is an ordinary run directory: resuming it runs nothing
    assert bench(merged, "--resume", "-q").exit_code == 0 and len(read_records(merged)) == 6
    partial = run("report", shards[1], whole)
    assert partial.exit_code == 0 and "shard 2 of 3; shard(s) 1, 3 not given" in partial.stdout
    assert " 2/6 " in partial.stdout.splitlines()[1]


def _shard_directory(directory, shard, **changes):
    """A shard directory as `learna benchmark --shard` starts it (its run.json, no records yet)."""
    spec = BenchmarkSpec(method="rnainverse", dataset="eterna100-v2", ids=SHORT, runs=2, shard=shard,
                         **{"time_limit_s": 3.0, **changes})
    write_run_info(directory, plan(spec)[3])
    return directory


@pytest.mark.parametrize(("shards", "message"), [
    ([(1, 3), (2, 3), (3, 3, {"seed": 1})], "shard-3 is not a shard of the same run as"),
    ([(1, 3), (2, 3), (3, 3, {"time_limit_s": 9.0})], "different time limit"),
    ([(1, 2), (2, 3), (3, 3)], "different shard count (3, not 2)"),
    ([(1, 3), (3, 3)], "shard 2 of 3 is missing"),
    ([(1, 3), (2, 3), (2, 3), (3, 3)], "shard 2/3 is given twice"),
    ([(1, 3), None], "is not a shard directory"),
    ([], "--merge needs the shard directories"),
])
def test_a_merge_of_mismatched_shards_exits_2_with_one_line(tmp_path, shards, message):
    directories = []
    for n, shard in enumerate(shards):
        changes = shard[2] if shard and len(shard) > 2 else {}
        directory = tmp_path / f"{n}" / f"shard-{shard[0] if shard else 0}"
        directories.append(_shard_directory(directory, shard and shard[:2], **changes))
    result = run("benchmark", "--merge", "--out", tmp_path / "merged", *directories)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "merged").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--shard", "0/3"], "--shard must be K/N with 1 ≤ K ≤ N"),
    (["--shard", "4/3"], "got '4/3'"),
    (["--shard", "3"], "got '3'"),
    (["--shard", "a/b"], "--shard must be K/N"),
    (["--shard", "1/0"], "--shard must be K/N"),
    (["some/dir"], "shard directories are taken with --merge"),
    (["--merge", "--method", "learna", "a"], "--merge takes only --out"),
])
def test_bad_shard_options_exit_2_with_one_line(tmp_path, args, message):
    result = bench(tmp_path / "run", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_a_shard_resumes_only_as_the_same_shard_of_the_same_plan(tmp_path):
    directory = _shard_directory(tmp_path / "s", (1, 3))
    for args, message in [(("--shard", "2/3"), "different shard ([1, 3], not [2, 3])"),
                          (("--shard", "1/3", "--ids", "8,1"), "resume a shard with the same --ids and --runs"),
                          ((), "different shard ([1, 3], not None)")]:
        result = run("benchmark", "--dataset", "eterna100-v2", "--method", "rnainverse", "--ids", SHORT, "--runs", 2,
                     "--time-limit", 3, "--out", directory, "--resume", *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_report_refuses_a_shard_given_twice(tmp_path):
    first = _shard_directory(tmp_path / "a", (1, 2))
    again = _shard_directory(tmp_path / "b", (1, 2))
    result = run("report", first, again)
    assert result.exit_code == 2 and "shard 1/2 is given twice" in result.stderr
    other = _shard_directory(tmp_path / "c", (2, 2), seed=5)  # another run: its own row
    rows = json.loads(run("report", first, other, "--json").stdout)["runs"]
    assert [row["shards"]["read"] for row in rows] == [[1], [2]]
