"""``learna design``: design sequences for one or more targets."""

from __future__ import annotations

import json

import click
import torch

from learna.cli.options import (StatusLine, collect_targets, folding_model, folding_options, positive_time,
                                resolve_config)
from learna.design import MODES, DesignResult, design as run_design, warm_up


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
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same design).")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True,
              help="Designer: hybrid (the policy-guided local search, best measured), or one of the paper's modes.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="JSON config overriding the mode's preset (e.g. from `learna hpo best`).")
@click.option("--checkpoint", type=click.Path(), help="Weights for meta-learna, meta-learna-adapt and hybrid (default: the shipped ones).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per target per line on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@folding_options
def design(target, target_file, sequence_constraint, gc, time_limit, seed, mode, config_path, checkpoint, as_json,
           quiet, temperature, dangles, no_lp):
    """Design RNA sequences that fold into the target structure(s)."""
    positive_time(time_limit)
    targets = collect_targets(target, target_file, sequence_constraint, gc)
    config = resolve_config(config_path, mode, folding_model(temperature, dangles, no_lp))
    torch.set_num_threads(1)
    warm_up()
    status = StatusLine(enabled=not quiet)
    for item in targets:
        def progress(s, _id=item.id):
            status(f"[{_id}] {s['elapsed_s']:.1f} s, {s['episodes']} episodes, best distance {s['best_distance']}")
        result = run_design(item, config, mode=mode, time_limit=time_limit, seed=seed,
                            checkpoint=checkpoint, progress=progress)
        status(f"[{item.id}] {'solved' if result.solved else 'unsolved'} in {result.time_s:.2f} s", force=True)
        click.echo(json.dumps(result.to_json()) if as_json else _human(result))


def _human(result: DesignResult) -> str:
    state = "solved" if result.solved else f"not solved (distance {result.distance})"
    text = (f">{result.id} {state} in {result.time_s:.2f} s\n"
            f"target    {result.target}\nsequence  {result.sequence}\nfolded    {result.folded}")
    constraints = result.constraints
    if constraints is not None:
        if constraints["sequence"] is not None:
            text += f"\nallowed   {constraints['sequence']}"
        if constraints["gc"] is not None:
            text += f"\nGC        {result.gc_content:.3f} (target {constraints['gc']:g}±{constraints['gc_tolerance']:g})"
    return text
