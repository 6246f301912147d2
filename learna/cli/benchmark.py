"""``learna benchmark``: one method on a dataset's targets, into a resumable run directory."""

from __future__ import annotations

import json
from pathlib import Path

import click

from learna.cli.options import folding_model, folding_options, seed_option
from learna.harness.methods import METHODS


@click.command()
@click.option("--dataset", required=True, help="A shipped dataset (see `learna data list`) or a target file.")
@click.option("--method", required=True, help=f"One of: {', '.join(METHODS)}.")
@click.option("--out", required=True, type=click.Path(), help="Run directory (records.jsonl, run.json).")
@click.option("--time-limit", type=float, default=60.0, show_default=True,
              help="Wall-clock seconds per target and run.")
@click.option("--processes", type=int, default=1, show_default=True, help="Targets designed in parallel.")
@click.option("--ids", help="Target ids and ranges, e.g. 1-20,35 (default: all).")
@click.option("--runs", type=int, default=1, show_default=True, help="Independent runs per target.")
@seed_option("Base seed; each target and run derives its own.")
@click.option("--resume", is_flag=True, help="Continue a run directory, skipping what is recorded.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="JSON config for the design modes.")
@click.option("--checkpoint", type=click.Path(), help="Weights for meta-learna, meta-learna-adapt and hybrid (default: the shipped ones).")
@click.option("--unique-mfe", is_flag=True,
              help="Count a design as solved only when the target is its unique MFE structure (every method).")
@click.option("--grace", type=float, default=10.0, show_default=True,
              help="Seconds past the limit before a worker is killed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@folding_options
@click.pass_context
def benchmark(ctx, dataset, method, out, time_limit, processes, ids, runs, seed, resume, config_path, checkpoint,
              unique_mfe, grace, as_json, quiet, temperature, dangles, no_lp):
    """Run a method on a dataset's targets, one process per target, recording every result."""
    from learna.harness.methods import check_inputs, method_named
    from learna.harness.records import RECORDS_FILE
    from learna.harness.report import format_table, load_run, summarize
    from learna.harness.run import BenchmarkSpec, run_benchmark
    from learna.presets import resolve_config

    model = folding_model(temperature, dangles, no_lp)
    chosen = method_named(method)
    check_inputs(chosen, config=config_path is not None, checkpoint=checkpoint is not None)
    config = resolve_config(method, path=config_path, model=model) if config_path else None
    spec = BenchmarkSpec(method=method, dataset=dataset, time_limit_s=time_limit, processes=processes, runs=runs,
                         seed=seed, ids=ids, grace_s=grace, model=model, config=config, checkpoint=checkpoint,
                         unique_mfe=unique_mfe, options=dict(ctx.params))
    progress = None if quiet else (lambda line: click.echo(line, err=True))
    try:
        run_benchmark(spec, Path(out), resume=resume, progress=progress)
    except KeyboardInterrupt:
        click.echo(f"interrupted: workers stopped, finished results kept in {Path(out) / RECORDS_FILE}; "
                   "continue with --resume", err=True)
        ctx.exit(130)
    summary = summarize(load_run(out))
    click.echo(json.dumps(summary) if as_json else format_table([summary]))
