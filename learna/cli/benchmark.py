"""``learna benchmark``: one method on a dataset's targets, into a resumable run directory; on this machine, on
a Dask cluster (``--scheduler``) or as one shard of N (``--shard K/N``), and ``--merge`` of shard directories."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.core import ParameterSource

from learna.cli.options import folding_model, folding_options, seed_option
from learna.errors import ConfigError
from learna.harness.methods import METHODS

MERGE_PARAMETERS = {"shard_dirs", "merge", "out", "as_json", "quiet"}
"""What --merge takes; any other option given with it is refused."""


@click.command()
@click.argument("shard_dirs", nargs=-1, type=click.Path(file_okay=False), metavar="[SHARD_DIR]...")
@click.option("--dataset", help="A shipped dataset (see `learna data list`) or a target file. Required unless --merge.")
@click.option("--method", help=f"One of: {', '.join(METHODS)}. Required unless --merge.")
@click.option("--out", required=True, type=click.Path(), help="Run directory (records.jsonl, run.json).")
@click.option("--time-limit", type=float, default=60.0, show_default=True,
              help="Wall-clock seconds per target and run.")
@click.option("--processes", type=int, default=1, show_default=True, help="Targets designed in parallel.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Searches of each target at once, with different seeds: the first robust design (a unique "
                   "MFE) ends the others, else the best is kept. Runs --processes x --workers processes, this "
                   "machine only.")
@click.option("--ids", help="Target ids and ranges, e.g. 1-20,35 (default: all).")
@click.option("--runs", type=int, default=1, show_default=True, help="Independent runs per target.")
@seed_option("Base seed; each target and run derives its own.")
@click.option("--resume", is_flag=True, help="Continue a run directory, skipping what is recorded.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="JSON config for the design modes.")
@click.option("--checkpoint", type=click.Path(),
              help='Weights for meta-learna, meta-learna-adapt, and hybrid with {"hybrid": {"use_policy": true}} '
                   "(default: the shipped ones).")
@click.option("--unique-mfe", is_flag=True,
              help="Count a design as solved only when the target is its unique MFE structure (every method).")
@click.option("--polish", type=click.FloatRange(0), default=0.0, show_default=True, metavar="SECONDS",
              help="Design modes: spend up to SECONDS more on each design that counts as solved, raising the "
                   "probability of the target while it stays the (unique) MFE structure; the record holds the "
                   "polished design, with the design's own times.")
@click.option("--grace", type=float, default=10.0, show_default=True,
              help="Seconds past the limit before a worker is killed.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run every target and run as a task on a Dask cluster: its scheduler's address "
                   "(tcp://HOST:8786) or scheduler file; needs pip install 'learna[dask]'.")
@click.option("--shard", metavar="K/N",
              help="Run only the K-th of N disjoint slices of the (target, run) list, e.g. one task of a SLURM "
                   "array, into its own --out; combine the shards with --merge.")
@click.option("--merge", is_flag=True,
              help="Write --out from the SHARD_DIR... of one run (every shard of --shard K/N); runs nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@folding_options
@click.pass_context
def benchmark(ctx, shard_dirs, dataset, method, out, time_limit, processes, workers, ids, runs, seed, resume,
              config_path, checkpoint, unique_mfe, polish, grace, scheduler, shard, merge, as_json, quiet, temperature,
              dangles, no_lp):
    """Run a method on a dataset's targets, one process per target, recording every result.

    With --merge, combine the shard directories SHARD_DIR... into the run directory --out instead."""
    from learna.harness.methods import check_inputs, method_named
    from learna.harness.records import RECORDS_FILE
    from learna.harness.run import BenchmarkSpec, run_benchmark
    from learna.harness.shards import parse_shard
    from learna.presets import resolve_config

    if merge:
        return _merge(ctx, Path(out), shard_dirs, as_json, quiet)
    _check_run_options(ctx, shard_dirs, dataset, method, scheduler)
    model = folding_model(temperature, dangles, no_lp)
    chosen = method_named(method)
    check_inputs(chosen, config=config_path is not None, checkpoint=checkpoint is not None, polish=polish > 0)
    config = resolve_config(method, path=config_path, model=model) if config_path else None
    spec = BenchmarkSpec(method=method, dataset=dataset, time_limit_s=time_limit, processes=processes,
                         workers=workers, runs=runs,
                         seed=seed, ids=ids, grace_s=grace, model=model, config=config, checkpoint=checkpoint,
                         unique_mfe=unique_mfe, polish_s=polish, scheduler=scheduler, shard=parse_shard(shard),
                         options={k: v for k, v in ctx.params.items() if k not in ("shard_dirs", "merge")})
    progress = None if quiet else (lambda line: click.echo(line, err=True))
    try:
        run_benchmark(spec, Path(out), resume=resume, progress=progress)
    except KeyboardInterrupt:
        click.echo(f"interrupted: workers stopped, finished results kept in {Path(out) / RECORDS_FILE}; "
                   "continue with --resume", err=True)
        ctx.exit(130)
    _print_summary(out, as_json)


def _check_run_options(ctx, shard_dirs, dataset, method, scheduler) -> None:
    if shard_dirs:
        raise click.UsageError(f"got unexpected argument {shard_dirs[0]!r}: shard directories are taken with --merge")
    for name, value in (("--dataset", dataset), ("--method", method)):
        if value is None:
            raise click.UsageError(f"Missing option '{name}'.")
    if scheduler is not None and ctx.get_parameter_source("processes") is ParameterSource.COMMANDLINE:
        raise ConfigError("--processes is for this machine: with --scheduler the cluster's worker threads decide "
                          "how many designs run at once")


def _merge(ctx, out: Path, shard_dirs, as_json: bool, quiet: bool) -> None:
    from learna.harness.shards import merge_shards

    given = [f"--{name.replace('_', '-')}" for name in ctx.params
             if name not in MERGE_PARAMETERS and ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if given:
        raise click.UsageError(f"--merge takes only --out, the shard directories, --json and --quiet, not "
                               f"{', '.join(given)} (the shards' run.json has the run's options)")
    merged = merge_shards(out, shard_dirs)
    if not quiet:
        rest = merged["expected"] - merged["records"]
        click.echo(f"merged {len(shard_dirs)} shards into {out}: {merged['records']} of {merged['expected']} "
                   "(target, run) pairs recorded" + (f"; run the other {rest} with `learna benchmark --resume "
                                                     f"--out {out}` and the run's options" if rest else ""), err=True)
    _print_summary(out, as_json)


def _print_summary(out, as_json: bool) -> None:
    from learna.harness.report import format_table, load_run, summarize

    summary = summarize(load_run(out))
    click.echo(json.dumps(summary) if as_json else format_table([summary]))
