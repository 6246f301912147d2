"""``learna design``: design sequences for one or more targets."""

from __future__ import annotations

import json
from dataclasses import replace

import click

from learna.cli.options import StatusLine, collect_targets, folding_model, folding_options, seed_option
from learna.designers import DEFAULT_MODE, DESIGNERS, MODES

MODE_HELP = "; ".join(f"{name}: {designer.summary}" for name, designer in DESIGNERS.items())


@click.command()
@click.option("--target", "-t", help='Target structure in dot-bracket notation, e.g. "((((....))))".')
@click.option("--target-file", type=click.Path(dir_okay=False),
              help="File of targets: one structure per line, '>id' + structure, a TSV with a dotbracket column, "
                   "or JSON lines (TSV and JSON lines may add constraint and gc).")
@click.option("--sequence-constraint", "-s",
              help="IUPAC codes (ACGU RYSWKMBDHV N, T = U), one per site of --target: the bases each site may take.")
@click.option("--gc", help="GC-content target CONTENT[:TOLERANCE], e.g. 0.5:0.05 (default tolerance 0.05), "
                           "for every target without its own.")
@click.option("--time-limit", type=float, default=60.0, show_default=True, help="Seconds per target.")
@seed_option()
@click.option("--mode", type=click.Choice(MODES), default=None,
              help=f"Designer (default {DEFAULT_MODE}, or the mode a --config from `learna hpo best` was tuned for). "
                   f"{MODE_HELP}.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="JSON config overriding the mode's preset (e.g. from `learna hpo best`).")
@click.option("--checkpoint", type=click.Path(), help="Weights for meta-learna, meta-learna-adapt and hybrid (default: the shipped ones).")
@click.option("--unique-mfe", is_flag=True,
              help="Count a design as solved only when the target is its unique MFE structure (no tie).")
@click.option("--max-folds", type=int, help="Also stop after this many folds (a machine-independent budget).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per target per line on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Design every target as a task on a Dask cluster: its scheduler's address (tcp://HOST:8786) or "
                   "scheduler file; results print as they finish. Needs pip install 'learna[dask]'.")
@folding_options
def design(target, target_file, sequence_constraint, gc, time_limit, seed, mode, config_path, checkpoint, unique_mfe,
           max_folds, as_json, quiet, scheduler, temperature, dangles, no_lp):
    """Design RNA sequences that fold into the target structure(s)."""
    from learna.api import make_request, warm_up
    from learna.config import config_modes
    from learna.configio import load_json
    from learna.designers import run_design

    data = load_json(config_path) if config_path else None
    mode = mode or (config_modes(data) or (DEFAULT_MODE,))[0]
    model = folding_model(temperature, dangles, no_lp)
    requests = [make_request(item, mode=mode, time_limit=time_limit, seed=seed, config=data, checkpoint=checkpoint,
                             model=model, unique_mfe=unique_mfe, max_folds=max_folds)
                for item in collect_targets(target, target_file, sequence_constraint, gc)]
    if scheduler is not None:
        return _design_on_cluster(mode, requests, scheduler, as_json, quiet)
    _torch_threads(1)
    warm_up()
    status = StatusLine(enabled=not quiet)
    for request in requests:
        def progress(s):
            status(f"[{s.id}] {s.elapsed_s:.1f} s, {s.folds} folds, best distance {s.best_distance}"
                   + (" (a tied solution; searching for a unique MFE)" if s.solved and s.unique is False else ""))

        result = run_design(mode, replace(request, progress=progress))
        status(f"[{result.id}] {'solved' if result.solved else 'unsolved'} in {result.time_s:.2f} s", force=True)
        click.echo(json.dumps(result.to_json()) if as_json else human(result))


def _design_on_cluster(mode, requests, scheduler, as_json, quiet) -> None:
    """Every request as a task on the Dask cluster at ``scheduler``, each printed as it finishes; exit 1 if any
    failed (after printing the rest)."""
    from learna.harness.designs import design_batch

    status, failed = StatusLine(enabled=not quiet), 0
    for result in design_batch(mode, requests, scheduler=scheduler):
        if "error" in result.stats:
            failed += 1
            click.echo(f"[{result.id}] failed: {result.stats['error'].splitlines()[-1]}", err=True)
        else:
            status(f"[{result.id}] {'solved' if result.solved else 'unsolved'} in {result.time_s:.2f} s", force=True)
        click.echo(json.dumps(result.to_json()) if as_json else human(result))
    if failed:
        click.echo(f"{failed} of {len(requests)} designs failed", err=True)
        raise click.exceptions.Exit(1)


def _torch_threads(count: int) -> None:
    import torch

    torch.set_num_threads(count)


def human(result) -> str:
    """A design as text: the state, the three aligned lines, the quality numbers and the constraints."""
    if result.solved:
        state = f"solved in {result.time_to_solve_s:.2f} s"
        state += ", unique MFE" if result.unique_mfe else ", MFE tied with another structure"
    else:
        state = f"not solved (distance {result.distance})" if result.distance is not None else "no design"
    lines = [f">{result.id} {state}", f"target    {result.target}", f"sequence  {result.sequence}",
             f"folded    {result.folded}"]
    if result.mfe is not None:
        gap = "none within reach" if result.energy_gap is None else f"{result.energy_gap:+.2f} kcal/mol"
        lines.append(f"MFE {result.mfe:.2f} kcal/mol, energy gap to the best competitor {gap}, "
                     f"P(target) {result.probability:.3f}, ensemble defect {result.ensemble_defect:.3f}, "
                     f"GC {result.gc_content:.3f}")
    constraints = result.constraints
    if constraints is not None:
        if constraints["sequence"] is not None:
            lines.append(f"allowed   {constraints['sequence']}")
        if constraints["gc"] is not None:
            lines.append(f"GC target {constraints['gc']:g}±{constraints['gc_tolerance']:g}: "
                         f"{'met' if result.constraints_satisfied else 'not met'}")
    return "\n".join(lines)
