"""The hpbandster worker: a thin adapter around :func:`learna.hpo.objective.evaluate`.

Workers learn what to evaluate (space, targets, seed) from the run's settings published on the nameserver
(:mod:`learna.hpo.pyro`), so a remote worker needs only the nameserver's address, the run id and the
secret. Each evaluation's seed is derived from the run's seed and the configuration id
(:func:`learna.seeding.derive_seed`), the same on every host.
"""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path

import Pyro4
from hpbandster.core.worker import Worker

from learna.data import GenerationSpec
from learna.hpo import local, pyro
from learna.hpo.loss import training_targets
from learna.hpo.objective import evaluate, shutdown_pools, warm
from learna.hpo.results import model_dir
from learna.processes import check_seconds, one_torch_thread
from learna.hpo.space import get_space
from learna.seeding import derive_seed
from learna.structure import Target

log = logging.getLogger("learna.hpo")


class LearnaWorker(Worker):
    """hpbandster worker: ``compute`` is :func:`evaluate` with the run's published settings."""

    def __init__(self, settings: dict, processes: int = 1, work_dir: str | None = None, **kwargs):
        super().__init__(logger=logging.getLogger("learna.hpo.worker"), **kwargs)
        self.settings, self.processes, self.work_dir = settings, processes, work_dir
        self.targets = [Target(dot_bracket, id=target_id) for target_id, dot_bracket in settings["targets"]]
        self._training: list[Target] | None = None

    def compute(self, config_id, config, budget, working_directory):
        seed = derive_seed(self.settings["seed"], *config_id)  # the same on every host
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


def run_worker(nameserver: str, port: int, run_id: str, *, secret: bytes | None, host: str | None = None,
               processes: int = 1, work_dir: str | None = None, connect_timeout: float = 120.0,
               parent_pid: int | None = None, worker_id: str | None = None) -> None:
    """Serve evaluations for run ``run_id`` until the master shuts the workers down (or disappears)."""
    check_seconds(connect_timeout, "connect_timeout", positive=True)
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
            quiet_warnings()
            worker.run(background=False)
    except Pyro4.errors.PyroError:
        pass  # the nameserver went away while the worker unregistered: the run is over
    finally:
        done.set()
        shutdown_pools()


def local_worker(nameserver: str, port: int, run_id: str, secret: bytes | None, parent_pid: int, index: int,
                  work_dir: str) -> None:
    """Entry point of a worker process started by :func:`run_master` (spawned: a fresh interpreter)."""
    one_torch_thread()
    pyro.configure_logging(logging.INFO)
    try:
        run_worker(nameserver, port, run_id, secret=secret, parent_pid=parent_pid, worker_id=f"local{index}",
                   connect_timeout=60.0, work_dir=work_dir)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the master cleans up
        pass


def quiet_warnings() -> None:
    """hpbandster calls ConfigSpace's deprecated API and statsmodels warns about its future defaults."""
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", FutureWarning)
