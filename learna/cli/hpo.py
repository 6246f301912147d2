"""``learna hpo``: BOHB meta-optimisation (local run, multi-host master and worker, best, report)."""

from __future__ import annotations

import json
import logging
import uuid

import click

from learna.errors import ConfigError
from learna.seeding import check_seed

SEARCH_OPTIONS = [
    click.option("--space", default="learna", show_default=True,
                 help="Search space: learna, meta-learna or hybrid (the hybrid mode's search settings)."),
    click.option("--min-budget", type=float, required=True,
                 help="Smallest budget (learna, hybrid: design seconds per target; meta-learna: training seconds)."),
    click.option("--max-budget", type=float, required=True, help="Largest budget."),
    click.option("--iterations", type=int, required=True, help="BOHB iterations (brackets) in total."),
    click.option("--eta", type=float, default=3.0, show_default=True, help="Successive-halving factor."),
    click.option("--seed", type=int, default=0, show_default=True, help="Seed of the search and the evaluations.",
                 callback=lambda ctx, param, value: check_seed(value, "--seed")),
    click.option("--out", "out", type=click.Path(file_okay=False), required=True,
                 help="Run directory: run.json, configs.json, results.json."),
    click.option("--resume", is_flag=True, help="Continue the run logged in --out (same options)."),
    click.option("--validation", type=click.Path(dir_okay=False),
                 help="Validation target file (default: generated targets, never Eterna100)."),
    click.option("--validation-count", type=int, default=32, show_default=True, help="Generated validation targets."),
    click.option("--validation-length", type=(int, int), default=(50, 150), show_default=True,
                 help="Length range of generated validation targets."),
    click.option("--design-time", type=float, default=60.0, show_default=True,
                 help="meta-learna: design seconds per validation target after training."),
    click.option("--training-count", type=int, default=2000, show_default=True,
                 help="meta-learna: generated training targets."),
    click.option("--quiet", "-q", is_flag=True, help="Only warnings on stderr."),
]


def search_options(func):
    for option in reversed(SEARCH_OPTIONS):
        func = option(func)
    return func


@click.group()
def hpo() -> None:
    """Meta-optimise the designer's formulation, architecture and training with BOHB (hpbandster)."""


@hpo.command()
@search_options
@click.option("--workers", type=int, default=2, show_default=True, help="Local worker processes.")
def run(workers, **options):
    """Run BOHB on this machine: nameserver on 127.0.0.1, the master and N worker processes."""
    if not 1 <= workers <= 256:
        raise ConfigError(f"--workers must be in 1..256, got {workers}")
    spec, out, resume = _spec(options, run_id=f"local-{uuid.uuid4().hex[:8]}")
    from learna.hpo.bohb import run_master

    run_master(spec, out, host="127.0.0.1", port=0, workers=workers, min_workers=1, resume=resume,
               local_only=True)  # starts with the first worker ready; the others join when they are
    _print_summary(out)


@hpo.command()
@search_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address the nameserver and master listen on (non-loopback needs --secret-file).")
@click.option("--port", type=int, default=9090, show_default=True, help="Nameserver port.")
@click.option("--run-id", required=True, help="Run id shared with the workers (e.g. the cluster job id).")
@click.option("--secret-file", type=click.Path(dir_okay=False), help="Shared secret (the same file on every host).")
@click.option("--advertise", help="Address workers reach this host at, when --host is 0.0.0.0 (default: the hostname's).")
@click.option("--workers", type=int, default=0, show_default=True, help="Worker processes on this host too.")
@click.option("--min-workers", type=int, default=1, show_default=True, help="Workers to wait for before starting.")
def master(host, port, run_id, secret_file, advertise, workers, min_workers, **options):
    """Run the nameserver and BOHB master for workers on other hosts (`learna hpo worker`)."""
    from learna.hpo.pyro import read_secret, require_secret

    secret = read_secret(secret_file)
    require_secret(host, secret)
    spec, out, resume = _spec(options, run_id=run_id)
    from learna.hpo.bohb import run_master

    run_master(spec, out, host=host, port=port, secret=secret, workers=workers, min_workers=max(1, min_workers),
               resume=resume, advertise=advertise)
    _print_summary(out)


@hpo.command()
@click.option("--nameserver", required=True, help="HOST:PORT of the master's nameserver.")
@click.option("--run-id", required=True, help="The master's --run-id.")
@click.option("--secret-file", type=click.Path(dir_okay=False), help="The master's shared secret.")
@click.option("--host", help="Address this worker listens on (default: the one on the route to the nameserver).")
@click.option("--processes", type=int, default=1, show_default=True, help="Targets designed in parallel.")
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="meta-learna: keep the trained models here (models/ITER_STAGE_N_BUDGET/checkpoint).")
@click.option("--connect-timeout", type=float, default=120.0, show_default=True,
              help="Seconds to wait for the nameserver and the run to appear.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings on stderr.")
