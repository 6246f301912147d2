"""`learna benchmark --scheduler` and `learna design --scheduler` on a real Dask cluster: a scheduler and two
workers (`dask scheduler`, `dask worker`, each with its nanny) started here on 127.0.0.1; no mocks."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from learna.cli.main import cli
from learna.harness.records import read_records

distributed = pytest.importorskip("distributed", reason="Dask is not installed (pip install 'learna[dask]')")

SHORT = "8,1,23"  # the three shortest Eterna100-V2 targets: hybrid solves each in well under a second
LONG_FIRST = "90,22,1,8"  # 90 (400 nt) always takes the whole limit; it is planned, so sent, first
BIN = Path(sys.executable).parent
QUIET = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False", "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
         "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "5s",
         "DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL": "1s"}  # as scripts/dask_local_cluster.sh sets them


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def bench(out, *args, ids=SHORT, limit=3):
    return run("benchmark", "--dataset", "eterna100-v2", "--method", "hybrid", "--ids", ids, "--time-limit", limit,
               "--out", out, *args)


def facts(records):
    """What a run must give wherever it ran: per (target, run) the seed, the design and its assessment."""
    return sorted((r.id, r.run, r.seed, r.sequence, r.folded, r.solved, r.unique_mfe, r.status) for r in records)


class Cluster:
    """A Dask scheduler and named workers, each its own process group (so one can be killed whole)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.scheduler_file = directory / "scheduler.json"
        self.workers: dict[str, subprocess.Popen] = {}
        self.scheduler = self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0")
        deadline = time.monotonic() + 60
        while not self.scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        self.client = distributed.Client(self.address, timeout=30, set_as_default=False)

    def _start(self, name, *args):
        log = open(self.directory / f"{name}.log", "w")
        return subprocess.Popen([str(BIN / "dask"), *args, "--no-dashboard", "--scheduler-file",
                                 str(self.scheduler_file)], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env={**os.environ, **QUIET})

    def add_worker(self, name):
        self.workers[name] = self._start(name, "worker", "--nworkers", "1", "--nthreads", "1", "--name", name,
                                         "--local-directory", str(self.directory / name))

    def wait_for_workers(self, count):
        self.client.wait_for_workers(count, timeout=90)

    def kill_worker(self, name):
        """Lose a worker as a machine is lost: its nanny, worker, forkserver and design process at once."""
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers.pop(name).wait()

    def busy(self) -> dict[str, list[str]]:
        """Worker name -> keys it is processing."""
        names = {address: info["name"] for address, info in self.client.scheduler_info()["workers"].items()}
        return {names[address]: list(keys) for address, keys in self.client.processing().items() if keys}

    def kill_scheduler(self):
        os.killpg(self.scheduler.pid, signal.SIGKILL)
        self.scheduler.wait()

    def close(self):
        self.client.close(timeout=5)
        for process in [*self.workers.values(), self.scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        cluster.add_worker("w1")
        cluster.add_worker("w2")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.close()


def _start_cli(*args):
    return subprocess.Popen([str(BIN / "learna"), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _count_lines(path):
    return path.read_text().count("\n") if path.exists() else 0


@pytest.mark.slow
def test_a_benchmark_on_the_cluster_gives_the_records_of_the_local_harness(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert bench(local, "--runs", 2, "--processes", 2, "-q").exit_code == 0
    result = bench(remote, "--runs", 2, "--scheduler", cluster.address, "--json")
    assert result.exit_code == 0, result.output
    assert facts(read_records(remote)) == facts(read_records(local))  # same ids, seeds and designs
    assert len(facts(read_records(remote))) == 6 and all(r.solved for r in read_records(remote))
    for record in read_records(remote):
        assert record.startup_s > 0 and record.time_s < 3 and record.stats["cpu_s"] >= 0
    info = json.loads((remote / "run.json").read_text())
    assert info["scheduler"] == cluster.address and info["shard"] is None
    assert result.stderr.count(" solved | ETA ") == 6  # one progress line per record, as locally
    assert json.loads(result.stdout)["solved_at_limit"] == {"any": 3, "mean": 3.0}
    # the scheduler file works as the address, and a resumed run has nothing left to send
    assert bench(remote, "--runs", 2, "--scheduler", cluster.scheduler_file, "--resume", "-q").exit_code == 0
    assert len(read_records(remote)) == 6


@pytest.mark.slow
def test_design_on_the_cluster_gives_the_designs_of_a_local_design(cluster, tmp_path):
    targets = tmp_path / "targets.txt"
    targets.write_text(">a\n((((....))))\n>b\n(((((......)))))\n>c\n..((((((....))))))..((((....))))..\n")
    args = ["design", "--target-file", targets, "--seed", 3, "--time-limit", 5, "--json", "-q",
            "--polish", 30, "--max-folds", 100]  # the polish, too, runs on the cluster, each design a task
    local = [json.loads(line) for line in run(*args).stdout.splitlines()]
    result = run(*args, "--scheduler", cluster.address)
    assert result.exit_code == 0, result.output
    remote = [json.loads(line) for line in result.stdout.splitlines()]
    keep = ("id", "sequence", "folded", "solved", "unique_mfe", "mode", "seed", "probability")
    assert sorted([d[k] for k in keep] for d in remote) == sorted([d[k] for k in keep] for d in local)
    assert all(d["solved"] and d["stats"]["polish"]["folds"] == 100 for d in remote)


@pytest.mark.slow
def test_a_killed_client_resumes_without_losing_or_repeating(cluster, tmp_path):
    out = tmp_path / "run"
    args = ["benchmark", "--dataset", "eterna100-v2", "--method", "hybrid", "--ids", LONG_FIRST, "--time-limit", 3,
            "--scheduler", cluster.address, "--out", out, "-q"]
    first = _start_cli(*args)
    deadline = time.monotonic() + 120
    while _count_lines(out / "records.jsonl") < 1 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()  # SIGKILL: the client goes, the lock with it; the cluster drops its tasks
    first.wait()
    kept = (out / "records.jsonl").read_text().splitlines()
    assert 1 <= len(kept) < 4
    result = run(*args, "--resume")
    assert result.exit_code == 0, result.output
    lines = (out / "records.jsonl").read_text().splitlines()
    assert lines[: len(kept)] == kept and len(lines) == 4  # what was recorded stays, the rest once each
    records = read_records(out)
    assert sorted(r.id for r in records) == ["1", "22", "8", "90"]
    assert all(r.status == "finished" for r in records)


@pytest.mark.slow
def test_a_worker_lost_mid_task_loses_and_duplicates_nothing(cluster, tmp_path):
    out = tmp_path / "run"
    client = _start_cli("benchmark", "--dataset", "eterna100-v2", "--method", "hybrid", "--ids", LONG_FIRST,
                        "--time-limit", 4, "--scheduler", cluster.address, "--out", out)
    victim, deadline = None, time.monotonic() + 120
    while victim is None and time.monotonic() < deadline and client.poll() is None:
        busy = {name: keys for name, keys in cluster.busy().items() if any(k.startswith("learna-90-") for k in keys)}
        if busy:
            time.sleep(1.5)  # the design of target 90 is under way (it runs for the whole 4 s)
            victim = next(iter(busy))
            assert any(k.startswith("learna-90-") for k in cluster.busy().get(victim, []))
            cluster.kill_worker(victim)
        time.sleep(0.05)
    assert victim is not None, "target 90 was never seen running"
    stdout, stderr = client.communicate(timeout=180)
    assert client.returncode == 0, stderr
    lines = (out / "records.jsonl").read_text().splitlines()
    records = read_records(out)
    assert len(lines) == 4 and sorted(r.id for r in records) == ["1", "22", "8", "90"]
    assert all(r.status == "finished" for r in records)
    (long,) = [r for r in records if r.id == "90"]
    assert 4.0 <= long.time_s < 5  # retried on the other worker and run for the whole limit there
    assert stderr.count(" | ETA ") == 4


@pytest.mark.slow
def test_a_lost_scheduler_stops_the_client_with_one_line_and_resume_continues(cluster, tmp_path):
    """(Last of the cluster's tests: it ends the cluster.)"""
    out = tmp_path / "run"
    args = ["benchmark", "--dataset", "eterna100-v2", "--method", "hybrid", "--ids", "8,90", "--time-limit", 3,
            "--out", out, "-q"]
    client = _start_cli(*args, "--scheduler", cluster.address)
    deadline = time.monotonic() + 120
    while not any(k.startswith("learna-90-") for keys in cluster.busy().values() for k in keys):
        assert time.monotonic() < deadline and client.poll() is None, client.poll()
        time.sleep(0.05)
    cluster.kill_scheduler()
    _, stderr = client.communicate(timeout=120)
    assert client.returncode == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert "the Dask scheduler at" in stderr and "continue with --resume" in stderr
    assert _count_lines(out / "records.jsonl") <= 1
    assert run(*args, "--resume").exit_code == 0  # here, without a cluster
    assert sorted(r.id for r in read_records(out)) == ["8", "90"]
    assert json.loads((out / "run.json").read_text())["scheduler"] is None  # where it last ran


def test_a_bad_or_unreachable_scheduler_gives_one_line_and_writes_nothing(tmp_path, monkeypatch):
    import learna.harness.cluster

    monkeypatch.setattr(learna.harness.cluster, "CONNECT_TIMEOUT_S", 0.5)
    for address, message in [("localhost", "must be a Dask scheduler's address"),
                              ("http://10.0.0.1:8786", "must be a Dask scheduler's address"),
                              ("tcp://10.0.0.1:99999", "must be a Dask scheduler's address"),
                              ("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1")]:
        for result in (bench(tmp_path / "run", "--scheduler", address),
                       run("design", "--target", "((((....))))", "--scheduler", address)):
            assert result.exit_code == 2, (address, result.output)
            assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "run").exists()
    result = bench(tmp_path / "run", "--scheduler", "tcp://127.0.0.1:1", "--processes", 2)
    assert result.exit_code == 2 and "--processes is for this machine" in result.stderr


def test_without_dask_a_scheduler_asks_for_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    result = bench(tmp_path / "run", "--scheduler", "tcp://127.0.0.1:8786")
    assert result.exit_code == 2 and "pip install 'learna[dask]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "run").exists()


def test_a_worker_with_other_versions_refuses_the_task():
    from learna.harness.cluster import _run_task, installed_versions

    other = {**installed_versions(), "ViennaRNA": "2.0.0"}
    end = _run_task(("8", 0, 1), b"", 1.0, (), other)
    assert end.kind == "error" and "install the same versions on every worker" in end.value
    assert "ViennaRNA 2.0.0" in end.value
    assert end.key == ("8", 0, 1)


@pytest.mark.slow
def test_without_a_scheduler_dask_is_never_imported(tmp_path):
    code = ("import sys\nfrom learna.cli.main import main\nsys.argv = ['learna'] + sys.argv[1:]\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
            "assert not loaded, loaded\n")
    result = subprocess.run([sys.executable, "-c", code, "benchmark", "--dataset", "eterna100-v2", "--method",
                             "rnainverse", "--ids", "8", "--time-limit", "1", "--out", str(tmp_path / "run"), "-q"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(read_records(tmp_path / "run")) == 1
