"""Targets and datasets: target files, the shipped Eterna100 sets, generated random targets.

Target files (:mod:`learna.data.targetfiles`) come in four formats, detected from their content: one
structure per line, FASTA-like, tab-separated with a ``dotbracket`` column, and JSON lines; the last two
(and, for sequence constraints, the first two) can carry design constraints per target.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from learna.data.motifs import MIN_HELIX, hard_structure, motif_structure
from learna.data.targetfiles import read_targets, write_targets_tsv
from learna.errors import InputFileError, LearnaError
from learna.folding import DEFAULT_MODEL, FoldingModel, fold_structure
from learna.structure import Target

__all__ = ["DATASETS", "GENERATION_KINDS", "GenerationSpec", "dataset_digest", "dataset_path", "generate_targets", "load_dataset",
           "read_targets", "select_targets", "verify_checksum", "write_targets_tsv"]

DATASETS: dict[str, tuple[str, str]] = {
    "eterna100-v1": ("eterna100_v1.tsv", "a516d00b5cf17cadc0303d79eca5579940ef48d533ac65c60587da18698b2c0c"),
    "eterna100-v2": ("eterna100_v2.tsv", "6861be5b3d1712de2cfcbfd2a149beadf5d6e808dc147035d0998a867b3428ff"),
}
"""Shipped datasets: name → (file in ``learna/data/eterna100``, sha256)."""


def dataset_path(name: str) -> Path:
    """Path of a shipped dataset file (works for editable and regular installs)."""
    filename = DATASETS[name][0]
    return Path(str(resources.files("learna.data").joinpath("eterna100", filename)))


def verify_checksum(name: str) -> None:
    """Raise :class:`InputFileError` if a shipped dataset's sha256 differs from the recorded one."""
    digest = hashlib.sha256(dataset_path(name).read_bytes()).hexdigest()
    if digest != DATASETS[name][1]:
        raise InputFileError(f"dataset {name} is corrupted: sha256 {digest} != {DATASETS[name][1]}")


def dataset_digest(name_or_path: str) -> str:
    """sha256 of a shipped dataset (the recorded one) or of a target file's bytes: the dataset's identity."""
    if name_or_path in DATASETS:
        return DATASETS[name_or_path][1]
    try:
        return hashlib.sha256(Path(name_or_path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InputFileError(f"cannot read target file {name_or_path}: {exc}") from None


def load_dataset(name_or_path: str) -> list[Target]:
    """Targets of a shipped dataset (by name) or of any target file (by path)."""
    if name_or_path in DATASETS:
        verify_checksum(name_or_path)
        return read_targets(dataset_path(name_or_path))
    path = Path(name_or_path)
    if not path.exists():
        known = ", ".join(DATASETS)
        raise InputFileError(f"unknown dataset {name_or_path!r}: use one of {known} or a path to a target file")
    return read_targets(path)


def select_targets(targets: list[Target], selection: str | None) -> list[Target]:
    """The targets named by ``selection``, in dataset order; all of them for ``None``.

    ``selection`` is a comma-separated list of ids and inclusive numeric ranges, e.g. ``1-20,35``.
    """
    if selection is None:
        return list(targets)
    wanted: set[str] = set()
    for item in (part.strip() for part in selection.split(",")):
        bounds = item.split("-")
        if not item:
            raise InputFileError(f"malformed id list {selection!r}: empty item; use e.g. 1-20,35")
        if len(bounds) == 2 and all(b.strip().isdigit() for b in bounds):
            low, high = int(bounds[0]), int(bounds[1])
            if low > high:
                raise InputFileError(f"malformed id list {selection!r}: range {item} is reversed")
            if high - low >= len(targets):
                raise InputFileError(f"id list {selection!r}: range {item} is longer than the dataset "
                                     f"({len(targets)} targets)")
            wanted.update(str(i) for i in range(low, high + 1))
        else:
            wanted.add(item)
    known = {t.id for t in targets}
    missing = sorted(wanted - known, key=lambda i: (len(i), i))
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise InputFileError(f"id list {selection!r} names ids not in the dataset: {shown}")
    return [t for t in targets if t.id in wanted]


@dataclass(frozen=True)
class GenerationSpec:
    """Recipe for random targets: MFE structures of uniformly random sequences (``kind="mfe"``) or
    structures drawn from a loop grammar (``kind="motif"``, :mod:`learna.data.motifs`: harder; ``kind="hard"``:
    the grammar of long puzzles, with lone pairs, 1-nt bulges, many-branched multiloops and repeats)."""

    count: int = 100
    min_length: int = 50
    max_length: int = 450
    min_pairs: int = 1
    """Skip structures with fewer base pairs than this."""
    seed: int = 0
    kind: str = "mfe"
    """``mfe``, ``motif`` or ``hard``."""


GENERATION_KINDS = ("mfe", "motif", "hard")
"""What :func:`generate_targets` can draw."""


def generate_targets(spec: GenerationSpec, model: FoldingModel = DEFAULT_MODEL) -> list[Target]:
    """Reproducible random targets with lengths uniform in the range: MFE structures of random
    sequences folded with ``model`` (``kind="mfe"``) or grammar-drawn structures (``kind="motif"``).

    Duplicated structures are dropped. The same spec and model always give the same list.
    """
    if spec.count < 1 or not 1 <= spec.min_length <= spec.max_length:
        raise LearnaError("generation needs count ≥ 1 and 1 ≤ min length ≤ max length")
    if spec.kind not in GENERATION_KINDS:
        raise LearnaError(f"unknown generation kind {spec.kind!r}: use one of {', '.join(GENERATION_KINDS)}")
    if spec.kind in ("motif", "hard") and spec.min_length < MIN_HELIX:
        raise LearnaError(f"motif targets need a min length of at least {MIN_HELIX}")
    rng = np.random.default_rng(spec.seed)
    seen: set[str] = set()
    targets: list[Target] = []
    attempts = 0
    while len(targets) < spec.count:
        attempts += 1
        if attempts > 100 * spec.count:
            raise LearnaError("could not generate enough distinct targets; widen the length range or lower min pairs")
        length = int(rng.integers(spec.min_length, spec.max_length + 1))
        if spec.kind == "motif":
            structure = motif_structure(length, rng)
        elif spec.kind == "hard":
            structure = hard_structure(length, rng)
        else:
            structure = fold_structure("".join(rng.choice(list("ACGU"), size=length)), model)
        if structure in seen or structure.count("(") < spec.min_pairs:
            continue
        seen.add(structure)
        prefix = {"mfe": "gen", "motif": "motif", "hard": "hard"}[spec.kind]
        targets.append(Target(structure, id=f"{prefix}{spec.seed}-{len(targets) + 1}"))
    return targets
