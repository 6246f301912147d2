"""Several searches of one target at once (``--workers``): cancellation in the job runner, the portfolio's
choice, and the CLI paths, all with real worker processes and real designs."""

import json
import time
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from learna.cli.main import cli
from learna.errors import ConfigError
from learna.folding import fold_structure, mfe_structures
from learna.harness.portfolio import Verdict, check_workers, run_portfolios, worker_seed
from learna.harness.records import read_records
from learna.processes import run_jobs
from learna.seeding import derive_seed
from learna.structure import hamming


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _sleep(seconds, job):
    job.ready()
    time.sleep(seconds)
    return seconds


def test_cancelled_jobs_are_killed_or_never_started():
    cancelled = set()
    start = time.monotonic()
    ended = []
    for end in run_jobs([("fast", 0.0), ("slow", 30.0), ("queued", 30.0)], _sleep, processes=2, kill_after_s=60.0,
                        cancelled=cancelled):
        ended.append(end.key)
        cancelled.update({"slow", "queued"})
    assert ended == ["fast"]  # the running job was killed, the pending one dropped, neither reported
    assert time.monotonic() - start < 15


@dataclass(frozen=True)
class _Task:
    """The part of a harness task a portfolio touches: its seed (here also how long the job sleeps)."""

    seed: int


def _sleep_by_seed(job, context):
    _, task = job
    context.ready()
    seconds = 30.0 if task.seed == 7 else 0.0  # the first search (the run's own seed, 7) would take long
    time.sleep(seconds)
    return task.seed


def test_the_first_settled_search_ends_the_others():
    def judge(key, worker, end):
        return Verdict(settled=end.kind == "result", rank=(worker,), value=(worker, end.value))

    start = time.monotonic()
    (ended,) = run_portfolios([("target", (None, _Task(7)))], _sleep_by_seed, execute=run_jobs, workers=2,
                              processes=1, kill_after_s=60.0, judge=judge)
    assert ended == ("target", (1, worker_seed(7, 1)))  # the second search's own seed, derived from the run's
    assert worker_seed(7, 0) == 7 and worker_seed(7, 1) == derive_seed(7, "worker", 1)
    assert time.monotonic() - start < 15  # the 30-s search was killed


def test_without_a_settled_search_the_best_ranked_is_kept():
    def judge(key, worker, end):
        return Verdict(settled=False, rank=(-end.value,), value=end.value)  # the largest seed ranks first

    ended = dict(run_portfolios([(k, (None, _Task(seed))) for k, seed in (("a", 1), ("b", 2))], _sleep_by_seed,
                                execute=run_jobs, workers=3, processes=2, kill_after_s=60.0, judge=judge))
    assert ended == {key: max(worker_seed(seed, k) for k in range(3)) for key, seed in (("a", 1), ("b", 2))}


@pytest.mark.parametrize("workers", [0, 65, 1.5, True])
def test_bad_worker_counts_are_refused(workers):
    with pytest.raises(ConfigError, match="workers must be an integer"):
        check_workers(workers)
    with pytest.raises(ConfigError, match="this machine only"):
        check_workers(2, "tcp://127.0.0.1:8786")


def test_design_with_workers_gives_a_verified_design_from_one_of_its_searches():
    target = "((((((...((((....))))...))))))....((((....))))"
    result = run("design", "--target", target, "--workers", "2", "--time-limit", "10", "--seed", "3", "--json", "-q")
    assert result.exit_code == 0, result.output
    design = json.loads(result.stdout)
    assert fold_structure(design["sequence"]) == target and mfe_structures(design["sequence"]) == [target]
    assert design["solved"] and design["unique_mfe"]
    worker = design["stats"]["portfolio"]["worker"]
    assert design["stats"]["portfolio"]["workers"] == 2 and design["seed"] == worker_seed(3, worker)
    refused = run("design", "--target", target, "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert refused.exit_code == 2 and "for this machine" in refused.stderr


def test_python_design_with_workers_gives_verified_designs_and_refuses_what_it_cannot_do():
    import learna

    target = "((((((...((((....))))...))))))....((((....))))"
    first, second = learna.design(target, workers=2, time_limit=10, seed=3, designs=2)
    for design in (first, second):
        assert fold_structure(design.sequence) == target and mfe_structures(design.sequence) == [target]
        assert design.solved and design.unique_mfe and design.stats["portfolio"]["workers"] == 2
        assert design.seed in {worker_seed(run_seed, k) for run_seed in (3, derive_seed(3, "design", 1)) for k in (0, 1)}
    assert first.seed != second.seed
    assert hamming(first.sequence, second.sequence) >= 5 and first.rank == 1 and second.rank == 2
    with pytest.raises(ConfigError, match="workers must be an integer"):
        learna.design(target, workers=0)
    with pytest.raises(ConfigError, match="progress is reported only"):
        learna.design(target, workers=2, progress=print)
    with pytest.raises(ConfigError, match="grace_s"):
        learna.design(target, workers=2, grace_s=-1)


def test_benchmark_with_workers_records_the_winning_search_and_resumes_only_alike(tmp_path):
    out = tmp_path / "run"
    args = ["benchmark", "--dataset", "eterna100-v2", "--method", "hybrid", "--ids", "8,1", "--time-limit", "10",
            "--out", out, "-q"]
    result = run(*args, "--workers", "2")
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert sorted(r.id for r in records) == ["1", "8"]
    for record in records:
        assert record.solved and record.unique_mfe and fold_structure(record.sequence) == record.target
        worker = record.stats["portfolio"]["worker"]
        assert record.seed == worker_seed(derive_seed(0, record.id, 0), worker)
    assert json.loads((out / "run.json").read_text())["workers"] == 2
    refused = run(*args, "--workers", "3", "--resume")
    assert refused.exit_code == 2 and "number of workers per target" in refused.stderr
    refused = run(*args[:-3], "--out", tmp_path / "other", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1
