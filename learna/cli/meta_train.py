"""``learna meta-train``: train one shared policy on generated targets (Meta-LEARNA)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from learna.cli.options import StatusLine, folding_model, folding_options, positive_time, resolve_config
from learna.data import GenerationSpec, generate_targets, load_dataset
from learna.presets import META_TRAINING
from learna.report import plot_learning_curve


@click.command("meta-train")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Run directory (checkpoint, progress).")
@click.option("--time-budget", type=float, required=True, help="Seconds of training (wall-clock).")
@click.option("--workers", type=int, default=2, show_default=True, help="Rollout worker processes.")
@click.option("--targets", "targets_file", help="Training targets (dataset name or file); default: generated.")
@click.option("--count", type=int, default=2000, show_default=True, help="Generated training targets.")
@click.option("--min-length", type=int, default=50, show_default=True)
@click.option("--max-length", type=int, default=450, show_default=True)
@click.option("--data-seed", type=int, default=1001, show_default=True, help="Seed of the generated training set.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="JSON config over the paper's Meta-LEARNA configuration.")
@click.option("--resume", is_flag=True, help="Continue from the run directory's last checkpoint.")
@click.option("--checkpoint-every", type=float, default=60.0, show_default=True, help="Seconds between checkpoints.")
@folding_options
def meta_train(out, time_budget, workers, targets_file, count, min_length, max_length, data_seed, seed,
               config_path, resume, checkpoint_every, temperature, dangles, no_lp):
    """Meta-train a policy for the meta-learna modes (checkpoints in OUT/checkpoint)."""
    from learna.agent.checkpoint import load_checkpoint
    from learna.meta_train import CHECKPOINT_DIR, train  # torch-heavy: import when the command runs

    positive_time(time_budget, "time budget")
    model = folding_model(temperature, dangles, no_lp)
    config = resolve_config(config_path, "meta-learna", model, base=META_TRAINING)
    if resume:
        load_checkpoint(Path(out) / CHECKPOINT_DIR)  # a missing or corrupted checkpoint fails before any work
    if targets_file:
        targets = load_dataset(targets_file)
    else:
        spec = GenerationSpec(count=count, min_length=min_length, max_length=max_length, seed=data_seed)
        targets = generate_targets(spec, model)
    status = StatusLine(interval=0)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop workers, save checkpoint
    try:
        result = train(config, targets, time_budget, seed, out, workers=workers, resume=resume,
                       checkpoint_every_s=checkpoint_every,
                       progress=lambda r: status(f"{r['elapsed_s']:.0f} s: {r['updates']} updates, "
                                                 f"{r['episodes']} episodes, mean similarity "
                                                 f"{r['mean_recent_similarity']}"))
    except KeyboardInterrupt:
        click.echo(f"interrupted: checkpoint saved in {Path(out) / CHECKPOINT_DIR}; continue with --resume", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(f"checkpoint {result.checkpoint} after {result.elapsed_s:.0f} s, {result.updates} updates")
    curve = Path(out) / "learning_curve.png"
    plot_learning_curve(Path(out) / "progress.jsonl", curve)
    click.echo(f"learning curve written to {curve}", err=True)
