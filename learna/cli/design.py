"""``learna design``: design sequences for one or more targets."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import partial
from pathlib import Path

import click

from learna.cli.options import StatusLine, collect_targets, folding_model, folding_options, seed_option
from learna.designers import DEFAULT_MODE, DESIGNERS, MODES
from learna.errors import InputFileError

MODE_HELP = "; ".join(f"{name}: {designer.summary}" for name, designer in DESIGNERS.items())


@click.command()
@click.option("--target", "-t", help='Target structure in dot-bracket notation, e.g. "((((....))))".')
@click.option("--target-file", type=click.Path(dir_okay=False, allow_dash=True),
              help="File of targets ('-': standard input): one structure per line, '>id' + structure, a TSV with a "
                   "dotbracket column, or JSON lines (TSV and JSON lines may add constraint and gc).")
@click.option("--sequence-constraint", "-s",
              help="IUPAC codes (ACGU RYSWKMBDHV N, T = U), one per site of --target: the bases each site may take.")
@click.option("--gc", help="GC-content target CONTENT[:TOLERANCE], e.g. 0.5:0.05 (default tolerance 0.05), "
                           "for every target without its own.")
@click.option("--avoid", help="Patterns no design may contain, IUPAC codes, comma-separated (e.g. GAAUUC); "
                              "'default' stands for GGGG,CCCC,AAAAA,UUUUU (Eterna's lab rules).")
@click.option("--time-limit", type=float, default=60.0, show_default=True, help="Seconds per target.")
@seed_option()
@click.option("--mode", type=click.Choice(MODES), default=None,
              help=f"Designer (default {DEFAULT_MODE}, or the mode a --config from `learna hpo best` was tuned for). "
                   f"{MODE_HELP}.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="JSON config overriding the mode's preset (e.g. from `learna hpo best`).")
@click.option("--checkpoint", type=click.Path(),
              help='Weights for meta-learna, meta-learna-adapt, and hybrid with {"hybrid": {"use_policy": true}} '
                   "(default: the shipped ones).")
@click.option("--unique-mfe", is_flag=True,
              help="Count a design as solved only when the target is its unique MFE structure (no tie).")
@click.option("--max-folds", type=int, help="Also stop after this many folds (a machine-independent budget).")
@click.option("--designs", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Designs per target: that many different ones (each run gets --time-limit), ranked by robustness.")
@click.option("--min-distance", type=click.IntRange(1), default=None,
              help="With --designs: least Hamming distance between two designs of a target (default: a tenth of "
                   "its sites).")
@click.option("--polish", type=click.FloatRange(0), default=0.0, show_default=True, metavar="SECONDS",
              help="After each design that counts as solved, spend up to SECONDS more raising the probability of the "
                   "target while it stays the (unique) MFE structure.")
@click.option("--processes", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Targets designed in parallel, each in its own worker process (killed --grace s past its limit).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Searches of each target at once, with different seeds, in their own processes: the first "
                   "robust design (a unique MFE) ends the others, else the best is kept. More cores, same wall-clock "
                   "time.")
@click.option("--grace", type=click.FloatRange(0), default=10.0, show_default=True,
              help="With --processes or --workers: seconds past the limit before a worker is killed (its best design "
                   "is kept).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "fasta"]), default=None,
              help="stdout: text (default), json (one object per line, as --json) or fasta ('>id', the sequence "
                   "and the target: RNAfold's input).")
@click.option("--svg", "svg_dir", type=click.Path(file_okay=False),
              help="Write a drawing of each design (ViennaRNA's layout) to DIR/ID.svg (ID_RANK.svg with --designs).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per target per line on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Design every target as a task on a Dask cluster: its scheduler's address (tcp://HOST:8786) or "
                   "scheduler file. Needs pip install 'learna[dask]'.")
@folding_options
def design(target, target_file, sequence_constraint, gc, avoid, time_limit, seed, mode, config_path, checkpoint,
           unique_mfe, max_folds, designs, min_distance, polish, processes, workers, grace, output_format, svg_dir,
           as_json, quiet, scheduler, temperature, dangles, no_lp):
    """Design RNA sequences that fold into the target structure(s)."""
    from learna.api import check_seconds, designs_of, make_request, polished_all, several
    from learna.config import config_modes
    from learna.designers import runs_network
    from learna.configio import load_json

    if as_json and output_format not in (None, "json"):
        raise click.UsageError("--json and --format fasta/text contradict each other")
    write = FORMATS["json" if as_json else output_format or "text"]
    check_seconds(polish, "polish")
    check_seconds(grace, "grace")
    data = load_json(config_path) if config_path else None
    mode = mode or (config_modes(data) or (DEFAULT_MODE,))[0]
    model = folding_model(temperature, dangles, no_lp)
    requests = [make_request(item, mode=mode, time_limit=time_limit, seed=seed, config=data, checkpoint=checkpoint,
                             model=model, unique_mfe=unique_mfe, max_folds=max_folds)
                for item in collect_targets(target, target_file, sequence_constraint, gc, avoid)]
    if scheduler is not None and (processes > 1 or workers > 1):
        raise click.UsageError("--processes and --workers are for this machine; on a cluster its workers set the "
                               "parallelism")
    status = StatusLine(enabled=not quiet)
    network = any(runs_network(mode, r.config) for r in requests)
    run = _runner(mode, processes, grace, status, scheduler, network=network, workers=workers)
    if designs == 1:  # written as each design is found, in the order of the targets
        found = zip(requests, run(requests))
    else:
        found = zip(requests, several(requests, lambda batch: list(run(batch)), designs, min_distance))
    if polish:  # polished once every design is found, all at once
        found = list(found)
        solved = sum(result.solved for _, ranked in found for result in designs_of(ranked))
        if solved:
            status(f"polishing {solved} design{'s' * (solved != 1)} for up to {polish:g} s each", force=True)
            found = zip(requests, polished_all(found, polish, min_distance,
                                               _polisher(processes * workers, grace, scheduler)))
    failed = 0
    for _, ranked in found:
        for result in designs_of(ranked):
            failed += "error" in result.stats
            click.echo(write(result))
            if svg_dir and result.sequence:
                draw(result, Path(svg_dir), model)
    if failed:
        click.echo(f"{failed} of {len(requests)} designs failed", err=True)
        raise click.exceptions.Exit(1)


def _polisher(processes, grace, scheduler):
    """How --polish polishes the designs: in this process, or (with several processes or a cluster) each design
    as a job of the harness (:func:`learna.harness.designs.polish_batch`)."""
    from learna.api import polish_here

    if processes == 1 and scheduler is None:
        return polish_here
    from learna.harness.designs import polish_batch

    return partial(polish_batch, scheduler=scheduler, processes=processes, grace_s=grace)


def _runner(mode, processes, grace, status, scheduler=None, network=True, workers=1):
    """A function that designs a list of requests and yields the results in order: in this process, or (with
    --processes, --workers or --scheduler) as jobs of the harness in worker processes or on a Dask cluster.
    Each design is announced on stderr as it finishes (:func:`_announce`).
    ``network``: whether the mode runs a network with these configs (otherwise torch is never imported here)."""
    if processes > 1 or workers > 1 or scheduler is not None:
        from learna.harness.designs import design_batch

        def run_batch(requests):
            count = iter(range(1, len(requests) + 1))
            return design_batch(mode, requests, scheduler=scheduler, processes=processes, workers=workers,
                                grace_s=grace, in_order=True,
                                finished=lambda r: _announce(r, status, f" ({next(count)}/{len(requests)})"))
        return run_batch
    from learna.api import warm_up
    from learna.designers import run_design
    from learna.processes import one_torch_thread

    if network:
        one_torch_thread()
        warm_up(mode)

    def progress(s):
        status(f"[{s.id}] {s.elapsed_s:.1f} s, {s.folds} folds, best distance {s.best_distance}"
               + (" (a tied solution; searching for a unique MFE)" if s.solved and s.unique is False else ""))

    def run_here(requests):
        for k, request in enumerate(requests, 1):
            result = run_design(mode, replace(request, progress=progress))
            _announce(result, status, f" ({k}/{len(requests)})" if len(requests) > 1 else "")
            yield result
    return run_here


def _announce(result, status, count=""):
    """One line on stderr for a finished design: solved or not and its time, or why it failed."""
    if "error" in result.stats:
        click.echo(f"[{result.id}] failed: {result.stats['error'].splitlines()[-1]}", err=True)
    else:
        status(f"[{result.id}] {'solved' if result.solved else 'unsolved'} in {result.time_s:.2f} s{count}", force=True)


def draw(result, directory: Path, model) -> Path:
    """Write the drawing of a design's MFE structure with its bases, atomically; its path."""
    from learna.fileio import atomic_write_text
    from learna.folding import svg_drawing

    name = re.sub(r"[^A-Za-z0-9_.-]", "_", result.id if result.rank is None else f"{result.id}_{result.rank}")
    path = directory / f"{name}.svg"
    try:
        atomic_write_text(path, svg_drawing(result.sequence, result.folded))
    except OSError as exc:
        raise InputFileError(f"cannot write the drawing {path}: {exc.strerror or exc}") from None
    return path


