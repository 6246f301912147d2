"""BOHB with hpbandster: the worker adapter, the master (with resume) and local worker processes.

The only module that imports hpbandster (an import-linter contract). The worker is a thin adapter
around :func:`learna.hpo.objective.evaluate`; workers learn what to evaluate (space, targets, seed)
from the run's settings published on the nameserver (:mod:`learna.hpo.pyro`), so a remote worker
needs only the nameserver's address, the run id and the secret.

hpbandster 0.7.4 with ConfigSpace 1.2 and numpy 2, as checked by ``tests/test_hpo.py``: the KDE
config generator works through ConfigSpace's deprecated API (``get_hyperparameters``,
``get_dictionary``: warnings only, silenced here), conditional hyperparameters are imputed, and
model-based picks happen once a budget has 2·(d+1) results (d hyperparameters: 30 for the learna
spaces, 34 for hybrid). Categorical values come back as numpy scalars: the log writes them as
Python ones (:func:`json_line`), and :func:`learna.hpo.space.validate` converts them for the worker.
What needed working around: Pyro's serpent serializer (hangs: :mod:`learna.hpo.pyro` uses pickle),
``WarmStartIteration`` on a log without results (``max()`` of nothing: resume skips it), and
``json_result_logger`` refusing existing files (resume appends through :class:`AppendingLogger`).

Resume: the master reloads the log (``logged_results_to_HBS_result``) as hpbandster's
``previous_result`` (which trains the KDE on it) and replays the logged iterations into
successive-halving brackets with the same config ids, so finished evaluations are not repeated,
the interrupted bracket continues where it stopped and new brackets keep their numbering.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np
import Pyro4
from hpbandster.core.dispatcher import Job
from hpbandster.core.result import json_result_logger, logged_results_to_HBS_result
from hpbandster.core.worker import Worker

from learna.data import GenerationSpec
from learna.errors import ConfigError, InputFileError
from learna.hpo import local, pyro
from learna.hpo.objective import evaluate, shutdown_pools, training_targets, warm
from learna.hpo.results import CONFIGS_FILE, RESULTS_FILE, RunSpec, read_log, repair_logs
from learna.hpo.space import configuration_space, get_space
from learna.structure import Target

log = logging.getLogger("learna.hpo")
PING_INTERVAL = 10
"""Seconds between the dispatcher's searches for new or dead workers."""


class LearnaWorker(Worker):
    """hpbandster worker: ``compute`` is :func:`evaluate` with the run's published settings."""

    def __init__(self, settings: dict, processes: int = 1, work_dir: str | None = None, **kwargs):
        super().__init__(logger=logging.getLogger("learna.hpo.worker"), **kwargs)
        self.settings, self.processes, self.work_dir = settings, processes, work_dir
        self.targets = [Target(dot_bracket, id=target_id) for target_id, dot_bracket in settings["targets"]]
        self._training: list[Target] | None = None

    def compute(self, config_id, config, budget, working_directory):
        seed = evaluation_seed(self.settings["seed"], config_id)
        work_dir = None  # meta-learna keeps each trained model here, named like the original's (224_0_1)
        if self.work_dir is not None:
            work_dir = Path(self.work_dir) / model_dir(config_id, budget)
        result = evaluate(config, budget, self.targets, seed, mode=self.settings["space"], processes=self.processes,
                          design_time=self.settings["design_time"], training=self._training_targets(),
                          work_dir=work_dir)
        log.debug("evaluated %s at budget %g: loss %.4f", config_id, budget, result["loss"])
        return result

    def _training_targets(self) -> list[Target] | None:
        if get_space(self.settings["space"]).mode != "meta-learna":
            return None
        if self._training is None:
            self._training = training_targets(GenerationSpec(**self.settings["training"])) \
                if self.settings["training"] else training_targets()
        return self._training


def model_dir(config_id, budget: float) -> str:
    """Where a worker with a work directory keeps the model meta-trained for ``config_id`` at ``budget``."""
    return f"models/{'_'.join(map(str, config_id))}_{budget:g}"


def evaluation_seed(base: int, config_id) -> int:
    """A reproducible seed per (run seed, config id), the same on every host."""
    return zlib.crc32(f"{base}/{'/'.join(map(str, config_id))}".encode()) % 2**31


