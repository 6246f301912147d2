"""Decomposition of long targets: design substructures on their own, recombine, re-check the whole.

A *part* is a substructure target[i..j] closed by a target pair (i, j): a valid target on its own. The
parts are the maximal substructures no longer than ``max_part`` and no shorter than ``min_part`` (shorter
ones are rarely stable on their own and stay with the rest). Folding cost grows as n³, so a part of
100 nt is evaluated about 60× faster than a 400-nt target; each part is searched on its own, the
designs are written into one sequence, and the search of the whole target starts from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from learna.structure import Target


@dataclass(frozen=True)
class Part:
    """One substructure: sites ``start`` to ``end`` inclusive, closed by the pair (start, end)."""

    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start + 1

    def cut(self, text: str) -> str:
        """The part's slice of a sequence or structure."""
        return text[self.start : self.end + 1]


def split_points(target: Target, max_part: int, min_part: int) -> list[Part]:
    """The maximal substructures of ``target`` with length in [min_part, max_part], left to right.

    Walks down from the exterior loop: a pair whose substructure is short enough is a part (if not too
    short); a longer one is opened and the pairs directly inside it are examined in turn.
    """
    partners = target.partners
    parts: list[Part] = []
    stack = [(0, len(target) - 1)]  # site ranges whose outermost pairs are still to examine
    while stack:
        lo, hi = stack.pop()
        i = lo
        while i <= hi:
            j = partners[i]
            if j <= i:
                i += 1
                continue
            span = j - i + 1
            if span <= max_part:
                if span >= min_part:
                    parts.append(Part(i, j))
            else:
                stack.append((i + 1, j - 1))
            i = j + 1
    return sorted(parts, key=lambda part: part.start)


def assemble(skeleton: str, parts: list[Part], designs: list[str]) -> str:
    """``skeleton`` with every part's sites replaced by its design."""
    sequence = list(skeleton)
    for part, design in zip(parts, designs):
        sequence[part.start : part.end + 1] = design
    return "".join(sequence)


def enclosing_part(partners: Sequence[int], folded: Sequence[int], site: int, min_part: int,
                   max_part: int) -> Part | None:
    """The smallest substructure around ``site`` that two pair tables agree on: closed by a pair (i, j) of
    both, i < site < j (both structures are nested, so neither has a pair leaving it), ``min_part`` to
    ``max_part`` sites long; None if there is none (an enclosing pair of both that is too long ends the walk)."""
    return enclosing_span(partners, site - 1, site + 1, min_part, max_part, folded)


def enclosing_span(partners: Sequence[int], lo: int, hi: int, min_part: int, max_part: int,
                   folded: Sequence[int] | None = None) -> Part | None:
    """The smallest substructure of the target (pair table ``partners``) holding sites ``lo`` to ``hi``: closed
    by a target pair (i, j) with i ≤ lo and hi ≤ j (and, given a second pair table ``folded``, a pair of it
    too), ``min_part`` to ``max_part`` sites long; None if there is none (an enclosing pair that is too long
    ends the walk)."""
    for i in range(lo, -1, -1):
        j = partners[i]
        if j < hi or j <= i or (folded is not None and folded[i] != j) or j - i + 1 < min_part:
            continue
        return Part(i, j) if j - i + 1 <= max_part else None
    return None
