"""The BOHB search spaces (docs/original.md §3) and their mapping to a :class:`DesignerConfig`.

A space is a :class:`SpaceSpec` in the :data:`SPACES` registry: the hyperparameters (numeric
:class:`Range` and categorical :class:`Choice`, :mod:`learna.hpo.hyperparameters`) and their
conditions, the design mode its objective runs, the preset that supplies every value the search
does not touch, and the mapping from a sampled configuration (a plain dict) to a ``DesignerConfig``
and back. Spaces: ``learna`` and ``meta-learna`` (the original workers') and ``hybrid`` (the
settings of ``--mode hybrid``: the local search's :class:`~learna.search.config.SearchConfig` and
the policy's part in it, :class:`~learna.presets.HybridConfig`; its defaults are the shipped
``hybrid`` preset, so the default configuration is that preset).

Departures from the original worker (``src/optimization/learna_worker.py``):

* **Conditions.** ``conv_channels{1,2}`` are active only when ``conv_radius{1,2}`` > 0 and
  ``lstm_units`` only when ``num_lstm_layers`` > 0, so the model does not learn from values that
  had no effect. ``embedding_size`` 0 selects the binary state encoding.
* **State radius.** κ = ⌊κ_min + (32 − κ_min)·ρ⌋ with ρ = ``state_radius_relative``. The original
  took κ_min = 2·conv_size1 − 1 (the first window added to itself, where conv_size1 + conv_size2
  was probably meant), 2·conv_size2 − 1 when conv 1 was off (in one revision; docs/original.md §3) and −1
  when both were off, so ρ ≈ 0 could give κ = −1. Here κ_min = r1 + r2: the smallest radius whose window (2κ+1) still fits the VALID conv
  stack (windows 2r1+1 and 2r2+1 shrink it by 2r1 + 2r2). κ is thus always ≥ 0 and every sampled
  network is well defined; the same ρ gives a smaller κ than in the original.
* **Improvement step.** ``improvement`` chooses the step applied to an unsolved episode's design: the
  original's local improvement (``lis``, the default) or the defect-guided local search (``search``,
  :class:`~learna.env.config.EnvConfig`), whose fold budget per episode ``improvement_evaluations``
  is active only with it. Cheap improvement leaves time for many updates, strong improvement makes
  each episode count: which is better is for BOHB to measure, not to assume. The choice stays the
  two values the documented run (docs/results/hpo-learna) searched; ``near_search``, chosen later by hand
  for the ``learna`` preset, is not in it.

In the ``hybrid`` space ``policy_starts`` and ``proposal_mix`` are active only with ``use_policy``,
``defect_window`` and ``distance_ties`` only for the ``mfe_distance`` objective (the only one that reads them),
``short_objective``, ``short_parts`` and ``short_mutation_exponent`` only when some targets are short
(``short_length`` > 0) (``ensemble_weight`` is always active: either objective may be ``log_probability``, the
only one that reads it), ``mutation_exponent`` only when more than one site may mutate (``max_mutations`` > 1),
``kick_sites`` only when restarts may kick (``kick_probability`` > 0) and ``follow_up_distance`` only when
children are followed up (``follow_up_moves`` > 0).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Callable, Mapping

from learna.agent.config import NetworkConfig
from learna.errors import ConfigError
from learna.hpo.hyperparameters import (Choice, Condition, Hyperparameter, Range, active_only,
                                        build_configuration_space, plain, problems)
from learna.config import DesignerConfig
from learna.presets import LEARNA_PAPER, META_LEARNA_PAPER, PRESETS
from learna.search.config import DISTANCE_TIES, INITIALISATIONS, OBJECTIVES, SITE_DEFECTS, SearchConfig

MAX_STATE_RADIUS = 32
"""κ at ρ = 1 (the original's ``max_state_radius``)."""
MUTATION_THRESHOLD = 5
"""Fixed in every original worker."""


LEARNA_RANGES: dict[str, Range] = {
    "learning_rate": Range(1e-5, 1e-3, 5e-4, log=True),
    "batch_size": Range(32, 128, 32, log=True),
    "entropy_regularization": Range(1e-5, 1e-2, 1.5e-3, log=True),
    "reward_exponent": Range(1.0, 10.0, 1.0),
    "state_radius_relative": Range(0.0, 1.0, 0.0),
    "conv_radius1": Range(0, 8, 1),
    "conv_channels1": Range(1, 32, 32, log=True),
    "conv_radius2": Range(0, 4, 0),
    "conv_channels2": Range(1, 32, 1, log=True),
    "num_fc_layers": Range(1, 2, 2),
    "fc_units": Range(8, 64, 50, log=True),
    "num_lstm_layers": Range(0, 2, 0),
    "lstm_units": Range(1, 64, 1, log=True),
    "embedding_size": Range(0, 4, 1),
    # beyond the original: the improvement step is part of the formulation too
    "improvement": Choice(("lis", "search"), "lis"),
    "improvement_evaluations": Range(10, 200, 100, log=True),
}
"""The LEARNA worker's space (docs/original.md §3 table, left column), plus the choice of improvement step."""

META_LEARNA_RANGES: dict[str, Range] = {
    **LEARNA_RANGES,
    "learning_rate": Range(1e-6, 1e-4, 1e-5, log=True),
    "entropy_regularization": Range(5e-5, 5e-3, 1.5e-3, log=True),
    "conv_channels1": Range(1, 32, 16),
    "conv_channels2": Range(1, 32, 1),
    "num_fc_layers": Range(1, 2, 1),
}
"""The Meta-LEARNA worker's space (docs/original.md §3 table, right column)."""

CONDITIONS: tuple[Condition, ...] = (
    Condition("conv_channels1", "conv_radius1", 0),
    Condition("conv_channels2", "conv_radius2", 0),
    Condition("lstm_units", "num_lstm_layers", 0),
    Condition("improvement_evaluations", "improvement", "search"),
)
"""The LEARNA spaces' children, each active only when its parent is > 0 (or is ``search``)."""

_HYBRID = PRESETS["hybrid"].hybrid
_SEARCH = _HYBRID.search
HYBRID_RANGES: dict[str, Hyperparameter] = {
    # the local search (SearchConfig); the defaults are the shipped preset's
    "objective": Choice(OBJECTIVES, _SEARCH.objective),
    "frontier_size": Range(2, 50, _SEARCH.frontier_size, log=True),
    "num_starts": Range(1, 10, _SEARCH.num_starts),
    "parent_temperature": Range(0.1, 10.0, _SEARCH.parent_temperature, log=True),
    "position_temperature": Range(0.02, 2.0, _SEARCH.position_temperature, log=True),
    "energy_temperature": Range(0.05, 5.0, _SEARCH.energy_temperature, log=True),
    "informed_probability": Range(0.0, 1.0, _SEARCH.informed_probability),
    "stack_probability": Range(0.0, 1.0, _SEARCH.stack_probability),
    "closing_pair_probability": Range(0.0, 1.0, _SEARCH.closing_pair_probability),
    "max_mutations": Range(1, 6, _SEARCH.max_mutations),
    "mutation_exponent": Range(0.5, 3.0, _SEARCH.mutation_exponent),
    "defect_window": Range(0, 4, _SEARCH.defect_window),
    "free_site_share": Range(0.0, 1.0, _SEARCH.free_site_share),
    "distance_ties": Choice(DISTANCE_TIES, _SEARCH.distance_ties),
    "short_length": Range(0, 400, _SEARCH.short_length),
    "short_objective": Choice(OBJECTIVES, _SEARCH.short_objective or _SEARCH.objective),
    "short_parts": Choice((True, False), _SEARCH.short_parts),
    "short_mutation_exponent": Range(0.5, 3.0, _SEARCH.short_mutation_exponent or _SEARCH.mutation_exponent),
    "ensemble_weight": Range(0.0, 1.0, _SEARCH.ensemble_weight),
    "site_defect": Choice(SITE_DEFECTS, _SEARCH.site_defect),
    "near_distance": Range(0, 20, _SEARCH.near_distance),
    "stagnation_steps": Range(200, 20000, _SEARCH.stagnation_steps, log=True),
    "restart_base": Range(0, 5000, _SEARCH.restart_base),
    "run_stagnation": Choice((True, False), _SEARCH.run_stagnation),
    # what cracks hard targets (docs/local_search.md): off in the shipped preset
    "initialisation": Choice(INITIALISATIONS, _SEARCH.initialisation),
    "gu_ends_only": Choice((True, False), _SEARCH.gu_ends_only),
    "region_probability": Range(0.0, 1.0, _SEARCH.region_probability),
    "mismatch_probability": Range(0.0, 1.0, _SEARCH.mismatch_probability),
    "hairpin_probability": Range(0.0, 1.0, _SEARCH.hairpin_probability),
    "lone_pair_probability": Range(0.0, 1.0, _SEARCH.lone_pair_probability),
    "interior_probability": Range(0.0, 1.0, _SEARCH.interior_probability),
    "crossover_probability": Range(0.0, 1.0, _SEARCH.crossover_probability),
    "estimate_screen": Range(0.0, 1.0, _SEARCH.estimate_screen),
    "rival_pool": Range(0, 20, _SEARCH.rival_pool),
    "ensemble_rivals": Range(0, 20, _SEARCH.ensemble_rivals),
    "screen_attempts": Range(0, 10, _SEARCH.screen_attempts),
    "follow_up_moves": Range(0, 16, _SEARCH.follow_up_moves),
    "follow_up_distance": Range(1, 12, _SEARCH.follow_up_distance),
    "focus_probability": Range(0.0, 0.5, _SEARCH.focus_probability),
    "part_levels": Range(1, 3, _SEARCH.part_levels),
    "share_repeats": Choice((True, False), _SEARCH.share_repeats),
    "restart_parts": Choice((True, False), _SEARCH.restart_parts),
    "part_screen": Choice((True, False), _SEARCH.part_screen),
    "portfolio": Range(1, 3, _SEARCH.portfolio),
    "kick_probability": Range(0.0, 1.0, _SEARCH.kick_probability),
    "kick_sites": Range(2, 32, _SEARCH.kick_sites, log=True),
    "rank_ties": Choice((True, False), _SEARCH.rank_ties),
    "repair_weight": Range(0.0, 2.0, _SEARCH.repair_weight),
    # the policy's part (HybridConfig)
    "use_policy": Choice((True, False), _HYBRID.use_policy),
    "policy_starts": Range(0, 32, _HYBRID.policy_starts),
    "proposal_mix": Range(0.0, 1.0, _HYBRID.proposal_mix),
}
"""The hybrid's space: ranges around the shipped preset's settings (its default configuration)."""

HYBRID_CONDITIONS: tuple[Condition, ...] = (
    Condition("policy_starts", "use_policy", True),
    Condition("proposal_mix", "use_policy", True),
    Condition("defect_window", "objective", "mfe_distance"),
    Condition("distance_ties", "objective", "mfe_distance"),
    Condition("short_objective", "short_length", 0),
    Condition("short_parts", "short_length", 0),
    Condition("short_mutation_exponent", "short_length", 0),
    Condition("mutation_exponent", "max_mutations", 1),
    Condition("kick_sites", "kick_probability", 0),
    Condition("near_distance", "site_defect", "near"),
    Condition("follow_up_distance", "follow_up_moves", 0),
)
"""The hybrid space's children (see the module docstring)."""

_SEARCH_FIELDS = frozenset(f.name for f in fields(SearchConfig))


def state_radius(conv_radius1: int, conv_radius2: int, relative: float) -> int:
    """κ from the conv radii and ρ ∈ [0, 1] (see the module docstring for the fix of the original)."""
    minimum = conv_radius1 + conv_radius2
    return int(minimum + (MAX_STATE_RADIUS - minimum) * relative)


def relative_state_radius(radius: int, conv_radius1: int, conv_radius2: int) -> float:
    """A ρ that :func:`state_radius` maps back to ``radius`` (the middle of its interval)."""
    minimum = conv_radius1 + conv_radius2
    if not minimum <= radius <= MAX_STATE_RADIUS:
        raise ConfigError(f"state radius {radius} is outside the searchable range {minimum}..{MAX_STATE_RADIUS}")
    if radius == MAX_STATE_RADIUS:
        return 1.0
    return (radius - minimum + 0.5) / (MAX_STATE_RADIUS - minimum)


def learna_designer(config: Mapping[str, Any], base: DesignerConfig) -> DesignerConfig:
    """The ``DesignerConfig`` of a sampled LEARNA-space configuration; everything else from ``base``.

    Inactive hyperparameters may be absent. Conv layers with radius 0 are dropped; an inactive
    ``lstm_units`` becomes 1 (unused).
    """
    r1, r2 = int(config["conv_radius1"]), int(config["conv_radius2"])
    convs = [(r, int(config[f"conv_channels{k}"])) for k, r in ((1, r1), (2, r2)) if r > 0]
    lstm_layers = int(config["num_lstm_layers"])
    embedding = int(config["embedding_size"])
    network = NetworkConfig(
        embedding_size=embedding,
        conv_radii=tuple(r for r, _ in convs),
        conv_channels=tuple(c for _, c in convs),
        lstm_layers=lstm_layers,
        lstm_units=int(config["lstm_units"]) if lstm_layers > 0 else 1,
        fc_layers=int(config["num_fc_layers"]),
        fc_units=int(config["fc_units"]),
    )
    env = replace(base.env, state_radius=state_radius(r1, r2, float(config["state_radius_relative"])),
                  encoding="tokens" if embedding > 0 else "binary",
                  reward_exponent=float(config["reward_exponent"]), mutation_threshold=MUTATION_THRESHOLD,
                  improvement=config["improvement"])
    if env.improvement == "search":
        env = replace(env, improvement_evaluations=int(config["improvement_evaluations"]))
    ppo = replace(base.ppo, learning_rate=float(config["learning_rate"]), batch_size=int(config["batch_size"]),
                  entropy_coef=float(config["entropy_regularization"]))
    return replace(base, env=env, network=network, ppo=ppo)


def learna_hyperparameters(designer: DesignerConfig) -> dict[str, Any]:
    """The inverse of :func:`learna_designer`: a (possibly out-of-range) configuration dict."""
    net = designer.network
    radii = list(net.conv_radii) + [0] * (2 - len(net.conv_radii))
    channels = list(net.conv_channels) + [1] * (2 - len(net.conv_channels))
    if (net.embedding_size == 0) != (designer.env.encoding == "binary"):
        raise ConfigError("embedding_size 0 needs the binary encoding and > 0 the token encoding")
    values: dict[str, Any] = {
        "learning_rate": designer.ppo.learning_rate,
        "batch_size": designer.ppo.batch_size,
        "entropy_regularization": designer.ppo.entropy_coef,
        "reward_exponent": designer.env.reward_exponent,
        "state_radius_relative": relative_state_radius(designer.env.state_radius, radii[0], radii[1]),
        "conv_radius1": radii[0],
        "conv_radius2": radii[1],
        "num_fc_layers": net.fc_layers,
        "fc_units": net.fc_units,
        "num_lstm_layers": net.lstm_layers,
        "embedding_size": net.embedding_size,
        "improvement": designer.env.improvement,
    }
    if designer.env.improvement == "search":
        values["improvement_evaluations"] = designer.env.improvement_evaluations
    for k in (1, 2):
        if radii[k - 1] > 0:
            values[f"conv_channels{k}"] = channels[k - 1]
    if net.lstm_layers > 0:
        values["lstm_units"] = net.lstm_units
    return values


def hybrid_designer(config: Mapping[str, Any], base: DesignerConfig) -> DesignerConfig:
    """The ``DesignerConfig`` of a sampled hybrid-space configuration: ``base`` with its hybrid settings
    replaced. Inactive hyperparameters may be absent: they keep ``base``'s values."""
    values = {name: HYBRID_RANGES[name].coerce(value) for name, value in config.items()}
    search = replace(base.hybrid.search, **{k: v for k, v in values.items() if k in _SEARCH_FIELDS})
    policy = {k: v for k, v in values.items() if k not in _SEARCH_FIELDS}
    return replace(base, hybrid=replace(base.hybrid, search=search, **policy))


def hybrid_hyperparameters(designer: DesignerConfig) -> dict[str, Any]:
    """The inverse of :func:`hybrid_designer`: a (possibly out-of-range) configuration dict."""
    settings = designer.hybrid
    values = {name: getattr(settings.search if name in _SEARCH_FIELDS else settings, name) for name in HYBRID_RANGES}
    return active_only(HYBRID_RANGES, HYBRID_CONDITIONS, values)


@dataclass(frozen=True)
class SpaceSpec:
    """A registered search space."""

    name: str
    ranges: Mapping[str, Hyperparameter]
    mode: str
    """Design mode of the objective (``learna``, ``hybrid``: budget = design seconds per target;
    ``meta-learna``: budget = meta-training seconds)."""
    base: DesignerConfig
    """Supplies every value that is not searched (and ``restart_timeout`` of the exported config)."""
    designer: Callable[[Mapping[str, Any], DesignerConfig], DesignerConfig] = learna_designer
    hyperparameters: Callable[[DesignerConfig], dict[str, Any]] = learna_hyperparameters
    conditions: tuple[Condition, ...] = CONDITIONS
    also_for: tuple[str, ...] = ()
    """Design modes besides ``mode`` that the incumbent's config is meant for (see :attr:`modes`)."""

    @property
    def modes(self) -> tuple[str, ...]:
        """The design modes an exported incumbent (``learna hpo best``) may be used with."""
        return (self.mode, *self.also_for)

    def to_designer(self, config: Mapping[str, Any]) -> DesignerConfig:
        """The ``DesignerConfig`` of a configuration of this space (validated first)."""
        return self.designer(validate(self.name, config), self.base)

    def from_designer(self, designer: DesignerConfig) -> dict[str, Any]:
        """The configuration of this space that maps back to ``designer`` (raises if not in the space)."""
        return validate(self.name, self.hyperparameters(designer))


SPACES: dict[str, SpaceSpec] = {
    "learna": SpaceSpec("learna", LEARNA_RANGES, "learna", LEARNA_PAPER),
    "meta-learna": SpaceSpec("meta-learna", META_LEARNA_RANGES, "meta-learna", META_LEARNA_PAPER,
                             also_for=("meta-learna-adapt",)),
    "hybrid": SpaceSpec("hybrid", HYBRID_RANGES, "hybrid", PRESETS["hybrid"], hybrid_designer, hybrid_hyperparameters,
                        HYBRID_CONDITIONS),
}
"""Search space name → spec."""


def get_space(name: str) -> SpaceSpec:
    """The registered space ``name``, or a :class:`ConfigError` naming the known ones."""
    try:
        return SPACES[name]
    except KeyError:
        raise ConfigError(f"unknown search space {name!r}: use one of {', '.join(SPACES)}") from None


def configuration_space(name: str, seed: int | None = None):
    """A fresh ``ConfigSpace.ConfigurationSpace`` for the registered space ``name``."""
    spec = get_space(name)
    return build_configuration_space(name, spec.ranges, spec.conditions, seed)


def validate(name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` as a plain dict (Python scalars) if it is a valid configuration of space ``name``, else a
    one-line :class:`ConfigError`. The same rules as ConfigSpace (bounds, integer types, choices,
    conditions), without importing it: workers and ``learna hpo best`` do not need it."""
    spec = get_space(name)
    config = plain(config)
    found = problems(spec.ranges, spec.conditions, config)
    if found:
        raise ConfigError(f"not a valid configuration of the {name} space: {'; '.join(found)}")
    return config


def sample_configurations(name: str, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` random configurations of space ``name`` as plain dicts (Python scalars)."""
    space = configuration_space(name, seed=seed)
    return [plain(space.sample_configuration()) for _ in range(count)]


def default_configuration(name: str) -> dict[str, Any]:
    """The space's default configuration (the original worker's defaults; for ``hybrid``, the preset)."""
    return plain(configuration_space(name).get_default_configuration())
