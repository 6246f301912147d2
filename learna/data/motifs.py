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


# -- the "hard" grammar ---------------------------------------------------------------------------------
# Eterna's hard puzzles are long (150–400 nt) and built from what a random sequence rarely folds into:
# stems of one to three pairs, chains of stems joined by 1-nt bulges and 1×1 loops, hairpins closed by a
# lone pair behind a bulge, multiloops of many branches joined by linkers of zero or one site, large
# symmetric internal loops, long unpaired stretches, and the same substructure repeated several times.

HARD_STEM_WEIGHTS = np.array([0.16, 0.30, 0.20, 0.13, 0.09, 0.06, 0.04, 0.02])
"""Probabilities of stems of 1–8 pairs in the hard grammar: almost half are lone pairs or two pairs."""
SMALL_LOOPS = ((0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (2, 1), (1, 2), (2, 2))
"""Bulges and small interior loops that join two stems of a helix."""
SMALL_LOOP_WEIGHTS = np.array([0.3, 0.3, 0.15, 0.05, 0.05, 0.05, 0.05, 0.05])
LINKER_WEIGHTS = np.array([0.35, 0.35, 0.15, 0.1, 0.05])
"""Unpaired sites (0–4) between the branches of a multiloop: mostly none or one."""
BRANCH_COUNTS = np.arange(2, 8)
BRANCH_WEIGHTS = np.array([0.1, 0.3, 0.25, 0.15, 0.1, 0.1])
"""Branches of a multiloop (2–7) in the hard grammar."""
REPEAT_PROBABILITY = 0.3
"""Share of hard targets (≥ 60 nt) built around one substructure repeated 3–8 times."""
MAX_LARGE_HAIRPIN = 30
HARD_MIN_HELIX = 8
"""Fewest sites of a helix in the hard grammar: two pairs around a tetraloop."""


def hard_structure(length: int, rng: np.random.Generator) -> str:
    """A random dot-bracket structure of exactly ``length`` sites from the hard grammar (see above)."""
    if length < MIN_HELIX:
        raise ValueError(f"a motif structure needs at least {MIN_HELIX} sites, got {length}")
    if length >= 60 and rng.random() < REPEAT_PROBABILITY:
        return _repeats(length, rng)
    domains = max(1, min(int(rng.integers(1, 6)), length // 50))
    return _hard_loop(length, domains, rng, closed=False)


def _linker(rng: np.random.Generator) -> int:
    return int(rng.choice(len(LINKER_WEIGHTS), p=LINKER_WEIGHTS))


def _tail(rng: np.random.Generator) -> int:
    """A dangling end of the exterior loop: usually short, sometimes a long unpaired stretch."""
    return int(rng.geometric(0.3)) - 1 if rng.random() < 0.8 else int(rng.integers(5, 25))


def _hard_loop(length: int, branches: int, rng: np.random.Generator, *, closed: bool) -> str:
    """``branches`` hard helices and their linkers in exactly ``length`` sites (fewer when they do not fit)."""
    linkers = [_linker(rng) for _ in range(branches + 1)]
    if not closed:
        linkers[0], linkers[-1] = _tail(rng), _tail(rng)
    while branches > 0 and length - sum(linkers) < branches * HARD_MIN_HELIX:
        if sum(linkers) > 0:
            linkers[int(np.argmax(linkers))] -= 1
        else:
            branches -= 1
            linkers.pop()
    if branches == 0:
        return "." * length
    room = length - sum(linkers)
    shares = rng.dirichlet(np.full(branches, 0.8))
    sizes = [HARD_MIN_HELIX + int(share * (room - branches * HARD_MIN_HELIX)) for share in shares]
    sizes[int(np.argmax(sizes))] += room - sum(sizes)
    parts = ["." * linkers[0]]
    for size, linker in zip(sizes, linkers[1:]):
        parts += [_hard_helix(size, rng), "." * linker]
    return "".join(parts)


def _hard_hairpin(length: int, stem: int) -> str:
    """A stem closing a hairpin loop in exactly ``length`` sites: a lone pair closes a loop of four to six
    only, a triloop or a loop of more than eight is closed by at least three pairs (as far as the length
    allows; a shorter stem could not hold such a loop, whatever the sequence)."""
    if stem == 1 and not 4 <= length - 2 <= 6:
        stem = 2
    if stem < 3 and (length - 2 * stem == 3 or length - 2 * stem > 8):
        stem = 3
    stem = max(1, min(stem, (length - 3) // 2))
    return "(" * stem + "." * (length - 2 * stem) + ")" * stem


def _hard_helix(length: int, rng: np.random.Generator, after_small_loop: bool = False) -> str:
    """A stem and what it closes in exactly ``length`` ≥ :data:`HARD_MIN_HELIX` sites, first and last
    paired. A lone pair only follows a bulge or small interior loop (``after_small_loop``) and closes a
    small loop, a short hairpin or a multiloop, never a large interior loop."""
    stem = int(rng.choice(STEM_LENGTHS, p=HARD_STEM_WEIGHTS))
    if stem == 1 and not after_small_loop:
        stem = 2
    stem = max(1, min(stem, (length - 3) // 2))
    inner = length - 2 * stem
    if inner < HARD_MIN_HELIX + 1:
        return _hard_hairpin(length, stem)
    kind = rng.random()
    hairpin = 0.6 if inner <= 10 else 0.15 if inner <= MAX_LARGE_HAIRPIN else 0.0
    if kind < hairpin:
        return _hard_hairpin(length, stem)
    kind = rng.random()
    if kind < 0.5 or inner < 2 * HARD_MIN_HELIX + 2:  # a bulge or small interior loop, then the next stem
        left, right = SMALL_LOOPS[int(rng.choice(len(SMALL_LOOPS), p=SMALL_LOOP_WEIGHTS))]
        if inner - left - right < HARD_MIN_HELIX:
            return _hard_hairpin(length, stem)
        return ("(" * stem + "." * left + _hard_helix(inner - left - right, rng, after_small_loop=True)
                + "." * right + ")" * stem)
    if kind < 0.62:  # a large interior loop, often symmetric, between stems of two pairs or more
        stem = max(stem, 2)
        inner = length - 2 * stem
        left = int(rng.integers(3, 11))
        right = left if rng.random() < 0.5 else int(rng.integers(3, 11))
        if inner - left - right >= HARD_MIN_HELIX:
            return "(" * stem + "." * left + _hard_helix(inner - left - right, rng) + "." * right + ")" * stem
    branches = int(rng.choice(BRANCH_COUNTS, p=BRANCH_WEIGHTS))
    return "(" * stem + _hard_loop(length - 2 * stem, branches, rng, closed=True) + ")" * stem


def _repeats(length: int, rng: np.random.Generator) -> str:
    """One hard substructure of 8–60 sites repeated 3–8 times with equal linkers, in the exterior loop or
    in a multiloop; the sites left over form hard helices and tails on either side."""
    linker = _linker(rng)
    stem = int(rng.integers(2, 6)) if rng.random() < 0.5 else 0
    ends = (_linker(rng), _linker(rng)) if stem else (0, 0)
    room = int(length * rng.uniform(0.5, 0.95)) - 2 * stem - sum(ends)
    module = int(rng.integers(HARD_MIN_HELIX, 61))
    copies = min(8, (room + linker) // (module + linker))
    if copies < 3:
        module = (room + linker) // 3 - linker
        copies = 3
    if module < HARD_MIN_HELIX:
        return _hard_loop(length, max(1, length // 50), rng, closed=False)
    unit = _hard_helix(module, rng)
    block = ("." * linker).join([unit] * copies)
    if stem:
        block = "(" * stem + "." * ends[0] + block + "." * ends[1] + ")" * stem
    rest = length - len(block)
    left = int(rng.integers(0, rest + 1))
    sides = []
    for size in (left, rest - left):
        sides.append(_hard_loop(size, max(1, size // 50), rng, closed=False) if size >= HARD_MIN_HELIX
                     else "." * size)
    return sides[0] + block + sides[1]
