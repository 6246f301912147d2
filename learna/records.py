"""Result records of batch evaluations: one JSON line per (target, run), and one ``run.json`` per run directory.

A run directory holds

* ``run.json``: what was run (method, dataset and its sha256, time limit, seed, resolved config, folding
  model, command options, versions), written atomically;
* ``records.jsonl``: one :class:`Record` per finished (target, run), appended and fsynced as soon as it
  exists, so a killed run loses nothing finished (a torn last line is skipped when reading).
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Literal

import torch

from learna import __version__
from learna.errors import InputFileError
from learna.fileio import append_jsonl, atomic_write_json, read_jsonl
from learna.folding import VIENNARNA_VERSION, FoldingModel, fold_structure
from learna.structure import Target, hamming

RECORDS_FILE = "records.jsonl"
RUN_FILE = "run.json"
Status = Literal["finished", "timeout", "error"]


def versions() -> dict[str, str]:
    """Versions of everything that can change a result."""
    return {"learna": __version__, "viennarna": VIENNARNA_VERSION, "torch": torch.__version__,
            "python": platform.python_version()}


@dataclass(frozen=True)
class Record:
    """The outcome of one method on one target in one run, verified by an independent fold."""

    id: str
    method: str
    run: int
    seed: int
    length: int
    target: str
    solved: bool
    """True only if ``folded`` equals the target and the design satisfies the target's constraints."""
    distance: int | None
    """Hamming distance of ``folded`` to the target; None when no design came back."""
    time_to_solve_s: float | None
    """Seconds (after start-up) until solved; None if unsolved."""
    time_s: float
    """Seconds (after start-up) the method ran."""
    startup_s: float | None
    """Seconds from process start until timing began (imports, warm-up): not part of ``time_s``."""
    sequence: str | None
    folded: str | None
    """MFE structure of ``sequence``, folded by the harness (not by the designer)."""
    status: Status
    """finished: the method returned; timeout: killed after overrunning the limit; error: it failed."""
    folding: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    """Method-specific counters (episodes, folds, updates, restarts, …) or the error message."""
    constraints: dict | None = None
    """The target's design constraints (``sequence``, ``gc``, ``gc_tolerance``); None when unconstrained."""
    gc_content: float | None = None
    """GC content of ``sequence`` (None without a design)."""
    constraints_satisfied: bool | None = None
    """``sequence`` follows the sequence constraint and its GC content is within the tolerance; None when
    unconstrained or without a design."""

    @property
    def key(self) -> tuple[str, int]:
        return self.id, self.run

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict, where: str = "record") -> "Record":
        names = {f.name for f in fields(cls)}
        optional = ("folding", "versions", "stats", "constraints", "gc_content", "constraints_satisfied")
        missing = sorted(n for n in names if n not in data and n not in optional)
        if missing:
            raise InputFileError(f"{where}: record lacks {', '.join(missing)} (not a learna record file)")
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Verification:
    """What an independent check of a design found: the sequence re-folded with the run's energy model."""

    folded: str | None
    distance: int | None
    solved: bool
    """The fold is the target and the design constraints (if any) hold."""
    constraints: dict
    """``constraints``, ``gc_content`` and ``constraints_satisfied`` (see ``DesignConstraints.summary``)."""


def verify(target: Target, sequence: str | None, model: FoldingModel) -> Verification:
    """Re-fold ``sequence`` (``None``: no design) and check it against ``target`` and its constraints."""
    folded = fold_structure(sequence, model) if sequence else None
    distance = hamming(folded, target.dot_bracket) if folded is not None else None
    summary = target.constraints.summary(sequence)
    solved = distance == 0 and summary["constraints_satisfied"] is not False
    return Verification(folded, distance, solved, summary)


def verified_record(target: Target, sequence: str | None, model: FoldingModel, *,
                    time_to_solve_s: float | None, **values) -> Record:
    """A :class:`Record` whose ``folded``/``distance``/``solved`` and constraint fields come from checking
    ``sequence`` here, independently of the designer; ``values`` are the remaining :class:`Record` fields."""
    check = verify(target, sequence, model)
    return Record(id=target.id, length=len(target), target=target.dot_bracket, solved=check.solved,
                  distance=check.distance, time_to_solve_s=time_to_solve_s if check.solved else None,
                  sequence=sequence, folded=check.folded, folding=model.to_dict(), versions=versions(),
                  **check.constraints, **values)


def append_record(directory: Path, record: Record) -> None:
    """Append ``record`` to the directory's record file and fsync it."""
    append_jsonl(Path(directory) / RECORDS_FILE, record.to_json())


def drop_torn_tail(directory: Path) -> None:
    """Cut a torn last line (a crash mid-append) off the record file, so the next append starts a new line."""
    path = Path(directory) / RECORDS_FILE
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)
            os.fsync(handle.fileno())


def read_records(directory: Path) -> list[Record]:
    """All records of a run directory, in the order they were written (none if no file yet)."""
    path = Path(directory) / RECORDS_FILE
    if not path.exists():
        return []
    return [Record.from_json(data, f"{path} record {n}") for n, data in enumerate(read_jsonl(path), start=1)]


def latest_records(records: list[Record]) -> dict[tuple[str, int], Record]:
    """The last record per (target, run): a retried error is superseded by its retry."""
    return {record.key: record for record in records}


def completed_keys(records: list[Record]) -> set[tuple[str, int]]:
    """(target, run) pairs that need no rerun on resume: everything except errors."""
    return {key for key, record in latest_records(records).items() if record.status != "error"}


def write_run_info(directory: Path, info: dict) -> None:
    """Write ``run.json`` atomically."""
    atomic_write_json(Path(directory) / RUN_FILE, info)


def read_run_info(directory: Path) -> dict:
    """``run.json`` of a run directory; :class:`InputFileError` if it is missing or not a JSON object."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputFileError(f"run directory {directory} does not exist")
    path = directory / RUN_FILE
    if not path.is_file():
        raise InputFileError(f"{directory} is not a run directory: it has no {RUN_FILE}")
    info = _load_object(path)
    for key in ("method", "dataset", "time_limit_s", "ids"):
        if key not in info:
            raise InputFileError(f"{path} lacks {key!r}: corrupted run directory")
    return info


def _load_object(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"{path} is not valid JSON ({exc}): corrupted run directory") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path} is not a JSON object: corrupted run directory")
    return data
