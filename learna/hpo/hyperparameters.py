"""Hyperparameter declarations of the search spaces, their checks, and the ConfigSpace objects built from them.

A space declares each hyperparameter as a :class:`Range` (numeric) or a :class:`Choice` (categorical)
and lists the :class:`Condition` under which a child hyperparameter is active. :func:`problems` applies
ConfigSpace's rules (bounds, integer types, choices, conditions) without importing it, so workers and
``learna hpo best`` do not need it; :func:`build_configuration_space` is the ConfigSpace object BOHB
samples from.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple, Sequence


class Range(NamedTuple):
    """One numeric hyperparameter: bounds, default, log scale. Integer bounds make an integer hyperparameter."""

    lower: float
    upper: float
    default: float
    log: bool = False

    @property
    def integer(self) -> bool:
        """Integer bounds: an integer hyperparameter."""
        return isinstance(self.lower, int) and isinstance(self.upper, int)

    def coerce(self, value: Any) -> int | float:
        """A valid value as the Python type the config field holds."""
        return int(value) if self.integer else float(value)

    def problem(self, name: str, value: Any) -> str | None:
        """Why ``value`` is not a valid value of hyperparameter ``name`` (None if it is)."""
        if _is_number(value) and (isinstance(value, int) or not self.integer) and self.lower <= value <= self.upper:
            return None
        kind = "an integer" if self.integer else "a number"
        return f"{name} = {value!r} is not {kind} in [{self.lower:g}, {self.upper:g}]"


class Choice(NamedTuple):
    """One categorical hyperparameter: its values (strings or booleans) and default."""

    values: tuple
    default: Any

    def coerce(self, value: Any) -> Any:
        """A valid value as the config field holds it (as it is)."""
        return value

    def problem(self, name: str, value: Any) -> str | None:
        """Why ``value`` is not a valid value of hyperparameter ``name`` (None if it is)."""
        if not any(_same(value, choice) for choice in self.values):
            return f"{name} = {value!r} is not one of {', '.join(map(repr, self.values))}"
        return None


Hyperparameter = Range | Choice


class Condition(NamedTuple):
    """``child`` is active only when ``parent`` is > ``value`` (a :class:`Range` parent; ConfigSpace's
    ``GreaterThanCondition``) or equals ``value`` (a :class:`Choice` parent; ``EqualsCondition``)."""

    child: str
    parent: str
    value: Any = 0

    def holds(self, ranges: Mapping[str, Hyperparameter], config: Mapping[str, Any]) -> bool:
        """Whether the parent's value in ``config`` meets the condition (an absent parent does not)."""
        actual = config.get(self.parent)
        if isinstance(ranges[self.parent], Choice):
            return _same(actual, self.value)
        return _is_number(actual) and actual > self.value

    def describe(self, ranges: Mapping[str, Hyperparameter]) -> str:
        """The condition as text, e.g. ``conv_radius2 > 0``."""
        operator = "=" if isinstance(ranges[self.parent], Choice) else ">"
        return f"{self.parent} {operator} {self.value!r}"


def is_active(name: str, ranges: Mapping[str, Hyperparameter], conditions: Sequence[Condition],
              config: Mapping[str, Any]) -> bool:
    """Whether hyperparameter ``name`` is active in ``config`` (its parent active and its condition met)."""
    condition = next((c for c in conditions if c.child == name), None)
    return condition is None or (is_active(condition.parent, ranges, conditions, config)
                                 and condition.holds(ranges, config))


def active_only(ranges: Mapping[str, Hyperparameter], conditions: Sequence[Condition],
                config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` without its inactive hyperparameters."""
    return {k: v for k, v in config.items() if k not in ranges or is_active(k, ranges, conditions, config)}


def problems(ranges: Mapping[str, Hyperparameter], conditions: Sequence[Condition],
             config: Mapping[str, Any]) -> list[str]:
    """What makes ``config`` an invalid configuration (empty if it is valid)."""
    unknown = sorted(set(config) - set(ranges))
    found = [f"unknown hyperparameter(s) {', '.join(unknown)}"] if unknown else []
    for name, hp in ranges.items():
        if not is_active(name, ranges, conditions, config):
            if name in config:
                condition = next(c for c in conditions if c.child == name)
                found.append(f"{name} is inactive (it needs {condition.describe(ranges)}) but has a value")
        elif name not in config:
            found.append(f"{name} is active but has no value")
        elif (problem := hp.problem(name, config[name])) is not None:
            found.append(problem)
    return found


def build_configuration_space(name: str, ranges: Mapping[str, Hyperparameter], conditions: Sequence[Condition],
                              seed: int | None = None):
    """A ``ConfigSpace.ConfigurationSpace`` with these hyperparameters and conditions."""
    from ConfigSpace import (CategoricalHyperparameter, ConfigurationSpace, EqualsCondition, GreaterThanCondition,
                             UniformFloatHyperparameter, UniformIntegerHyperparameter)

    space = ConfigurationSpace(name=name, seed=seed)
    for hp_name, hp in ranges.items():
        if isinstance(hp, Choice):
            space.add(CategoricalHyperparameter(hp_name, list(hp.values), default_value=hp.default))
        else:
            kind = UniformIntegerHyperparameter if hp.integer else UniformFloatHyperparameter
            space.add(kind(hp_name, hp.lower, hp.upper, default_value=hp.default, log=hp.log))
    space.add([(EqualsCondition if isinstance(ranges[c.parent], Choice) else GreaterThanCondition)(
        space[c.child], space[c.parent], c.value) for c in conditions])
    return space


def plain(config: Mapping[str, Any]) -> dict[str, Any]:
    """Numpy scalars (ConfigSpace's categorical values, for one) → Python scalars (JSON- and pickle-friendly)."""
    return {k: v.item() if hasattr(v, "item") else v for k, v in config.items()}


def _same(value: Any, choice: Any) -> bool:
    """Equal and of the same type: ``1`` is not the choice ``True``, nor ``1.0`` the choice ``1``."""
    return type(value) is type(choice) and value == choice


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
