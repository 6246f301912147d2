"""``learna data``: list the shipped datasets, generate random target sets."""

from __future__ import annotations

import json
import statistics

import click

from learna.cli.options import folding_model, folding_options, seed_option
from learna.data import DATASETS, GENERATION_KINDS, GenerationSpec, dataset_path, generate_targets, load_dataset, write_targets_tsv
from learna.errors import ConfigError, InputFileError


@click.group()
def data():
    """Shipped benchmark datasets and reproducible random targets."""


@data.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per dataset per line.")
def list_datasets(as_json):
    """Shipped datasets (checksums verified): name, targets, lengths, file."""
    rows = []
    for name in DATASETS:
        lengths = [len(target) for target in load_dataset(name)]
        rows.append({"name": name, "count": len(lengths), "min_length": min(lengths),
                     "median_length": statistics.median(lengths), "max_length": max(lengths),
                     "path": str(dataset_path(name))})
    if as_json:
        for row in rows:
            click.echo(json.dumps(row))
        return
    click.echo(f"{'name':<14} {'count':>5} {'min':>5} {'median':>7} {'max':>5}  path")
    for r in rows:
        click.echo(f"{r['name']:<14} {r['count']:>5} {r['min_length']:>5} {r['median_length']:>7g} "
                   f"{r['max_length']:>5}  {r['path']}")


@data.command()
@click.option("--count", type=int, default=100, show_default=True, help="Number of targets.")
@click.option("--min-length", type=int, default=50, show_default=True)
@click.option("--max-length", type=int, default=450, show_default=True)
@click.option("--min-pairs", type=int, default=1, show_default=True, help="Skip structures with fewer pairs.")
@seed_option("Same seed, same targets.")
@click.option("--kind", type=click.Choice(GENERATION_KINDS), default="mfe", show_default=True,
              help="mfe: MFE structures of random sequences; motif: structures drawn from a loop grammar "
                   "(lone pairs, short stems, bulges, multiloops; harder, designability not guaranteed).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="TSV file to write (id, dotbracket).")
@folding_options
def generate(count, min_length, max_length, min_pairs, seed, kind, out, temperature, dangles, no_lp):
    """Write random target structures as a target file (a --dataset)."""
    from learna.structure import MAX_LENGTH

    if not 1 <= count <= 1_000_000 or not 1 <= min_length <= max_length <= MAX_LENGTH:
        raise ConfigError(f"need 1 <= --count <= 1000000 and 1 <= --min-length <= --max-length <= {MAX_LENGTH}")
    spec = GenerationSpec(count=count, min_length=min_length, max_length=max_length, min_pairs=min_pairs, seed=seed,
                          kind=kind)
    targets = generate_targets(spec, folding_model(temperature, dangles, no_lp))
    try:
        write_targets_tsv(targets, out)
    except OSError as exc:
        raise InputFileError(f"cannot write {out}: {exc}") from None
    click.echo(f"wrote {len(targets)} targets to {out}", err=True)
