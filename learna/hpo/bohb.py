"""BOHB with hpbandster: the master (nameserver, BOHB, live logs, resume) and its local worker processes.

hpbandster is imported only here and in :mod:`learna.hpo.worker` and :mod:`learna.hpo.replay` (an
import-linter contract). hpbandster 0.7.4 with ConfigSpace 1.2 and numpy 2, as checked by
``tests/test_hpo.py``: the KDE config generator works through ConfigSpace's deprecated API
(``get_hyperparameters``, ``get_dictionary``: warnings only, silenced), conditional hyperparameters are
imputed, and model-based picks happen once a budget has 2·(d+1) results (d hyperparameters: 30 for the
learna spaces, 34 for hybrid). Categorical values come back as numpy scalars: the log writes them as
Python ones (:func:`python_scalar`), and :func:`learna.hpo.space.validate` converts them for the worker.
What needed working around: Pyro's serpent serializer (hangs: :mod:`learna.hpo.pyro` uses pickle),
``WarmStartIteration`` on a log without results (``max()`` of nothing: resume skips it), and
``json_result_logger`` refusing existing files (resume appends through :class:`AppendingLogger`).
Resume: :mod:`learna.hpo.replay`.
"""

from __future__ import annotations

import logging
import os
import secrets
import warnings
from pathlib import Path

import numpy as np
import Pyro4
from hpbandster.core.result import json_result_logger, logged_results_to_HBS_result

from learna.errors import ConfigError, InputFileError
from learna.fileio import append_jsonl
from learna.hpo import local, pyro
from learna.hpo.replay import replay
from learna.hpo.results import CONFIGS_FILE, RESULTS_FILE, RunSpec, read_log, repair_logs
from learna.hpo.space import configuration_space
from learna.hpo.worker import local_worker, quiet_warnings
from learna.processes import start

log = logging.getLogger("learna.hpo")
PING_INTERVAL = 10
"""Seconds between the dispatcher's searches for new or dead workers."""


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
            append_jsonl(Path(self.config_fn), [config_id, config, config_info], default=python_scalar)

    def __call__(self, job):
        if job.id not in self.config_ids:
            self.new_config(job.id, job.kwargs["config"], {})
        append_jsonl(Path(self.results_fn), [job.id, job.kwargs["budget"], job.timestamps, job.result, job.exception],
                     default=python_scalar)
        loss = job.result["loss"] if job.result else float("nan")
        log.info("result %s at budget %g: loss %.4f%s", job.id, job.kwargs["budget"], loss,
                 "" if job.exception is None else " (crashed)")


def python_scalar(value):
    """A numpy scalar (ConfigSpace's categorical values) as the Python one, for the JSON log."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


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
        processes = [start(local_worker, (ns_host, nameserver.port, spec.run_id, secret, os.getpid(), k,
                                           str(out)), f"learna-hpo-worker-{k}") for k in range(workers)]
        with warnings.catch_warnings():
            quiet_warnings()
            master = _master(spec, out, previous, ns_host, nameserver.port, host)
            remaining = spec.iterations - replay(master, previous)
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
