"""Target files: reading them in four formats (detected from the content) and writing TSV.

* one dot-bracket structure per line (ids 1, 2, …);
* FASTA-like: ``>id`` header lines, each followed by one structure line (a line of bases between the header
  and the structure, as ``learna design --format fasta`` and RNAfold's input have it, is a design and is
  ignored);
* tab-separated with a header containing ``dotbracket`` (and optionally ``id``, ``name``, ``constraint``
  and ``gc``);
* JSON lines (the first non-blank line starts with ``{``): one object per line with ``dotbracket`` and
  optionally ``id``, ``constraint``, ``gc`` and ``gc_tolerance``.

Design constraints (:mod:`learna.constraints`): ``constraint`` is an IUPAC sequence constraint as long as
the structure; ``gc`` a GC target ``CONTENT[:TOLERANCE]`` (e.g. ``0.5:0.05``; a number in JSON lines, where
``gc_tolerance`` may give the tolerance); empty cells mean none. In the first two formats a line of IUPAC
letters directly after a structure is that structure's sequence constraint; they take no GC target.

Blank lines and lines starting with ``#`` are ignored in the first two formats, blank lines in JSON lines.
``-`` as the path reads standard input.
"""

from __future__ import annotations

import sys
from pathlib import Path

from learna.constraints import DesignConstraints
from learna.errors import InputFileError, LearnaError
from learna.fileio import atomic_write_text, parse_json
from learna.structure import Target


STDIN = "-"
"""The path that means standard input."""


def read_targets(path: str | Path) -> list[Target]:
    """Parse a target file in any of the supported formats (see the module docstring); ``-`` is stdin."""
    try:
        text = sys.stdin.read() if str(path) == STDIN else Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read target file {path}: {exc}") from None
    return parse_targets(text, "standard input" if str(path) == STDIN else str(path))


def parse_targets(text: str, path: str) -> list[Target]:
    """The targets of a target file's ``text`` (``path`` names it in errors)."""
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    try:
        if lines and "\t" in lines[0] and "dotbracket" in lines[0].lower().split("\t"):
            targets = _parse_tsv(lines)
        elif first.startswith("{"):
            targets = _parse_jsonl(lines)
        else:
            targets = _parse_plain(lines)
    except InputFileError as exc:
        raise InputFileError(f"{path}: {exc}") from None
    if not targets:
        raise InputFileError(f"target file {path} holds no targets")
    ids = [t.id for t in targets]
    if len(set(ids)) != len(ids):
        raise InputFileError(f"target file {path} repeats ids")
    return targets


def _parse_tsv(lines: list[str]) -> list[Target]:
    header = [h.strip().lower() for h in lines[0].split("\t")]
    column = {name: header.index(name) if name in header else None for name in ("dotbracket", "id", "constraint", "gc")}
    targets = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise InputFileError(f"line {number}: expected {len(header)} tab-separated fields, got {len(fields)}")
        cell = {name: None if k is None else fields[k].strip() for name, k in column.items()}
        targets.append(_target(cell["dotbracket"], cell["id"] or str(len(targets) + 1), number,
                               _constraints(number, cell["constraint"], cell["gc"])))
    return targets


def _parse_jsonl(lines: list[str]) -> list[Target]:
    targets = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = parse_json(line, f"line {number}")
        if not isinstance(item, dict) or not isinstance(item.get("dotbracket"), str):
            raise InputFileError(f"line {number}: expected a JSON object with a \"dotbracket\" string")
        constraints = _constraints(number, item.get("constraint"), item.get("gc"))
        if item.get("gc_tolerance") is not None and constraints.gc is not None:
            constraints = _constraints(number, constraints.sequence, f"{constraints.gc}:{item['gc_tolerance']}")
        target_id = str(item["id"]) if item.get("id") is not None else str(len(targets) + 1)
        targets.append(_target(item["dotbracket"], target_id, number, constraints))
    return targets


def _parse_plain(lines: list[str]) -> list[Target]:
    entries: list[list] = []  # [structure, id, line, constraint, constraint line]
    pending_id: str | None = None
    after_structure = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(">"):
            if pending_id is not None:
                raise InputFileError(f"line {number}: header {line!r} follows a header with no structure")
            pending_id, after_structure = line[1:].strip() or str(len(entries) + 1), False
        elif line[0].isalpha():  # a sequence constraint: letters, which no structure holds
            if not after_structure:
                if pending_id is not None and set(line.upper()) <= set("ACGUT"):
                    continue  # a design between a header and its structure (FASTA as RNAfold reads it)
                raise InputFileError(f"line {number}: a sequence constraint must directly follow its structure")
            entries[-1][3:] = [line, number]
            after_structure = False
        else:
            entries.append([line, pending_id or str(len(entries) + 1), number, None, None])
            pending_id, after_structure = None, True
    if pending_id is not None:
        raise InputFileError(f"header >{pending_id} has no structure after it")
    return [_target(structure, target_id, number, _constraints(constraint_line, constraint), constraint_line)
            for structure, target_id, number, constraint, constraint_line in entries]


def _constraints(line_number: int | None, sequence: str | None = None, gc=None) -> DesignConstraints:
    """Constraints from a file's fields; errors name the line."""
    try:
        return DesignConstraints.from_fields(sequence, gc)
    except LearnaError as exc:
        raise InputFileError(f"line {line_number}: {exc}") from None


def _target(dot_bracket: str, target_id: str, line_number: int, constraints: DesignConstraints,
            constraint_line: int | None = None) -> Target:
    """A target; structure errors name its line, contradictions with the constraints ``constraint_line``
    (the structure's line by default)."""
    try:
        target = Target(dot_bracket, id=target_id)
    except LearnaError as exc:
        raise InputFileError(f"line {line_number}: {exc}") from None
    if not constraints.active:
        return target
    try:
        return Target(target.dot_bracket, id=target_id, constraints=constraints)
    except LearnaError as exc:
        raise InputFileError(f"line {constraint_line or line_number}: target {target_id}: {exc}") from None


def write_targets_tsv(targets: list[Target], path: str | Path) -> None:
    """Write targets as an ``id<TAB>dotbracket`` TSV (plus ``constraint`` and ``gc`` columns when any target
    has constraints), atomically."""
    constrained = any(t.constraints.active for t in targets)
    if not constrained:
        body = "id\tdotbracket\n" + "".join(f"{t.id}\t{t.dot_bracket}\n" for t in targets)
    else:
        body = "id\tdotbracket\tconstraint\tgc\n" + "".join(
            f"{t.id}\t{t.dot_bracket}\t{t.constraints.sequence or ''}\t"
            f"{'' if t.constraints.gc is None else f'{t.constraints.gc:g}:{t.constraints.gc_tolerance:g}'}\n"
            for t in targets)
    atomic_write_text(Path(path), body)