def worker(nameserver, run_id, secret_file, host, processes, work_dir, connect_timeout, quiet):
    """Evaluate configurations for a master on another host until it finishes."""
    from learna.hpo.pyro import parse_address, read_secret

    ns_host, ns_port = parse_address(nameserver)
    secret = read_secret(secret_file)
    if processes < 1:
        raise ConfigError(f"--processes must be ≥ 1, got {processes}")
    from learna.processes import check_seconds, one_torch_thread

    check_seconds(connect_timeout, "--connect-timeout", positive=True)
    _logging(quiet)
    from learna.hpo.worker import run_worker

    one_torch_thread()

    run_worker(ns_host, ns_port, run_id, secret=secret, host=host, processes=processes, work_dir=work_dir,
               connect_timeout=connect_timeout)


@hpo.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="Config file to write.")
def best(run_dir, out):
    """Export the incumbent as a config file for `learna design --config`."""
    from learna.hpo.results import export_best

    record = export_best(run_dir, out)
    hpo_info = record["hpo"]
    click.echo(f"incumbent {tuple(hpo_info['config_id'])} (budget {hpo_info['budget']:g}, "
               f"loss {hpo_info['loss']:.4f}) written to {out}"
               + (f"; its weights: --checkpoint {hpo_info['checkpoint']}" if "checkpoint" in hpo_info else ""))


@hpo.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--plot", type=click.Path(dir_okay=False), help="Write the incumbent trajectory as a PNG.")
@click.option("--json", "as_json", is_flag=True, help="The summary as one JSON object.")
def report(run_dir, plot, as_json):
    """Summarise a run: evaluations per budget, model-based picks, the incumbent and its loss."""
    from learna.hpo.results import plot_trajectory, summary

    info = summary(run_dir)
    if plot:
        plot_trajectory(run_dir, plot)
    click.echo(json.dumps(info) if as_json else _human(info))


def _spec(options: dict, run_id: str):
    """The RunSpec from the search options (validation targets read or generated)."""
    from learna.data import GenerationSpec, read_targets
    from learna.hpo.loss import TRAINING_SPEC, validation_targets
    from learna.hpo.results import RunSpec
    from learna.hpo.space import get_space

    _logging(options["quiet"])
    space = get_space(options["space"])
    low, high = options["validation_length"]
    if options["validation"]:
        targets = read_targets(options["validation"])
    else:
        if options["validation_count"] < 1 or not 1 <= low <= high:
            raise ConfigError("need --validation-count ≥ 1 and 1 ≤ min ≤ max --validation-length")
        targets = validation_targets(options["validation_count"], low, high)
    training = {}
    if space.mode == "meta-learna":
        spec = GenerationSpec(options["training_count"], TRAINING_SPEC.min_length, TRAINING_SPEC.max_length,
                              seed=TRAINING_SPEC.seed)
        training = {"count": spec.count, "min_length": spec.min_length, "max_length": spec.max_length,
                    "seed": spec.seed}
    spec = RunSpec(space=space.name, min_budget=options["min_budget"], max_budget=options["max_budget"],
                   iterations=options["iterations"], eta=options["eta"], seed=options["seed"], run_id=run_id,
                   targets=tuple((t.id, t.dot_bracket) for t in targets), design_time=options["design_time"],
                   training=training)
    return spec, options["out"], options["resume"]


def _logging(quiet: bool) -> None:
    from learna.hpo.pyro import configure_logging

    configure_logging(logging.WARNING if quiet else logging.INFO)


def _print_summary(out: str) -> None:
    from learna.hpo.results import summary

    click.echo(_human(summary(out)))


def _human(info: dict) -> str:
    lines = [f"space {info['space']}: {info['evaluations']} evaluations of {info['configurations']} configurations "
             f"({info['crashed']} crashed, {info['model_based_picks']} model-based picks) "
             f"in {info['wall_time_s']:.1f} s",
             "evaluations per budget: " + ", ".join(f"{b}: {n}" for b, n in info["evaluations_per_budget"].items())]
    best = info["incumbent"]
    if best is None:
        lines.append("no incumbent yet")
    else:
        lines.append(f"incumbent {tuple(best['config_id'])} at budget {best['budget']:g}: loss {best['loss']:.4f} "
                     f"({best['solved']}/{best['targets']} solved)")
        lines.append("  " + json.dumps(best["config"], sort_keys=True))
    return "\n".join(lines)
