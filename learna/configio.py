"""Typed frozen configs from and to plain dicts (JSON), with clear errors for bad input."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from learna.errors import ConfigError
from learna.fileio import atomic_write_json, parse_json

T = TypeVar("T")


def to_dict(config: Any) -> dict:
    """A JSON-ready dict of a (nested) dataclass config."""
    return dataclasses.asdict(config)


def claim_run_dir(out: Path, settings_file: str, settings: dict[str, Any], *, resume: bool, holds_run: bool,
                  what: str) -> None:
    """Take the run directory ``out`` for a run and write its ``settings`` there as ``settings_file`` (each
    dataclass value as :func:`to_dict`). With ``resume``, settings recorded there before must be ``settings``
    (:func:`same_settings`); without it, ``out`` must not hold a run already (``holds_run``; ``what`` names such
    a run in the error)."""
    path = Path(out) / settings_file
    if resume:
        if path.exists() and not same_settings(parse_json(path.read_bytes(), str(path)), settings, settings_file):
            raise ConfigError(f"{out} was run with other settings (see its {settings_file}): resume with the same "
                              "options, or choose another --out")
    elif holds_run:
        raise ConfigError(f"{out} holds {what}: pass --resume, or choose another --out")
    atomic_write_json(path, {key: to_dict(value) if dataclasses.is_dataclass(value) else value
                             for key, value in settings.items()})


def same_settings(recorded: Any, expected: dict[str, Any], where: str) -> bool:
    """Whether settings recorded in a run directory (parsed JSON) are ``expected``: each dataclass value compared
    as parsed by :func:`from_dict` (so that a run recorded before a setting was added, whose default then
    applies, still matches), any other value as it is."""
    if not isinstance(recorded, dict):
        return False
    for key, value in expected.items():
        if dataclasses.is_dataclass(value):
            try:
                value_recorded = from_dict(type(value), recorded.get(key), where=where)
            except ConfigError:
                return False
        else:
            value_recorded = recorded.get(key)
        if value_recorded != value:
            return False
    return True


def merge(base: dict, update: dict) -> dict:
    """``base`` with ``update`` applied recursively (nested dicts merge, other values replace)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def from_dict(cls: type[T], data: Any, where: str = "config") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys and wrongly typed values raise :class:`ConfigError`.

    Missing keys take the dataclass defaults, so a config file may give only what it changes.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    values = {key: _convert(hints[key], value, f"{where}.{key}") for key, value in data.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if origin is typing.Literal:
        if not isinstance(value, (str, int, float, bool, type(None))) or value not in typing.get_args(hint):
            raise ConfigError(f"{where}: {_shown(value)} is not one of {list(typing.get_args(hint))}")
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(hint):
            return None
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value, where)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {_shown(value)}")
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v, where) for v in value)
    if hint is dict or origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a JSON object, got {_shown(value)}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {_shown(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {_shown(value)}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {_shown(value)}")
        if not math.isfinite(value):
            raise ConfigError(f"{where}: expected a finite number, got {_shown(value)}")
        return float(value)
    if hint is str and not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {_shown(value)}")
    return value


def load_json(path: str | Path) -> Any:
    """Parse a JSON config file, converting every failure into a one-line :class:`ConfigError`."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    return parse_json(data, f"config file {path}", ConfigError)