def fasta(result) -> str:
    """A design as a FASTA record RNAfold reads: the header (``id``, or ``id_rank`` for several designs), the
    sequence, the target structure."""
    name = result.id if result.rank is None else f"{result.id}_{result.rank}"
    return f">{name}\n{result.sequence or ''}\n{result.target}"


def human(result) -> str:
    """A design as text: the state, the three aligned lines, the quality numbers and the constraints."""
    if result.solved:
        state = f"solved in {result.time_to_solve_s:.2f} s"
        state += ", unique MFE" if result.unique_mfe else ", MFE tied with another structure"
    else:
        state = f"not solved (distance {result.distance})" if result.distance is not None else "no design"
    name = result.id if result.rank is None else f"{result.id} design {result.rank}"
    lines = [f">{name} {state}", f"target    {result.target}", f"sequence  {result.sequence}",
             f"folded    {result.folded}"]
    if result.competitor is not None and result.folded == result.target:  # else ``folded`` is the competitor
        lines.append(f"rival     {result.competitor}")
    if result.mfe is not None:
        gap = "none within reach" if result.energy_gap is None else f"{result.energy_gap:+.2f} kcal/mol"
        lines.append(f"MFE {result.mfe:.2f} kcal/mol, energy gap to the best competitor {gap}, "
                     f"P(target) {result.probability:.3f}, ensemble defect {result.ensemble_defect:.3f}, "
                     f"GC {result.gc_content:.3f}")
    polish = result.stats.get("polish")
    if polish is not None:
        before = polish["probability_before"]
        change = (f"P(target) {before:.3f} -> {result.probability:.3f}" if polish["kept"]
                  else f"kept the design (P(target) {before:.3f})")
        lines.append(f"polished  {polish['seconds']:.1f} s, {polish['folds']} folds: {change}")
    constraints = result.constraints
    if constraints is not None:
        if constraints["sequence"] is not None:
            lines.append(f"allowed   {constraints['sequence']}")
        if constraints["gc"] is not None:
            lines.append(f"GC target {constraints['gc']:g}±{constraints['gc_tolerance']:g}: "
                         f"{'met' if result.constraints_satisfied else 'not met'}")
        if constraints.get("avoid"):
            from learna.patterns import hits

            found = sorted({pattern for _, pattern in hits(result.sequence or "", tuple(constraints["avoid"]))})
            lines.append(f"avoided   {' '.join(constraints['avoid'])}: "
                         + (f"contains {' '.join(found)}" if found else "none present"))
    return "\n".join(lines)


FORMATS = {"text": human, "json": lambda result: json.dumps(result.to_json()), "fasta": fasta}
"""How each ``--format`` writes one design."""
