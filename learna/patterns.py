"""Sequence patterns a design must not contain (``--avoid``): homopolymer runs, restriction sites, ….

A pattern is a string of IUPAC codes (:data:`learna.alphabet.IUPAC`; T reads as U); a sequence contains
it where every base matches its code, overlapping occurrences counted separately. :data:`DEFAULT_AVOID` is the
set Eterna's lab puzzles forbid: four G or four C in a row, five A or five U. Synthesis, sequencing and
G-quadruplexes punish such runs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from learna.alphabet import IUPAC, IUPAC_HINT, iupac_text
from learna.errors import ConstraintError

DEFAULT_AVOID = ("GGGG", "CCCC", "AAAAA", "UUUUU")
"""``--avoid default``."""
MAX_PATTERN = 50


def parse_avoid(text: str | Iterable[str]) -> tuple[str, ...]:
    """Patterns from ``PATTERN[,PATTERN…]`` (or a list of them); ``default`` stands for :data:`DEFAULT_AVOID`."""
    items = text.split(",") if isinstance(text, str) else list(text)
    patterns: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConstraintError(f"a pattern to avoid is a string of IUPAC codes, got {item!r}")
        item = item.strip()
        expanded = DEFAULT_AVOID if item.lower() == "default" else (normalize(item),)
        patterns += [p for p in expanded if p not in patterns]
    if not patterns:
        raise ConstraintError("no pattern to avoid: give IUPAC patterns such as GGGG,AAAAA, or 'default'")
    return tuple(patterns)


def normalize(pattern: str) -> str:
    """``pattern`` upper case with T → U, checked: 1 to 50 IUPAC codes."""
    pattern = iupac_text(pattern)
    if not 1 <= len(pattern) <= MAX_PATTERN:
        raise ConstraintError(f"a pattern to avoid has 1 to {MAX_PATTERN} codes, got {pattern!r}")
    unknown = sorted(set(pattern) - set(IUPAC))
    if unknown:
        raise ConstraintError(f"unknown code {unknown[0]!r} in the pattern to avoid {pattern!r}: "
                              + IUPAC_HINT)
    return pattern


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern:
    return re.compile("(?=" + "".join(f"[{IUPAC[code]}]" for code in pattern) + ")")


def hits(sequence: str, patterns: tuple[str, ...]) -> list[tuple[int, str]]:
    """Every (start, pattern) where ``sequence`` contains one of ``patterns`` (overlaps counted)."""
    return [(match.start(), pattern) for pattern in patterns for match in _regex(pattern).finditer(sequence)]


def forced(allowed: list[str], patterns: tuple[str, ...]) -> tuple[int, str] | None:
    """A (start, pattern) that every sequence with ``allowed[i]`` bases at site i contains, or None."""
    for pattern in patterns:
        for start in range(len(allowed) - len(pattern) + 1):
            if all(set(allowed[start + k]) <= set(IUPAC[code]) for k, code in enumerate(pattern)):
                return start, pattern
    return None
