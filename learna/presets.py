"""The final configurations, defined in this one place (docs/original.md §4), and
:func:`resolve_config`, the one way a mode's config is built from its preset, a config file and an
energy model (for the command line and the Python API alike).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from learna.agent.config import NetworkConfig, PPOConfig
from learna.config import DesignerConfig, HybridConfig, config_from_json, config_modes
from learna.configio import load_json
from learna.env.config import EnvConfig
from learna.errors import ConfigError
from learna.folding import FoldingModel
from learna.search.config import SearchConfig

# LEARNA, ICLR 2019 final configuration (utils/execution_scripts/LEARNA.sh).
LEARNA_PAPER = DesignerConfig(
    env=EnvConfig(state_radius=32, encoding="tokens", reward_exponent=9.33503385734547, mutation_threshold=5),
    network=NetworkConfig(embedding_size=3, conv_radii=(8, 2), conv_channels=(7, 18),
                          lstm_layers=1, lstm_units=28, fc_layers=1, fc_units=57),
    ppo=PPOConfig(learning_rate=0.0005991629320464973, batch_size=126, entropy_coef=6.762991409135427e-05),
    restart_timeout=1800.0,
)

# LEARNA mode's default: the paper's configuration with the local search, within 100 folds, as the
# improvement step of a near miss (0 < d + d_GC < 10) instead of LIS (0 < d < 5). Chosen on generated motif
# targets of 30-120 nt (18 s each): 30 vs 27 solved of 40 (dev set, seed 7390001) and 28 vs 25 (held set,
# seed 7370001); the LEARNA-space BOHB incumbent solved 19 of the held 40 (docs/results/hpo-learna).
LEARNA_NEAR_SEARCH = replace(LEARNA_PAPER, env=replace(LEARNA_PAPER.env, improvement="near_search",
                                                       mutation_threshold=10))

# Meta-LEARNA / Meta-LEARNA-Adapt, ICLR 2019 final configuration (model 224_0_1).
META_LEARNA_PAPER = DesignerConfig(
    env=EnvConfig(state_radius=29, encoding="tokens", reward_exponent=8.932893783628236, mutation_threshold=5),
    network=NetworkConfig(embedding_size=2, conv_radii=(5, 1), conv_channels=(10, 3),
                          lstm_layers=0, lstm_units=3, fc_layers=1, fc_units=52),
    ppo=PPOConfig(learning_rate=6.442010833400271e-05, batch_size=123, entropy_coef=0.00015087352506343337),
    restart_timeout=1800.0,
)

# The hybrid: the search settings of the BOHB incumbent of the `hybrid` space (runs/hpo-hybrid: 60
# evaluations, budgets 2/6/18 s per target, 16 generated motif targets of 60-300 nt; see
# docs/results/hpo-hybrid), without a learned policy: neither the shipped Meta-LEARNA policy (starts and
# proposals), nor an expert-iterated one, nor the repair policy solved 3 more of 40 held generated hard
# targets at 10 s than the same search alone, or as many in half the median time (docs/results/README.md,
# "Expert iteration" and "The repair policy"), so the default is the simpler system. `use_policy` turns the
# policy on, with 10 policy starts and proposals mixed half and half. Targets of at most 150 nt (the ones
# the search does not decompose) are searched with SAMFEO's objective, 1 − P(target), instead of the MFE
# distance: on 58 generated hard targets of 40–130 nt it uniquely solved 45 of 116 runs within 20 s CPU
# against 33, while on targets of 150–400 nt it was slower (docs/results/search-hard/NOTES.md). With probability
# 0.3 a move re-draws a pair together with its terminal mismatch or its dangles, every combination scored
# (`mismatch_probability`): on those 58 targets 49 against 45 of 116 runs uniquely solved within 20 s CPU (34
# against 22 within 5 s), on 64 other short targets 108 against 109 within 30 s (107 against 103 within 10 s),
# on 40 targets of 50–400 nt 18 against 18 within 20 s (docs/results/search-hard/NOTES.md). With probability
# 0.2 a move in a short target's search re-draws a hairpin loop of at most 4 nt whole, every loop scored
# (`hairpin_probability`): on the 58 targets 51 against 49 of 116 runs uniquely solved within 20 s CPU (46
# against 43 within 10 s), on the 64 other short targets 54 against 54 within 30 s (seed 0); long targets
# never take it (docs/results/search-hard/NOTES.md, "Hairpin moves"). With probability 0.3 a move at a lone pair
# re-draws the pair with the units at its four neighbouring sites, every combination scored
# (`lone_pair_probability`): in long targets' searches (by the MFE distance, parts included) on 21 hard generated
# targets of 218-392 nt 8 against 5 of 42 runs uniquely solved within 40 s CPU, on 28 targets of 152-392 nt 18
# against 17 of 56 within 20 s ("Lone-pair moves in long targets"); in short targets' searches by 1 - P(target),
# since moves are scored from the Turner tables, on the 58 generated hard targets 51 against 50 of 116 runs within
# 20 s CPU and on 11 stalled ones 13 against 12 of 33 within 60 s, none lost at the limit ("Lone-pair moves in
# short targets too"). In the searches by 1 − P(target) a candidate gets its pair
# probabilities and positional defect only when its MFE structure is within 4 sites of the target, else Z alone and
# its MFE mismatches as site defects (`site_defect="near"`): on the 58 generated hard targets over five seeds at
# 60 s CPU, 131 against 130 uniquely solved, and faster early (98 against 74 within 5 s); seeds 0 and 1 alone had
# shown it behind (docs/results/search-hard/NOTES.md, "Five seeds of the preset"). In those searches a child is
# dropped unfolded when 40 structures drawn from its parent's ensemble prove that it can neither enter the frontier
# nor solve the target (`bound_structures`): the same steps, 10-15 % more of them per second on 11 stalled
# generated targets (docs/results/search-hard/NOTES.md, "Children that cannot enter the frontier"). A child is also
# dropped unfolded when a drawn structure beats the target and its P(target) estimated from those draws
# (importance sampling from the parent's ensemble) is below the frontier's entry probability (`estimate_screen`):
# 12 against 10 of 33 runs on the 11 stalled targets at 60 s CPU, the same 39 of 48 at 20 s
# (docs/results/search-hard/NOTES.md, "Children screened by an estimate of their partition function").
# In those searches, from a parent within 4 sites of the target, a folded child that made the target more stable
# but folds into a new rival further away is repaired against that rival and the parent's competitor (8 informed
# moves) and folded once more (`follow_up_moves`): on the 58 generated hard targets over three seeds at 20 s CPU
# 73 against 71 of 174 runs uniquely solved within 10 s and 77 against 77 at the limit, on the 11 stalled ones 7
# against 4 of 33 within 20 s and 13 against 13 at 60 s (docs/results/search-hard/NOTES.md, "Repairing a child
# that opened a new rival"). The short targets' searches draw how many sites a step changes with P(m) ∝ m^-2
# (`short_mutation_exponent`; two thirds single moves) instead of the BOHB incumbent's m^-0.82, tuned when
# every target was searched by the MFE distance: on the 58 generated hard targets 52 against 51 of
# 116 runs uniquely solved within 20 s CPU (33 against 26 within 2 s), on the 11 stalled ones 13 against 13 of 33
# within 60 s (10 against 7 within 20 s) (docs/results/search-hard/NOTES.md, "Fewer sites per step in the short
# searches"). In the searches by the MFE distance (long targets and their parts) a child whose energy in its parent's
# MFE structure, or a frontier member's, shows that it can neither solve nor enter the frontier is dropped unfolded
# (`gap_bound`): the same steps, 1.4-2.7x of them per second where a long search stalls one pair from the target
# (docs/results/search-hard/NOTES.md, "Children that cannot enter the frontier of a long search").
HYBRID_TUNED = replace(META_LEARNA_PAPER, hybrid=HybridConfig(
    search=SearchConfig(objective="mfe_distance", frontier_size=23, num_starts=2, parent_temperature=3.2224095243112,
                        position_temperature=0.3176669857464, energy_temperature=0.1793932459184,
                        informed_probability=0.9504860360378, stack_probability=0.4265713997012,
                        closing_pair_probability=0.0445096271486, max_mutations=6,
                        mutation_exponent=0.8214853623274, defect_window=2, stagnation_steps=1339,
                        short_objective="probability", short_length=150,
                        mismatch_probability=0.3, hairpin_probability=0.2, lone_pair_probability=0.3,
                        site_defect="near", near_distance=4, bound_structures=40, estimate_screen=1.0,
                        follow_up_moves=8, short_mutation_exponent=2.0, gap_bound=True),
    use_policy=False, policy_starts=10, proposal_mix=0.5))

# The meta modes' default: Meta-LEARNA's formulation with the defect-guided local search as the improvement
# step of an unsolved episode instead of the paper's local improvement (LIS). Chosen on 40 held generated
# motif targets (docs/results/README.md); the shipped weights were trained with LIS
# (META_TRAINING), and `{"env": {"improvement": "lis"}}` restores the paper's formulation.
META_LEARNA_SEARCH = replace(META_LEARNA_PAPER, env=replace(META_LEARNA_PAPER.env, improvement="search"))

META_TRAINING = META_LEARNA_PAPER
"""Default configuration of ``learna meta-train`` (the formulation the shipped weights were trained with)."""

# Expert iteration (learna meta-train --method exit): a wider network than Meta-LEARNA's reading the same
# window (it learns by imitation, not by reward), with GU and UG pairs among its actions (so that it can write
# what the search's solutions hold), and the hybrid's search as the expert.
EXIT_TRAINING = replace(HYBRID_TUNED, env=replace(HYBRID_TUNED.env, wobble_actions=True),
                        hybrid=replace(HYBRID_TUNED.hybrid, use_policy=True),
                        network=NetworkConfig(embedding_size=4, conv_radii=(5, 2), conv_channels=(32, 32),
                                              lstm_layers=0, lstm_units=1, fc_layers=2, fc_units=64))

PRESETS: dict[str, DesignerConfig] = {
    "learna": LEARNA_NEAR_SEARCH,
    "meta-learna": META_LEARNA_SEARCH,
    "meta-learna-adapt": META_LEARNA_SEARCH,
    "hybrid": HYBRID_TUNED,
}
"""Default configuration per design mode."""


def preset(mode: str) -> DesignerConfig:
    """The preset of design mode ``mode``; a :class:`ConfigError` naming the known modes otherwise."""
    if mode not in PRESETS:
        raise ConfigError(f"unknown mode {mode!r}: use one of {', '.join(PRESETS)}")
    return PRESETS[mode]


def resolve_config(mode: str, *, path: str | Path | None = None, data: Any = None,
                   base: DesignerConfig | None = None, model: FoldingModel | None = None) -> DesignerConfig:
    """The config ``mode`` runs with: ``base`` (default: the mode's preset) overridden by the config file
    ``path`` (or by JSON ``data`` already read), with the energy model ``model`` when given.

    A file written by ``learna hpo best`` names the modes its search space tunes; any other mode is refused.
    """
    base = base or preset(mode)
    if path is not None:
        data = load_json(path)
    if data is not None:
        where = str(path) if path is not None else "config"
        modes = config_modes(data)
        if modes is not None and mode not in modes:
            raise ConfigError(f"{where} was tuned for --mode {' or '.join(modes)}: use it with that mode, not {mode}")
        base = config_from_json(data, base, where=where)
    return base if model is None else base.with_folding(model)