def run_worker(nameserver: str, port: int, run_id: str, *, secret: bytes | None, host: str | None = None,
               processes: int = 1, work_dir: str | None = None, connect_timeout: float = 120.0,
               parent_pid: int | None = None, worker_id: str | None = None) -> None:
    """Serve evaluations for run ``run_id`` until the master shuts the workers down (or disappears)."""
    pyro.require_secret(nameserver, secret, "a worker for a nameserver")
    pyro.configure(secret)
    settings = pyro.fetch_settings(nameserver, port, run_id, connect_timeout)
    host = host or pyro.local_address_towards(nameserver, port)
    pyro.require_secret(host, secret)
    warm()  # torch's one-off initialisation, before the first evaluation is timed
    worker = LearnaWorker(settings, processes, work_dir, run_id=run_id, nameserver=nameserver,
                          nameserver_port=port, host=host, id=worker_id)
    done = threading.Event()
    threading.Thread(target=local.watchdog, args=(nameserver, port, parent_pid, done), daemon=True).start()
    log.info("worker %s serving run %s (space %s, %d targets)", worker.worker_id, run_id, settings["space"],
             len(worker.targets))
    try:
        with warnings.catch_warnings():
            _quiet_warnings()
            worker.run(background=False)
    except Pyro4.errors.PyroError:
        pass  # the nameserver went away while the worker unregistered: the run is over
    finally:
        done.set()
        shutdown_pools()


def _local_worker(nameserver: str, port: int, run_id: str, secret: bytes | None, parent_pid: int, index: int,
                  work_dir: str) -> None:
    """Entry point of a worker process started by :func:`run_master` (spawned: a fresh interpreter)."""
    import torch

    torch.set_num_threads(1)
    pyro.configure_logging(logging.INFO)
    try:
        run_worker(nameserver, port, run_id, secret=secret, parent_pid=parent_pid, worker_id=f"local{index}",
                   connect_timeout=60.0, work_dir=work_dir)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the master cleans up
        pass


class AppendingLogger(json_result_logger):
    """hpbandster's live result logger (same files, same lines) that appends to an existing log and
    writes every line in one flushed, fsynced write, so a killed run leaves at most a torn last line."""

    def __init__(self, directory: str | Path):  # deliberately not calling super(): it truncates or refuses
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.config_fn, self.results_fn = str(directory / CONFIGS_FILE), str(directory / RESULTS_FILE)
        self.config_ids = set(read_log(directory)[0]) if Path(self.config_fn).exists() else set()

    def new_config(self, config_id, config, config_info):
        if config_id not in self.config_ids:
            self.config_ids.add(config_id)
            _append(self.config_fn, [config_id, config, config_info])

    def __call__(self, job):
        if job.id not in self.config_ids:
            self.new_config(job.id, job.kwargs["config"], {})
        _append(self.results_fn, [job.id, job.kwargs["budget"], job.timestamps, job.result, job.exception])
        loss = job.result["loss"] if job.result else float("nan")
        log.info("result %s at budget %g: loss %.4f%s", job.id, job.kwargs["budget"], loss,
                 "" if job.exception is None else " (crashed)")


def json_line(row: list) -> str:
    """A log line: ``row`` as JSON, numpy scalars (ConfigSpace's categorical values) as Python ones."""
    return json.dumps(row, default=_python_scalar)


