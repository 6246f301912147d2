"""Random target structures drawn from a loop grammar: short stems, lone pairs, bulges, multiloops.

MFE structures of random sequences (:func:`learna.data.generate_targets` with ``kind="mfe"``) are easy
design targets: a sequence that folds into them is known to exist and usually lies close to many
others. Designed puzzles are harder because their structures are *chosen*: stems of one or two pairs,
1-nt bulges, large symmetric loops, multiloops with short linkers. This grammar draws such structures
directly, so a validation set can be hard without coming from Eterna100 (which is never tuned on).

A structure of exactly ``n`` sites is built top-down. The exterior loop holds one or more helices
separated by unpaired linkers. A helix is a stem of ``s`` pairs (lone pairs included) closing a
hairpin loop, an interior loop or bulge followed by another helix, or a multiloop of 2–4 helices.
Nothing guarantees designability: some drawn structures may have no sequence that folds into them.
"""

from __future__ import annotations

import numpy as np

STEM_LENGTHS = np.arange(1, 9)
"""Stem lengths a helix draws from (pairs)."""
STEM_WEIGHTS = np.array([0.05, 0.13, 0.2, 0.2, 0.16, 0.12, 0.08, 0.06])
"""Their probabilities: lone pairs and two-pair stems make almost a fifth of all stems."""
INTERIOR_LOOPS = ((0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (1, 2), (2, 1), (2, 2), (0, 3), (3, 0), (1, 3), (3, 1),
                  (2, 3), (3, 3), (4, 4), (2, 5), (5, 5), (6, 6))
"""(left, right) unpaired sites of the interior loops and bulges a helix may continue through."""
MIN_HELIX = 7
"""Fewest sites of a helix: two pairs around a hairpin of three."""
MULTILOOP_STEM = 3
"""Fewest pairs of a stem that closes a multiloop (as far as the length allows)."""
MAX_HAIRPIN = 14
"""Longest hairpin loop drawn while a helix has room for more structure."""


def motif_structure(length: int, rng: np.random.Generator) -> str:
    """A random dot-bracket structure of exactly ``length`` sites with at least two pairs (length ≥ MIN_HELIX)."""
    if length < MIN_HELIX:
        raise ValueError(f"a motif structure needs at least {MIN_HELIX} sites, got {length}")
    domains = max(1, min(int(rng.integers(1, 4)), length // 40))
    return _loop(length, domains, rng, closed=False)


def _loop(length: int, branches: int, rng: np.random.Generator, *, closed: bool) -> str:
    """``branches`` helices and ``branches + 1`` unpaired linkers (the outer two only when not
    ``closed``) filling exactly ``length`` sites; fewer helices when they do not fit."""
    linkers = [int(rng.integers(0, 4)) for _ in range(branches + 1)]
    if not closed:  # the exterior loop's dangling ends may be longer
        linkers[0], linkers[-1] = int(rng.geometric(0.3)) - 1, int(rng.geometric(0.3)) - 1
    while branches > 0 and length - sum(linkers) < branches * MIN_HELIX:
        if sum(linkers) > 0:
            linkers[int(np.argmax(linkers))] -= 1
        else:
            branches -= 1
            linkers.pop()
    if branches == 0:
        return "." * length
    room = length - sum(linkers)
    shares = rng.dirichlet(np.ones(branches))
    sizes = [MIN_HELIX + int(share * (room - branches * MIN_HELIX)) for share in shares]
    sizes[int(np.argmax(sizes))] += room - sum(sizes)
    parts = ["." * linkers[0]]
    for size, linker in zip(sizes, linkers[1:]):
        parts += [_helix(size, rng), "." * linker]
    return "".join(parts)


def _hairpin(length: int, stem: int) -> str:
    """A stem closing a hairpin loop, ``length`` sites. A hairpin loop is closed by at least two pairs,
    a triloop by at least three, as far as the length allows (a lone pair closing a hairpin never holds)."""
    stem = max(stem, min(2, (length - 3) // 2))
    if length - 2 * stem == 3 and stem < 3 and length >= 9:
        stem = 3
    return "(" * stem + "." * (length - 2 * stem) + ")" * stem


def _helix(length: int, rng: np.random.Generator) -> str:
    """A stem and what it closes, exactly ``length`` ≥ :data:`MIN_HELIX` sites, first and last paired."""
    stem = int(rng.choice(STEM_LENGTHS, p=STEM_WEIGHTS))
    stem = max(1, min(stem, (length - 3) // 2))
    inner = length - 2 * stem
    kind = rng.random()
    if inner <= MAX_HAIRPIN and (inner < 2 * MIN_HELIX or kind < 0.5):
        return _hairpin(length, stem)
    if kind < 0.6 or inner < 2 * MIN_HELIX + 3:
        left, right = INTERIOR_LOOPS[int(rng.integers(len(INTERIOR_LOOPS)))]
        if inner - left - right >= MIN_HELIX:
            return "(" * stem + "." * left + _helix(inner - left - right, rng) + "." * right + ")" * stem
        return _hairpin(length, stem)
    branches = int(rng.integers(2, 5))
    stem = max(stem, min(MULTILOOP_STEM, (length - 2 * MIN_HELIX) // 2))  # room for two branches stays
    inner = length - 2 * stem
    return "(" * stem + _loop(inner, branches, rng, closed=True) + ")" * stem
