"""``learna meta-train``: train one shared policy on generated targets, by PPO (Meta-LEARNA, the default) or
by expert iteration (``--method exit``: the policy imitates the search's solutions, :mod:`learna.expert_iteration`),
or the search's repair policy (``--method repair``: which moves improved, :mod:`learna.repair_training`).

SIGTERM and Ctrl-C are handled from the first moment: before training they exit (143, 130) with nothing
half-written; during training they stop the workers and save a checkpoint first. Generating the PPO training
targets is not counted in ``--time-budget``: the generated set is written to ``OUT/training_targets.tsv``
once and reused by ``--resume`` (expert iteration generates each round's targets inside its budget).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from learna.cli.options import StatusLine, folding_model, folding_options, seed_option
from learna.data import GENERATION_KINDS

TARGETS_FILE = "training_targets.tsv"


@click.command("meta-train")
@click.option("--method", type=click.Choice(["ppo", "exit", "repair"]), default="ppo", show_default=True,
              help="ppo: Meta-LEARNA's PPO on generated targets; exit: expert iteration on the search's solutions; "
                   "repair: the search's repair policy (which moves improved).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Run directory (checkpoint, progress).")
@click.option("--time-budget", type=float, required=True,
              help="Seconds of training (wall-clock; generating the targets comes before and is not counted).")
@click.option("--workers", type=int, default=2, show_default=True, help="Rollout worker processes.")
@click.option("--targets", "targets_file", help="Training targets (dataset name or file); default: generated.")
@click.option("--count", type=click.IntRange(1), default=None, help="Generated training targets [ppo: 2000; repair: 48].")
@click.option("--min-length", type=int, default=50, show_default=True)
@click.option("--max-length", type=int, default=None, help="Longest generated target [ppo: 450; exit: 300].")
@click.option("--data-seed", type=int, default=None,
              help="Seed of the generated targets [ppo: 1001; exit: 1100001; repair: 1300001].")
@click.option("--rounds", type=click.IntRange(1), help="exit: stop after this many rounds (also).")
@click.option("--round-targets", type=click.IntRange(1, 100000), default=32, show_default=True,
              help="exit: generated targets the expert designs per round.")
@click.option("--design-seconds", type=click.FloatRange(0, min_open=True), default=10.0, show_default=True,
              help="exit: the expert's seconds per target.")
@click.option("--kind", type=click.Choice(GENERATION_KINDS), default=None,
              help="exit, repair: generator of the targets [exit: motif; repair: hard].")
@click.option("--folds-per-target", type=click.IntRange(1), default=800, show_default=True,
              help="repair: the search's fold budget per target while examples are collected.")
@seed_option()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="JSON config over the paper's Meta-LEARNA configuration.")
@click.option("--resume", is_flag=True, help="Continue from the run directory's last checkpoint.")
@click.option("--checkpoint-every", type=float, default=60.0, show_default=True, help="Seconds between checkpoints.")
@folding_options
def meta_train(method, out, time_budget, workers, targets_file, count, min_length, max_length, data_seed, rounds,
               round_targets, design_seconds, kind, folds_per_target, seed, config_path, resume, checkpoint_every,
               temperature, dangles, no_lp):
    """Meta-train a policy for the pretrained modes (checkpoints in OUT/checkpoint)."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop workers, save checkpoint
    model = folding_model(temperature, dangles, no_lp)
    try:
        if method == "exit":
            _expert_iteration(Path(out), time_budget, workers, min_length, max_length or 300, data_seed, rounds,
                              round_targets, design_seconds, kind or "motif", seed, config_path, resume, model)
        elif method == "repair":
            _repair_training(Path(out), time_budget, workers, count or 48, min_length, max_length or 300,
                             1_300_001 if data_seed is None else data_seed, kind or "hard", folds_per_target, seed,
                             config_path, resume, model)
        else:
            _meta_train(Path(out), time_budget, workers, targets_file, count or 2000, min_length, max_length or 450,
                        1001 if data_seed is None else data_seed, seed, config_path, resume, checkpoint_every, model)
    except KeyboardInterrupt:
        saved = (Path(out) / "checkpoint").is_dir() or (method == "repair" and (Path(out) / "examples").is_dir())
        click.echo("interrupted" + (f": what was done is saved in {out}; continue with --resume"
                                    if saved else " before training started"), err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _meta_train(out: Path, time_budget, workers, targets_file, count, min_length, max_length, data_seed, seed,
                config_path, resume, checkpoint_every, model) -> None:
    from learna.agent.checkpoint import load_checkpoint
    from learna.api import check_time_limit
    from learna.data import GenerationSpec, generate_targets, load_dataset, write_targets_tsv
    from learna.errors import ConfigError
    from learna.designers.weights import CHECKPOINT_DIR, PROGRESS_FILE
    from learna.meta_train import plot_learning_curve, train
    from learna.presets import META_TRAINING, resolve_config

    check_time_limit(time_budget, "time budget")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    config = resolve_config("meta-learna", path=config_path, base=META_TRAINING, model=model)
    if resume:
        load_checkpoint(out / CHECKPOINT_DIR)  # a missing or corrupted checkpoint fails before any work
    cached = out / TARGETS_FILE
    if targets_file:
        targets = load_dataset(targets_file)
    elif resume and cached.is_file():
        targets = load_dataset(str(cached))
    else:
        click.echo(f"generating {count} training targets of {min_length}-{max_length} nt (not counted in the "
                   "time budget) ...", err=True)
        targets = generate_targets(GenerationSpec(count=count, min_length=min_length, max_length=max_length,
                                                  seed=data_seed), model)
        write_targets_tsv(targets, cached)
    status = StatusLine(interval=0)
    result = train(config, targets, time_budget, seed, out, workers=workers, resume=resume,
                   checkpoint_every_s=checkpoint_every,
                   progress=lambda r: status(f"{r['elapsed_s']:.0f} s: {r['updates']} updates, {r['episodes']} "
                                             f"episodes, mean similarity {r['mean_recent_similarity']}"))
    click.echo(f"checkpoint {result.checkpoint} after {result.elapsed_s:.0f} s, {result.updates} updates")
    curve = out / "learning_curve.png"
    plot_learning_curve(out / PROGRESS_FILE, curve)
    click.echo(f"learning curve written to {curve}", err=True)


def _expert_iteration(out: Path, time_budget, workers, min_length, max_length, data_seed, rounds, round_targets,
                      design_seconds, kind, seed, config_path, resume, model) -> None:
    from learna.api import check_time_limit
    from learna.errors import ConfigError
    from learna.designers.weights import PROGRESS_FILE
    from learna.expert_iteration import ExitConfig, plot_learning_curve, train_exit
    from learna.presets import EXIT_TRAINING, resolve_config

    check_time_limit(time_budget, "time budget")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    config = resolve_config("hybrid", path=config_path, base=EXIT_TRAINING, model=model)
    settings = ExitConfig(targets_per_round=round_targets, min_length=min_length, max_length=max_length,
                          kind=kind, design_seconds=design_seconds,
                          **({} if data_seed is None else {"data_seed": data_seed}))
    status = StatusLine(interval=0)
    result = train_exit(config, settings, time_budget, seed, out, workers=workers, rounds=rounds, resume=resume,
                        progress=lambda r: status(f"round {r['round']}: expert solved {r['expert_solved']}/"
                                                  f"{r['targets']} ({r['expert_unique']} unique), apprentice "
                                                  f"{r['apprentice_solve_rate']}, cross-entropy {r['cross_entropy']}"))
    click.echo(f"checkpoint {result.checkpoint} after {result.rounds} rounds, {result.elapsed_s:.0f} s, "
               f"{result.demonstrations} demonstrations")
    curve = out / "learning_curve.png"
    plot_learning_curve(out / PROGRESS_FILE, curve)
    click.echo(f"learning curve written to {curve}", err=True)


def _repair_training(out: Path, time_budget, workers, count, min_length, max_length, data_seed, kind,
                     folds_per_target, seed, config_path, resume, model) -> None:
    from learna.api import check_time_limit
    from learna.errors import ConfigError
    from learna.presets import HYBRID_TUNED, resolve_config
    from learna.repair_training import PROGRESS_FILE, RepairTrainingConfig, plot_learning_curve, train_repair

    check_time_limit(time_budget, "time budget")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    config = resolve_config("hybrid", path=config_path, base=HYBRID_TUNED, model=model)
    settings = RepairTrainingConfig(targets=count, min_length=min_length, max_length=max_length, kind=kind,
                                    data_seed=data_seed, folds_per_target=folds_per_target)
    status = StatusLine(interval=0)
    result = train_repair(config.hybrid.search, settings, config.env.folding, time_budget, seed, out,
                          workers=workers, resume=resume, progress=status)
    validation = result.validation
    click.echo(f"repair policy {result.policy_path}: {result.examples} examples from {result.targets} targets; "
               f"validation log-loss {validation['validation_log_loss']} (base rate "
               f"{validation['base_rate_log_loss']}), AUC {validation['validation_auc']}")
    curve = out / "learning_curve.png"
    plot_learning_curve(out / PROGRESS_FILE, curve)
    click.echo(f"learning curve written to {curve}", err=True)
