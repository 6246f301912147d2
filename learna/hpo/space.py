"""The BOHB search spaces (reference/learna.md §3) and their mapping to a :class:`DesignerConfig`.

A space is a :class:`SpaceSpec` in the :data:`SPACES` registry: the hyperparameter ranges, the
design mode its objective runs, the preset that supplies every value the search does not touch,
and the mapping from a sampled configuration (a plain dict) to a ``DesignerConfig``. A new space
(e.g. ``hybrid``) is one more ranges dict and one more registry entry, with its own mapping if it
searches more than the LEARNA hyperparameters.

Departures from the original worker (``src/optimization/learna_worker.py``):

* **Conditions.** ``conv_channels{1,2}`` are active only when ``conv_radius{1,2}`` > 0 and
  ``lstm_units`` only when ``num_lstm_layers`` > 0, so the model does not learn from values that
  had no effect. ``embedding_size`` 0 selects the binary state encoding.
* **State radius.** κ = ⌊κ_min + (32 − κ_min)·ρ⌋ with ρ = ``state_radius_relative``. The original
  took κ_min = 2·conv_size1 − 1 (the first window added to itself, where conv_size1 + conv_size2
  was probably meant), 2·r2 when conv 1 was off and −1 when both were off, so ρ ≈ 0 could give
  κ = −1. Here κ_min = r1 + r2: the smallest radius whose window (2κ+1) still fits the VALID conv
  stack (windows 2r1+1 and 2r2+1 shrink it by 2r1 + 2r2). κ is thus always ≥ 0 and every sampled
  network is well defined; the same ρ gives a smaller κ than in the original.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, NamedTuple

from learna.agent.config import NetworkConfig
from learna.errors import ConfigError
from learna.presets import LEARNA_PAPER, META_LEARNA_PAPER, DesignerConfig

MAX_STATE_RADIUS = 32
"""κ at ρ = 1 (the original's ``max_state_radius``)."""
MUTATION_THRESHOLD = 5
"""Fixed in every original worker."""


class Range(NamedTuple):
    """One hyperparameter: bounds, default, log scale. Integer bounds make an integer hyperparameter."""

    lower: float
    upper: float
    default: float
    log: bool = False


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
}
"""The LEARNA worker's space (learna.md §3 table, left column)."""

META_LEARNA_RANGES: dict[str, Range] = {
    **LEARNA_RANGES,
    "learning_rate": Range(1e-6, 1e-4, 1e-5, log=True),
    "entropy_regularization": Range(5e-5, 5e-3, 1.5e-3, log=True),
    "conv_channels1": Range(1, 32, 16),
    "conv_channels2": Range(1, 32, 1),
    "num_fc_layers": Range(1, 2, 1),
}
"""The Meta-LEARNA worker's space (learna.md §3 table, right column)."""

CONDITIONS: tuple[tuple[str, str], ...] = (
    ("conv_channels1", "conv_radius1"),
    ("conv_channels2", "conv_radius2"),
    ("lstm_units", "num_lstm_layers"),
)
"""(child, parent): the child is active only when the parent is > 0."""


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
                  reward_exponent=float(config["reward_exponent"]), mutation_threshold=MUTATION_THRESHOLD)
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
    }
    for k in (1, 2):
        if radii[k - 1] > 0:
            values[f"conv_channels{k}"] = channels[k - 1]
    if net.lstm_layers > 0:
        values["lstm_units"] = net.lstm_units
    return values


@dataclass(frozen=True)
class SpaceSpec:
    """A registered search space."""

    name: str
    ranges: Mapping[str, Range]
    mode: str
    """Design mode of the objective (``learna``: budget = design seconds per target; ``meta-learna``:
    budget = meta-training seconds)."""
    base: DesignerConfig
    """Supplies every value that is not searched (and ``restart_timeout`` of the exported config)."""
    designer: Callable[[Mapping[str, Any], DesignerConfig], DesignerConfig] = learna_designer
    hyperparameters: Callable[[DesignerConfig], dict[str, Any]] = learna_hyperparameters
    conditions: tuple[tuple[str, str], ...] = CONDITIONS

    def to_designer(self, config: Mapping[str, Any]) -> DesignerConfig:
        """The ``DesignerConfig`` of a configuration of this space (validated first)."""
        return self.designer(validate(self.name, config), self.base)

    def from_designer(self, designer: DesignerConfig) -> dict[str, Any]:
        """The configuration of this space that maps back to ``designer`` (raises if not in the space)."""
        return validate(self.name, self.hyperparameters(designer))


