"""Polishing a design (learna.search.polish, --polish): P(target) goes up, the unique MFE and the constraints stay."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import learna
from learna.cli.main import cli
from learna.errors import ConfigError
from learna.folding import fold_structure, mfe_structures
from learna.presets import PRESETS
from learna.quality import assess
from learna.search import polish
from learna.structure import Target

TARGET = "((((((....))))))..((((((....)))))).....((((....))))"
WEAK = "AAGUGAAAAAUUAUUUGAGCUAUGUGUUCAUAGCGGACCUCCUUCCCGGGA"
"""Folds into TARGET, the only MFE structure, but with P(target) 0.095 and an energy gap of 0.1 kcal/mol."""
TIED = "UACUUAUUCCUUGCAUCGGACGAG"  # two MFE structures


def test_polish_raises_the_probability_of_a_weak_design_and_keeps_its_unique_mfe():
    target = Target(TARGET)
    before = assess(target, WEAK)
    assert before.unique_mfe and before.probability < 0.1
    search = PRESETS["hybrid"].hybrid.search
    found = polish(WEAK, target, search, rng=np.random.default_rng(0), max_evaluations=200)
    after = assess(target, found.sequence)
    assert mfe_structures(found.sequence) == [TARGET] and found.unique_mfe
    assert after.probability > 5 * before.probability and after.energy_gap > before.energy_gap
    assert found.evaluations == 200  # it went on past every solution until the budget was spent
    again = polish(WEAK, target, search, rng=np.random.default_rng(0), max_evaluations=200)
    assert again.sequence == found.sequence  # the same seed and budget, the same design


def test_polish_honours_the_sequence_constraint_and_keeps_a_design_nothing_beats():
    constraint = "N" * 6 + "GAAA" + "N" * (len(TARGET) - 10)
    target = Target(TARGET, constraints=learna.DesignConstraints(constraint))
    start = WEAK[:6] + "GAAA" + WEAK[10:]
    assert fold_structure(start) == TARGET
    found = polish(start, target, PRESETS["hybrid"].hybrid.search, rng=np.random.default_rng(1), max_evaluations=150)
    assert found.sequence[6:10] == "GAAA" and fold_structure(found.sequence) == TARGET
    assert assess(target, found.sequence).probability >= assess(target, start).probability
    tied = Target(fold_structure(TIED), constraints=learna.DesignConstraints(TIED))  # one sequence allowed
    kept = polish(TIED, tied, PRESETS["hybrid"].hybrid.search, rng=np.random.default_rng(0), max_evaluations=20)
    assert kept.sequence == TIED and kept.solved and kept.unique_mfe is False


@pytest.mark.parametrize("mode", ["hybrid", "meta-learna"])
def test_design_with_polish_reports_what_the_polish_did(mode):
    plain = learna.design(TARGET, mode=mode, seed=0, max_folds=300, time_limit=30)
    result = learna.design(TARGET, mode=mode, seed=0, max_folds=300, time_limit=30, polish=120)
    assert plain.solved and result.solved and result.unique_mfe
    report = result.stats["polish"]
    assert report["probability_before"] == pytest.approx(plain.probability)
    assert report["folds"] == 300  # the request's fold budget bounds the polish too: reproducible
    assert report["kept"] == (result.sequence != plain.sequence)
    assert result.probability >= plain.probability and mfe_structures(result.sequence) == [TARGET]
    assert result.probability == pytest.approx(assess(Target(TARGET), result.sequence).probability)
    assert (result.folds, result.folds_to_solve) == (plain.folds, plain.folds_to_solve)  # the design's own counts
    several = learna.design(TARGET, seed=0, max_folds=300, time_limit=30, designs=2, polish=5)
    assert [r.rank for r in several] == [1, 2] and all("polish" in r.stats for r in several)
    assert sum(a != b for a, b in zip(several[0].sequence, several[1].sequence)) >= 6  # a tenth of the sites
    with pytest.raises(ConfigError, match="polish must be a non-negative number of seconds"):
        learna.design(TARGET, polish=-1)


def test_cli_polish_prints_the_change_and_refuses_a_negative_time():
    runner = CliRunner()
    result = runner.invoke(cli, ["design", "-t", TARGET, "--polish", "120", "--max-folds", "200", "--seed", "0"])
    assert result.exit_code == 0, result.output
    line = [x for x in result.stdout.splitlines() if x.startswith("polished  ")]
    assert len(line) == 1 and "200 folds" in line[0]
    as_json = json.loads(runner.invoke(cli, ["design", "-t", TARGET, "--polish", "120", "--max-folds", "200",
                                             "--json", "-q"]).stdout)
    assert as_json["stats"]["polish"]["folds"] == 200
    refused = runner.invoke(cli, ["design", "-t", TARGET, "--polish", "-1"])
    assert refused.exit_code == 2 and "--polish" in refused.output
    endless = runner.invoke(cli, ["design", "-t", TARGET, "--polish", "inf"])  # refused before any design
    assert endless.exit_code == 2 and endless.stdout == "" and "non-negative number of seconds" in endless.stderr


def test_polishing_a_tied_design_finds_a_unique_one_after_the_design_time():
    from learna.api import make_request
    from learna.designers.base import RunOutcome, finish
    from learna.designers.polish import polish_result

    request = make_request(fold_structure(TIED), seed=0, max_folds=100)
    tied = finish(request, "hybrid", RunOutcome(TIED, 1.0, 5, time_to_solve_s=0.5, folds_to_solve=3), request.config)
    assert tied.solved and tied.unique_mfe is False and tied.time_to_unique_s is None
    result = polish_result(request, tied, 30.0)
    assert result.unique_mfe and mfe_structures(result.sequence) == [fold_structure(TIED)]
    assert result.stats["polish"]["kept"] and result.stats["polish"]["unique_mfe_before"] is False
    assert (result.time_s, result.time_to_solve_s, result.folds) == (1.0, 0.5, 5)  # the design's own
    assert result.time_to_unique_s > 1.0  # found by the polish, after the design's second


def test_cli_polishes_in_worker_processes_as_it_does_here(tmp_path):
    targets = tmp_path / "targets.txt"
    targets.write_text(f"{TARGET}\n{TARGET[18:]}\n((((....))))\n")
    runner = CliRunner()
    options = ["design", "--target-file", str(targets), "--polish", "60", "--max-folds", "150", "--seed", "3",
               "--json", "-q"]
    here = [json.loads(line) for line in runner.invoke(cli, options).stdout.splitlines()]
    apart = [json.loads(line) for line in runner.invoke(cli, [*options, "--processes", "2"]).stdout.splitlines()]
    assert [r["id"] for r in apart] == [r["id"] for r in here] and len(here) == 3
    for a, b in zip(here, apart):  # the same seeds and fold budgets, the same polished designs
        assert a["sequence"] == b["sequence"] and a["solved"] and mfe_structures(a["sequence"]) == [a["target"]]
        assert {k: a["stats"]["polish"][k] for k in ("folds", "kept", "probability_before")} == \
               {k: b["stats"]["polish"][k] for k in ("folds", "kept", "probability_before")}
    assert any(r["stats"]["polish"]["kept"] for r in apart)


def test_a_polish_that_fails_in_its_worker_keeps_the_design_and_says_why():
    from dataclasses import replace

    from learna.api import make_request
    from learna.designers.base import RunOutcome, finish
    from learna.harness.designs import polish_batch

    request = make_request(TARGET, seed=0, max_folds=50)
    good = finish(request, "hybrid", RunOutcome(WEAK, 1.0, 5, time_to_solve_s=0.5, folds_to_solve=3), request.config)
    broken = replace(good, sequence=WEAK[:-1])  # one site short: the polish's search refuses it
    unsolved = replace(good, solved=False)
    out = polish_batch([(request, good), (request, broken), (request, unsolved)], 30.0, processes=2)
    assert out[0].stats["polish"]["folds"] == 50 and out[0].probability > good.probability
    assert out[1].sequence == broken.sequence and out[1].stats["polish"]["kept"] is False
    assert "error" in out[1].stats["polish"] and len(out[1].stats["polish"]["error"].splitlines()) == 1
    assert out[2] is unsolved  # only designs that count as solved are polished


def test_polish_outcome_makes_a_tied_benchmark_design_unique_and_keeps_the_designs_own_times():
    from learna.api import make_request
    from learna.designers.base import RunOutcome
    from learna.designers.polish import polish_outcome
    from learna.harness.records import make_record

    target = Target(fold_structure(TIED))
    request = make_request(target, seed=0, max_folds=100)
    outcome = RunOutcome(TIED, 1.0, 5, time_to_solve_s=0.5, folds_to_solve=3)
    assert polish_outcome(request, "hybrid", outcome, 0.0) is outcome
    unsolved = RunOutcome("A" * len(TIED), 1.0, 5)
    assert polish_outcome(request, "hybrid", unsolved, 30.0) is unsolved  # nothing to polish
    polished = polish_outcome(request, "hybrid", outcome, 30.0)
    assert polished.sequence != TIED and polished.first_solution == TIED
    assert polished.stats["polish"]["kept"] and polished.stats["polish"]["folds"] == 100
    record = make_record(target, polished, request.config.env.folding, request.config.uniqueness,
                         status="finished", time_s=polished.time_s, method="hybrid", run=0, seed=0, startup_s=0.0)
    assert record.solved and record.unique_mfe and mfe_structures(record.sequence) == [target.dot_bracket]
    assert (record.time_to_solve_s, record.folds_to_solve, record.folds) == (0.5, 3, 5)  # the design's own
    assert record.time_to_unique_s > 1.0  # the tie was made unique by the polish, after the design's second


def test_benchmark_polishes_each_solved_design_in_its_worker_and_records_both(tmp_path):
    from learna.harness.records import read_records

    runner = CliRunner()
    out = tmp_path / "run"
    args = ["benchmark", "--dataset", "eterna100-v2", "--method", "hybrid", "--ids", "8,23", "--time-limit", "5",
            "--out", str(out)]
    result = runner.invoke(cli, [*args, "--polish", "2", "--processes", "2"])
    assert result.exit_code == 0, result.output
    records = {r.id: r for r in read_records(out)}
    assert sorted(records) == ["23", "8"]
    for record in records.values():
        report = record.stats["polish"]
        assert record.solved and record.unique_mfe and mfe_structures(record.sequence) == [record.target]
        assert record.probability == pytest.approx(assess(Target(record.target), record.sequence).probability)
        assert 0 < report["seconds"] <= 2.5 and report["folds"] > 0
        if report["kept"]:
            assert record.probability > report["probability_before"]
        else:
            assert record.probability == pytest.approx(report["probability_before"])
        assert record.time_to_solve_s <= record.time_s < 5  # the design's own times, the polish not counted
    assert records["23"].stats["polish"]["kept"]  # P(target) of its first design is about 0.4
    assert "polished: P(target) " in result.stderr
    assert json.loads((out / "run.json").read_text())["polish_s"] == 2.0
    page = tmp_path / "report.html"
    table = runner.invoke(cli, ["report", str(out), "--html", str(page)])
    assert table.exit_code == 0 and "hybrid +polish 2 s" in table.stdout  # P and gap are the polished designs'
    assert "hybrid +polish 2 s" in page.read_text()
    again = runner.invoke(cli, [*args, "--resume", "--polish", "1"])
    assert again.exit_code == 2 and "different polish time (2.0, not 1.0)" in again.stderr
    refused = runner.invoke(cli, [*args[:-1], str(tmp_path / "other"), "--method", "rnainverse", "--polish", "1"])
    assert refused.exit_code == 2 and "method rnainverse is not polished" in refused.stderr
    assert not (tmp_path / "other").exists()
