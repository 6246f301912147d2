"""Result records of batch evaluations: one JSON line per (target, run), and one ``run.json`` per run directory.

A run directory holds

* ``run.json``: what was run (method, dataset and its sha256, time limit, seed, resolved config, folding
  model, command options, versions), written atomically;
* ``records.jsonl``: one :class:`Record` per finished (target, run), appended and fsynced as soon as it
  exists, so a killed run loses nothing finished (a torn last line is skipped when reading and cut off
  before the next append, :mod:`learna.fileio`).

Every field read back is type-checked: a record or ``run.json`` holding a wrong type is a one-line
:class:`~learna.errors.InputFileError`, never a traceback further down.
"""

from __future__ import annotations

import math
import platform
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Literal

from learna import __version__
from learna.configio import from_dict
from learna.designers.base import Milestones, RunOutcome, milestones
from learna.errors import ConfigError, InputFileError
from learna.fileio import append_jsonl, atomic_write_json, parse_json, read_jsonl, repair_jsonl
from learna.folding import VIENNARNA_VERSION, FoldingModel, unique_mfe
from learna.quality import Assessment, assess
from learna.structure import Target

RECORDS_FILE = "records.jsonl"
RUN_FILE = "run.json"
Status = Literal["finished", "timeout", "error"]


def versions() -> dict[str, str]:
    """Versions of everything that can change a result."""
    from importlib.metadata import version

    return {"learna": __version__, "viennarna": VIENNARNA_VERSION, "torch": version("torch"),
            "python": platform.python_version()}


@dataclass(frozen=True, kw_only=True)
class Record(Assessment):
    """The outcome of one method on one target in one run, assessed independently of the method (the quality
    fields are :class:`~learna.quality.Assessment`'s; records written before a field existed read it as None)."""

    id: str
    method: str
    run: int
    seed: int
    length: int
    target: str
    solved: bool
    """``folded`` is the target and the design satisfies the target's constraints (and, in a run with
    ``uniqueness`` ``require``, its MFE is unique)."""
    time_to_solve_s: float | None
    """Seconds (after start-up) until solved; None if unsolved."""
    time_s: float
    """Seconds (after start-up) the method ran."""
    startup_s: float | None
    """Seconds from process start until timing began (imports, warm-up): not part of ``time_s``."""
    sequence: str | None
    status: Status
    """finished: the method returned; timeout: killed after overrunning the limit; error: it failed."""
    folding: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    """Method-specific counters (episodes, folds, updates, restarts, …) or the error message."""
    time_to_unique_s: float | None = None
    """Seconds (after start-up) until a unique-MFE solution; None if none."""
    folds: int | None = None
    """ViennaRNA folds the method spent (None when unknown: killed, or a record from before)."""
    folds_to_solve: int | None = None
    """Folds until the first solution counted (None if unsolved or unknown)."""

    @property
    def key(self) -> tuple[str, int]:
        return self.id, self.run

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict, where: str = "record") -> "Record":
        """A record read back: unknown keys are ignored (newer files), wrong types refused."""
        names = {f.name for f in fields(cls)}
        required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
        missing = [name for name in required if name not in data]
        if missing:
            raise InputFileError(f"{where}: record lacks {', '.join(missing)} (not a learna record file)")
        try:
            record = from_dict(cls, {k: v for k, v in data.items() if k in names}, where=where)
        except ConfigError as exc:
            raise InputFileError(f"{exc} (corrupted record file)") from None
        if "unique_mfe" not in data and record.solved and record.sequence:
            record = _with_uniqueness(record)
        if record.run < 0 or not all(t is None or (math.isfinite(t) and t >= 0)
                                     for t in (record.time_s, record.time_to_solve_s, record.time_to_unique_s)):
            raise InputFileError(f"{where}: negative run or time (corrupted record file)")
        return record


def _with_uniqueness(record: Record) -> Record:
    """A record written before uniqueness was recorded: its run stopped at the first solution, so that
    solution is unique at its time to solve, or never (in the run's energy model)."""
    model = from_dict(FoldingModel, {k: v for k, v in record.folding.items() if k != "viennarna"})
    unique = unique_mfe(record.sequence, record.target, model)
    return replace(record, unique_mfe=unique, time_to_unique_s=record.time_to_solve_s if unique else None)