def _python_scalar(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _append(path: str, row: list) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json_line(row) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def run_master(spec: RunSpec, out: str | Path, *, host: str = "127.0.0.1", port: int = 0,
               secret: bytes | None = None, workers: int = 0, min_workers: int = 1, resume: bool = False,
               advertise: str | None = None, local_only: bool = False) -> None:
    """Run (or resume) BOHB: nameserver and master here, ``workers`` local worker processes, and any
    number of remote workers that connect to ``host:port`` with the same run id and secret.

    ``local_only``: no remote workers are expected, so the run fails (instead of waiting for new
    workers, as hpbandster does) if every local worker process stops, and a random secret guards
    the loopback ports against other users of this machine.
    """
    if local_only and secret is None:
        secret = secrets.token_bytes(32)
    pyro.require_secret(host, secret)
    if secret is None:
        log.warning("no --secret-file: any user of this machine can talk to this run on %s", host)
    out = Path(out)
    previous = _prepare(spec, out, resume)
    pyro.configure(secret)
    nat = pyro.advertised_address(host, advertise)
    if nat:
        Pyro4.config.NATHOST, Pyro4.config.NATPORT = nat, 0
    nameserver = pyro.NameServer(host, port, spec.run_id, spec.worker_settings())
    ns_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    log.info("nameserver at %s:%d, run id %s", nat or nameserver.host, nameserver.port, spec.run_id)
    processes, master = [], None
    try:
        processes = [local.start(_local_worker, (ns_host, nameserver.port, spec.run_id, secret, os.getpid(), k,
                                                 str(out)), f"learna-hpo-worker-{k}") for k in range(workers)]
        with warnings.catch_warnings():
            _quiet_warnings()
            master = _master(spec, out, previous, ns_host, nameserver.port, host)
            remaining = spec.iterations - _replay(master, previous)
            if remaining <= 0 and not master.active_iterations():
                log.info("the logged run has all its %d iterations: nothing left to evaluate", spec.iterations)
            else:
                local.supervised(lambda: master.run(n_iterations=max(0, remaining), min_n_workers=min_workers),
                                 processes if local_only else [])
    finally:
        if master is not None:
            master.shutdown(shutdown_workers=True)
        local.stop(processes)
        nameserver.shutdown()


def _quiet_warnings() -> None:
    """hpbandster calls ConfigSpace's deprecated API and statsmodels warns about its future defaults."""
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", FutureWarning)


def _prepare(spec: RunSpec, out: Path, resume: bool):
    """Check ``out`` against ``resume``; save the spec; the logged previous result (or None)."""
    has_log = (out / CONFIGS_FILE).exists() and (out / CONFIGS_FILE).stat().st_size > 0
    if has_log and not resume:
        raise ConfigError(f"{out} already holds a BOHB log: pass --resume to continue it, or choose another --out")
    if resume:
        if not has_log:
            raise ConfigError(f"nothing to resume in {out}: it holds no BOHB log")
        differences = RunSpec.load(out).differences(spec)
        if differences:
            raise ConfigError(f"--resume with other settings than the logged run ({', '.join(differences)}); "
                              "give the original options")
        repair_logs(out)
    out.mkdir(parents=True, exist_ok=True)
    spec.save(out)
    if not resume:
        return None
    try:
        result = logged_results_to_HBS_result(str(out))
    except (KeyError, ValueError, TypeError) as exc:
        raise InputFileError(f"the BOHB log in {out} is corrupted ({type(exc).__name__}: {exc})") from None
    return result if result.get_all_runs() else _Unfinished(result)


class _Unfinished:
    """A log with configurations but no results yet (hpbandster's warm start cannot take it)."""

    def __init__(self, result):
        self.data = result.data


def _master(spec: RunSpec, out: Path, previous, ns_host: str, ns_port: int, host: str):
    from hpbandster.optimizers import BOHB  # imports statsmodels: only the master needs it

    logged = 0 if previous is None else len(previous.data)
    seed = spec.seed + 7919 * logged  # a resumed run must not redraw the first run's random samples
    np.random.seed(seed % 2**32)
    master = BOHB(configspace=configuration_space(spec.space, seed=seed % 2**31), run_id=spec.run_id, eta=spec.eta,
                  min_budget=spec.min_budget, max_budget=spec.max_budget, nameserver=ns_host,
                  nameserver_port=ns_port, host=host, working_directory=str(out), ping_interval=PING_INTERVAL,
                  result_logger=AppendingLogger(out),
                  previous_result=None if previous is None or isinstance(previous, _Unfinished) else previous,
                  logger=logging.getLogger("hpbandster"))
    # hpbandster truncates log(max/min)/log(eta) towards zero, so 0.2..1.8 with eta 3 (1.9999999999999996)
    # loses its smallest budget; use the budgets of the spec (rounded before truncation).
    master.budgets = np.array(spec.budgets())
    master.max_SH_iter = len(master.budgets)
    master.config.update(budgets=master.budgets, max_SH_iter=master.max_SH_iter)
    return master


def _replay(master, previous) -> int:
    """Rebuild the logged iterations (same ids, finished results registered); their number."""
    if previous is None:
        return 0
    data = previous.data
    count = 1 + max((cid[0] for cid in data), default=-1)
    for index in range(count):
        iteration = master.get_next_iteration(index, {"result_logger": master.result_logger})
        sample = iteration.config_sampler

        def logged_or_new(budget, _it=iteration, _sample=sample, _index=index):
            cid = (_index, _it.stage, _it.actual_num_configs[_it.stage])
            return (data[cid].config, data[cid].config_info) if cid in data else _sample(budget)

        iteration.config_sampler = logged_or_new
        pending = []
        while (run := iteration.get_next_run()) is not None:
            cid, config, budget = run
            datum = data.get(cid)
            if datum is None or budget not in datum.results:
                pending.append(cid)  # never finished: evaluate it (again) when the run goes on
                continue
            job = Job(cid, config=config, budget=budget, working_directory=master.working_directory)
            job.result, job.exception = datum.results[budget], datum.exceptions.get(budget)
            job.timestamps = dict(datum.time_stamps.get(budget, {}))
            iteration.register_result(job)
        for cid in pending:
            iteration.data[cid].status = "QUEUED"
            iteration.num_running -= 1
        iteration.config_sampler = sample
        master.iterations.append(iteration)
    log.info("resumed %d iterations (%d configurations) from the log", count, len(data))
    return count
