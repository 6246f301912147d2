"""Dot-bracket targets: parsing, validation, pair tables and distances.

Only ``.``, ``(`` and ``)`` are accepted (pseudoknot-free secondary structures).
Errors name the 1-based position of the problem so a user can find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from learna.constraints import UNCONSTRAINED, DesignConstraints, parse_gc
from learna.errors import ConstraintError, StructureError
from learna.patterns import parse_avoid

MAX_LENGTH = 10_000


def pair_table(dot_bracket: str) -> tuple[int, ...]:
    """Partner index of every site (0-based), or -1 for unpaired sites.

    Raises :class:`StructureError` on unknown characters or unbalanced brackets.
    """
    partners = [-1] * len(dot_bracket)
    stack: list[int] = []
    for i, symbol in enumerate(dot_bracket):
        if symbol == "(":
            stack.append(i)
        elif symbol == ")":
            if not stack:
                raise StructureError(f"unbalanced ')' at position {i + 1}: no opening bracket before it")
            j = stack.pop()
            partners[i], partners[j] = j, i
        elif symbol != ".":
            raise StructureError(
                f"unknown character {symbol!r} at position {i + 1}: a target may contain only '.', '(' and ')'"
            )
    if stack:
        raise StructureError(f"unbalanced '(' at position {stack[-1] + 1}: it is never closed")
    return tuple(partners)


def loops(partners: Sequence[int]) -> dict[int, tuple[list[int], list[int]]]:
    """The loop decomposition of a pair table: for every loop, keyed by the opening site of its closing pair
    (−1 for the exterior loop), the opening sites of its branch pairs and its unpaired sites, 5' to 3'."""
    n = len(partners)
    found: dict[int, tuple[list[int], list[int]]] = {}
    for closing in [-1] + [i for i, j in enumerate(partners) if j > i]:
        end = n if closing < 0 else partners[closing]
        branches, unpaired = [], []
        k = closing + 1
        while k < end:
            if partners[k] > k:
                branches.append(k)
                k = partners[k] + 1
            else:
                unpaired.append(k)
                k += 1
        found[closing] = (branches, unpaired)
    return found


def validate(dot_bracket: str, max_length: int = MAX_LENGTH) -> str:
    """Return the stripped target if it is a valid dot-bracket string, else raise."""
    target = dot_bracket.strip()
    if not target:
        raise StructureError("empty target: give a dot-bracket structure such as '((....))'")
    if len(target) > max_length:
        raise StructureError(f"target of {len(target)} nt is longer than the maximum of {max_length} nt")
    pair_table(target)
    return target


def hamming(a: str, b: str) -> int:
    """Number of positions at which two equally long strings differ."""
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    return sum(x != y for x, y in zip(a, b))


@dataclass(frozen=True)
class Target:
    """A validated design target: an identifier, its dot-bracket structure and its design constraints.

    Constraints that contradict the structure raise :class:`~learna.errors.ConstraintError` here, before
    any design work.
    """

    dot_bracket: str
    id: str = "target"
    constraints: DesignConstraints = UNCONSTRAINED
    """Sequence constraint and GC target (:mod:`learna.constraints`); unconstrained by default."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dot_bracket", validate(self.dot_bracket))
        if self.constraints.active:
            self.constraints.check(self.partners)

    def __len__(self) -> int:
        return len(self.dot_bracket)

    def with_defaults(self, gc: str | float | None = None, avoid: str | tuple[str, ...] | None = None) -> "Target":
        """This target with the GC target ``gc`` (``CONTENT[:TOLERANCE]`` or a number) unless it has one of its
        own, and with the patterns to ``avoid`` added to its own; constraints it cannot meet are refused,
        naming the target."""
        changes: dict = {}
        if gc is not None and self.constraints.gc is None:
            changes["gc"], changes["gc_tolerance"] = parse_gc(gc)
        if avoid is not None:
            changes["avoid"] = (*self.constraints.avoid, *parse_avoid(avoid))
        if not changes:
            return self
        try:
            return replace(self, constraints=replace(self.constraints, **changes))
        except ConstraintError as exc:
            raise ConstraintError(str(exc) if self.id == "target" else f"target {self.id}: {exc}") from None

    @cached_property
    def partners(self) -> tuple[int, ...]:
        """Pair table: partner index per site, -1 if unpaired."""
        return pair_table(self.dot_bracket)

    @cached_property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """Base pairs (i, j) with i < j, ordered by i."""
        return tuple((i, j) for i, j in enumerate(self.partners) if j > i)

    @cached_property
    def unpaired(self) -> tuple[int, ...]:
        """Indices of unpaired sites."""
        return tuple(i for i, j in enumerate(self.partners) if j < 0)

    @cached_property
    def design_sites(self) -> tuple[int, ...]:
        """Sites the LEARNA agent visits, left to right: unpaired sites and opening brackets.

        Closing brackets are filled together with their opening partner and never visited
        (docs/original.md §1), so an episode has ``len - #pairs`` steps.
        """
        return tuple(i for i, j in enumerate(self.partners) if j < 0 or j > i)