def make_record(target: Target, outcome: RunOutcome | None, model: FoldingModel, uniqueness: str, *,
                status: Status, time_s: float, **values) -> Record:
    """The :class:`Record` of a method's ``outcome`` on ``target`` (None: no design came back), assessed
    here, independently of the method; ``values`` are the remaining fields (method, run, seed, …)."""
    sequence = None if outcome is None else outcome.sequence
    check = assess(target, sequence, model)
    reached = Milestones() if outcome is None else milestones(target, outcome, check, model, uniqueness)
    solved = check.solved_under(uniqueness)
    return Record(id=target.id, length=len(target), target=target.dot_bracket, solved=solved,
                  time_to_solve_s=reached.time_to_solve_s if solved else None, time_s=time_s, sequence=sequence,
                  status=status, folding=model.to_dict(), versions=versions(),
                  time_to_unique_s=reached.time_to_unique_s, folds=None if outcome is None else outcome.folds,
                  folds_to_solve=reached.folds_to_solve if solved else None, **check.measures(), **values)


def append_record(directory: Path, record: Record) -> None:
    """Append ``record`` to the directory's record file and fsync it."""
    append_jsonl(Path(directory) / RECORDS_FILE, record.to_json())


def repair_records(directory: Path) -> None:
    """Make the record file safe to append to after a crash (:func:`learna.fileio.repair_jsonl`)."""
    repair_jsonl(Path(directory) / RECORDS_FILE)


def read_records(directory: Path) -> list[Record]:
    """All records of a run directory, in the order they were written (none if no file yet)."""
    path = Path(directory) / RECORDS_FILE
    if not path.exists():
        return []
    return [Record.from_json(data, f"{path} record {n}") for n, data in enumerate(read_jsonl(path), start=1)]


def latest_records(records: list[Record]) -> dict[tuple[str, int], Record]:
    """The last record per (target, run): a retried error is superseded by its retry."""
    return {record.key: record for record in records}


def duplicate_keys(records: list[Record]) -> list[tuple[str, int]]:
    """(target, run) pairs with more than one record that is not an error: a run written twice (two writers,
    or merged shards that overlap). A retried error is not a duplicate."""
    seen: dict[tuple[str, int], int] = {}
    for record in records:
        if record.status != "error":
            seen[record.key] = seen.get(record.key, 0) + 1
    return sorted(key for key, count in seen.items() if count > 1)


def completed_keys(records: list[Record]) -> set[tuple[str, int]]:
    """(target, run) pairs that need no rerun on resume: everything except errors."""
    return {key for key, record in latest_records(records).items() if record.status != "error"}


def write_run_info(directory: Path, info: dict) -> None:
    """Write ``run.json`` atomically."""
    atomic_write_json(Path(directory) / RUN_FILE, info)


_RUN_FIELDS = {"method": str, "dataset": str, "time_limit_s": (int, float), "ids": list, "runs": int,
               "polish_s": (int, float)}


def read_run_info(directory: Path) -> dict:
    """``run.json`` of a run directory, its fields type-checked; :class:`InputFileError` if it is missing,
    not a JSON object, or holds a wrong type."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputFileError(f"run directory {directory} does not exist")
    path = directory / RUN_FILE
    if not path.is_file():
        raise InputFileError(f"{directory} is not a run directory: it has no {RUN_FILE}")
    try:
        info = parse_json(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except InputFileError as exc:
        raise InputFileError(f"{exc}: corrupted run directory") from None
    if not isinstance(info, dict):
        raise InputFileError(f"{path} is not a JSON object: corrupted run directory")
    info.setdefault("runs", 1)
    info.setdefault("polish_s", 0.0)  # runs before benchmarks polished
    for key, kind in _RUN_FIELDS.items():
        value = info.get(key)
        if key not in info:
            raise InputFileError(f"{path} lacks {key!r}: corrupted run directory")
        if isinstance(value, bool) or not isinstance(value, kind):
            raise InputFileError(f"{path}: {key!r} has the wrong type ({value!r}): corrupted run directory")
    if (not all(isinstance(i, str) for i in info["ids"]) or info["runs"] < 1 or not info["time_limit_s"] > 0
            or not info["polish_s"] >= 0):
        raise InputFileError(f"{path}: ids must be strings, runs ≥ 1, the time limit positive and the polish time "
                             "non-negative: corrupted run directory")
    return info