SPACES: dict[str, SpaceSpec] = {
    "learna": SpaceSpec("learna", LEARNA_RANGES, "learna", LEARNA_PAPER),
    "meta-learna": SpaceSpec("meta-learna", META_LEARNA_RANGES, "meta-learna", META_LEARNA_PAPER),
}
"""Search space name → spec. Add ``hybrid`` here."""


def get_space(name: str) -> SpaceSpec:
    """The registered space ``name``, or a :class:`ConfigError` naming the known ones."""
    try:
        return SPACES[name]
    except KeyError:
        raise ConfigError(f"unknown search space {name!r}: use one of {', '.join(SPACES)}") from None


def configuration_space(name: str, seed: int | None = None):
    """A fresh ``ConfigSpace.ConfigurationSpace`` for the registered space ``name``."""
    from ConfigSpace import (ConfigurationSpace, GreaterThanCondition, UniformFloatHyperparameter,
                             UniformIntegerHyperparameter)

    spec = get_space(name)
    space = ConfigurationSpace(name=name, seed=seed)
    for hp_name, r in spec.ranges.items():
        integer = all(isinstance(v, int) for v in (r.lower, r.upper, r.default))
        kind = UniformIntegerHyperparameter if integer else UniformFloatHyperparameter
        space.add(kind(hp_name, r.lower, r.upper, default_value=r.default, log=r.log))
    space.add([GreaterThanCondition(space[child], space[parent], 0) for child, parent in spec.conditions])
    return space


def validate(name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` as a plain dict if it is a valid configuration of space ``name``, else a one-line
    :class:`ConfigError`. The same rules as ConfigSpace (bounds, integer types, conditions), without
    importing it: workers and ``learna hpo best`` do not need it."""
    spec = get_space(name)
    config = dict(config)
    problems = [f"unknown hyperparameter(s) {', '.join(sorted(set(config) - set(spec.ranges)))}"] \
        if set(config) - set(spec.ranges) else []
    parents = dict(spec.conditions)
    for hp, r in spec.ranges.items():
        parent = parents.get(hp)
        active = parent is None or (_is_number(config.get(parent)) and config[parent] > 0)
        if not active:
            if hp in config:
                problems.append(f"{hp} is inactive ({parent} is 0) but has a value")
            continue
        value = config.get(hp)
        integer = isinstance(r.lower, int) and isinstance(r.upper, int)
        if value is None:
            problems.append(f"{hp} is active but has no value")
        elif not _is_number(value) or (integer and not isinstance(value, int)) or not r.lower <= value <= r.upper:
            problems.append(f"{hp} = {value!r} is not {'an integer' if integer else 'a number'} "
                            f"in [{r.lower:g}, {r.upper:g}]")
    if problems:
        raise ConfigError(f"not a valid configuration of the {name} space: {'; '.join(problems)}")
    return config


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def sample_configurations(name: str, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` random configurations of space ``name`` as plain dicts (Python scalars)."""
    space = configuration_space(name, seed=seed)
    return [_plain(dict(space.sample_configuration())) for _ in range(count)]


def default_configuration(name: str) -> dict[str, Any]:
    """The space's default configuration (the original worker's defaults)."""
    return _plain(dict(configuration_space(name).get_default_configuration()))


def _plain(config: dict[str, Any]) -> dict[str, Any]:
    """Numpy scalars → Python scalars (JSON- and pickle-friendly everywhere)."""
    return {k: v.item() if hasattr(v, "item") else v for k, v in config.items()}
