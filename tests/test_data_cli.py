import json
import re
import shutil

import pytest
from click.testing import CliRunner

import learna.data
from learna.cli.main import cli
from learna.data import DATASETS, dataset_path, load_dataset, read_targets, select_targets
from learna.errors import InputFileError


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_shipped_datasets_load_with_their_checksums():
    for name in DATASETS:
        targets = load_dataset(name)
        assert len(targets) == 100 and [t.id for t in targets] == [str(i) for i in range(1, 101)]
    assert load_dataset("eterna100-v2")[0].dot_bracket == "(((((......)))))"


def test_a_corrupted_copy_is_detected(tmp_path, monkeypatch):
    corrupted = tmp_path / "eterna100_v2.tsv"
    shutil.copy(dataset_path("eterna100-v2"), corrupted)
    corrupted.write_text(corrupted.read_text().replace("(((((......)))))", "((((........))))", 1))
    assert len(read_targets(corrupted)) == 100  # still parses: only the checksum can tell
    monkeypatch.setattr(learna.data, "dataset_path", lambda name: corrupted)
    with pytest.raises(InputFileError, match="eterna100-v2 is corrupted: sha256"):
        load_dataset("eterna100-v2")
    result = run("data", "list")
    assert result.exit_code == 2 and "corrupted" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_data_list_shows_counts_lengths_and_paths():
    result = run("data", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert set(rows) == set(DATASETS)
    v2 = rows["eterna100-v2"]
    assert (v2["count"], v2["min_length"], v2["median_length"], v2["max_length"]) == (100, 12, 104.0, 400)
    assert v2["path"].endswith("eterna100_v2.tsv")
    text = run("data", "list").stdout
    assert "eterna100-v1" in text and "eterna100-v2" in text and "median" in text


def test_generated_targets_are_reproducible_and_usable_as_a_dataset(tmp_path):
    first, second = tmp_path / "a.tsv", tmp_path / "b.tsv"
    args = ["--count", "5", "--min-length", "20", "--max-length", "40", "--seed", "3"]
    assert run("data", "generate", *args, "--out", str(first)).exit_code == 0
    assert run("data", "generate", *args, "--out", str(second)).exit_code == 0
    assert first.read_text() == second.read_text()
    targets = load_dataset(str(first))
    assert len(targets) == 5 and all(20 <= len(t) <= 40 and "(" in t.dot_bracket for t in targets)
    other = tmp_path / "c.tsv"
    run("data", "generate", *args[:-1], "4", "--out", str(other))
    assert other.read_text() != first.read_text()


def test_motif_targets_are_exact_length_valid_structures_with_designed_features(tmp_path):
    out = tmp_path / "motif.tsv"
    args = ["--kind", "motif", "--count", "30", "--min-length", "60", "--max-length", "200", "--seed", "5"]
    assert run("data", "generate", *args, "--out", str(out)).exit_code == 0
    again = tmp_path / "again.tsv"
    run("data", "generate", *args, "--out", str(again))
    assert out.read_text() == again.read_text()
    targets = load_dataset(str(out))  # parsing validates balance and characters
    assert len(targets) == 30 and all(60 <= len(t) <= 200 for t in targets)
    assert all(t.id.startswith("motif5-") for t in targets)
    structures = "".join(t.dot_bracket + " " for t in targets)
    # what makes designed puzzles hard: lone pairs between loops, 1-nt bulges, multiloops
    assert re.search(r"[.]\([.]", structures) and re.search(r"\([.]\(|\)[.]\)", structures)
    assert any(multiloops(t.dot_bracket) for t in targets)
    # no hairpin is closed by a lone pair
    assert not re.search(r"[^(]\([.]+\)", structures)


def multiloops(structure: str) -> int:
    """Loops closed by a pair that enclose two or more helices."""
    stack, branches, count = [], [], 0
    for char in structure:
        if char == "(":
            if branches:
                branches[-1] += 1
            stack.append(char)
            branches.append(0)
        elif char == ")":
            stack.pop()
            count += branches.pop() >= 2
    return count


@pytest.mark.parametrize("args", [["--count", "3", "--min-length", "50", "--max-length", "10"],
                                  ["--count", "0"], ["--count", "100000000"], ["--max-length", "20000"],
                                  ["--seed", "-4"]])
def test_generate_rejects_bad_ranges(tmp_path, args):
    result = run("data", "generate", *args, "--out", str(tmp_path / "x.tsv"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "x.tsv").exists()


def test_id_selection():
    targets = load_dataset("eterna100-v2")
    assert [t.id for t in select_targets(targets, "1-3,35")] == ["1", "2", "3", "35"]
    assert [t.id for t in select_targets(targets, " 8 , 1 ")] == ["1", "8"]  # dataset order
    assert len(select_targets(targets, None)) == 100
    for bad, message in [("1-", "not in the dataset"), ("5-2", "reversed"), ("", "empty item"),
                         ("1,,2", "empty item"), ("99-101", "not in the dataset: 101"), ("x", "not in the dataset")]:
        with pytest.raises(InputFileError, match=message):
            select_targets(targets, bad)


def test_generated_ids_select_exactly(tmp_path):
    path = tmp_path / "g.tsv"
    run("data", "generate", "--count", "3", "--min-length", "15", "--max-length", "20", "--out", str(path))
    targets = load_dataset(str(path))
    assert [t.id for t in select_targets(targets, "gen0-2")] == ["gen0-2"]
