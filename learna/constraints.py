"""Design constraints: an IUPAC sequence constraint and a GC-content target (layer 0).

A :class:`DesignConstraints` says which bases each site may take and how much G+C the whole sequence
should hold. It is parsed and checked against the target before any design work, so contradictory input
is reported at once (:class:`~learna.errors.ConstraintError`, a one-line message in the CLI):

* the sequence constraint has the target's length and only the IUPAC codes below (T reads as U,
  lower case as upper case);
* every target pair can still be a Watson–Crick pair (GC, CG, AU or UA) with both partners allowed;
* a GC content within the tolerance is reachable with Watson–Crick pairs, the pairs every designer can
  write (the local search may also write GU/UG, which only widens what it can reach).

Conventions (:mod:`learna.alphabet`): base masks have the columns of ``BASES`` (A C G U); pair masks have
the columns of the pair list they are asked for, ``WATSON_CRICK`` or all six ``PAIRS``, each pair written as
(base at the opening site i, base at the closing site j), i < j. Patterns to avoid: :mod:`learna.patterns`.

GC content is scored in nucleotides: with c the number of G and C in a sequence of length n, the counts
within the tolerance are c_min = ⌈n(g − τ)⌉ … c_max = ⌊n(g + τ)⌋ and the GC distance
d_GC = max(0, c_min − c, c − c_max) is the least number of bases that must change to reach the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from learna.alphabet import BASES, IUPAC, IUPAC_HINT, PAIRS, WATSON_CRICK, iupac_text
from learna.errors import ConstraintError
from learna.patterns import forced, hits, parse_avoid

DEFAULT_GC_TOLERANCE = 0.05
"""Tolerance of a GC target given without one (``--gc 0.5`` means 0.45 to 0.55)."""
_EPS = 1e-9  # absorbs rounding in n·(g ± τ), e.g. 20 × 0.45 = 9.000000000000002


def parse_gc(text: str | float) -> tuple[float, float]:
    """(content, tolerance) from ``CONTENT[:TOLERANCE]`` (e.g. ``0.5:0.05``) or a bare number."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text), DEFAULT_GC_TOLERANCE
    parts = str(text).strip().split(":")
    try:
        if len(parts) > 2:
            raise ValueError
        values = [float(p) for p in parts]
    except ValueError:
        raise ConstraintError(f"GC target must be CONTENT[:TOLERANCE] with numbers in [0, 1], e.g. 0.5:0.05; "
                              f"got {text!r}") from None
    return values[0], values[1] if len(values) == 2 else DEFAULT_GC_TOLERANCE


def gc_count(sequence: str) -> int:
    """Number of G and C in ``sequence``."""
    return sequence.count("G") + sequence.count("C")


@dataclass(frozen=True)
class DesignConstraints:
    """What a design must satisfy besides folding into the target; the default constrains nothing."""

    sequence: str | None = None
    """IUPAC codes, one per site (normalised to upper case with T → U); None: any base anywhere."""
    gc: float | None = None
    """Target GC content in [0, 1]; None: no GC target."""
    gc_tolerance: float = DEFAULT_GC_TOLERANCE
    """Largest accepted |GC content − gc|, in [0, 1]."""
    avoid: tuple[str, ...] = ()
    """IUPAC patterns the sequence must not contain (:mod:`learna.patterns`; ``default`` there: GGGG CCCC AAAAA
    UUUUU)."""

    def __post_init__(self) -> None:
        if self.avoid:
            object.__setattr__(self, "avoid", parse_avoid(self.avoid))
        if self.sequence is not None:
            sequence = iupac_text(self.sequence)
            if not sequence:
                raise ConstraintError("empty sequence constraint: give one IUPAC code per target site, e.g. NNGGNN")
            for position, code in enumerate(sequence, start=1):
                if code not in IUPAC:
                    raise ConstraintError(f"unknown code {code!r} at position {position} of the sequence constraint: "
                                          + IUPAC_HINT)
            object.__setattr__(self, "sequence", sequence)
        for name, value in (("GC content", self.gc), ("GC tolerance", self.gc_tolerance)):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ConstraintError(f"{name} must lie in [0, 1], got {value}")

    @classmethod
    def from_fields(cls, sequence: str | None = None, gc: str | float | None = None,
                    avoid: str | tuple[str, ...] | None = None) -> "DesignConstraints":
        """Constraints from user text: a sequence constraint, a ``CONTENT[:TOLERANCE]`` GC target and patterns to
        avoid (``PATTERN,…`` or ``default``); None or blank: not given."""
        if sequence is not None and not isinstance(sequence, str):
            raise ConstraintError(f"a sequence constraint must be a string of IUPAC codes, got {sequence!r}")
        sequence = sequence if sequence is not None and sequence.strip() else None
        avoid_patterns = parse_avoid(avoid) if avoid is not None else ()
        if gc is None or (isinstance(gc, str) and not gc.strip()):
            return cls(sequence=sequence, avoid=avoid_patterns)
        content, tolerance = parse_gc(gc)
        return cls(sequence=sequence, gc=content, gc_tolerance=tolerance, avoid=avoid_patterns)

    @property
    def active(self) -> bool:
        """Whether anything is constrained."""
        return self.sequence is not None or self.gc is not None or bool(self.avoid)

    def to_json(self) -> dict | None:
        """JSON-ready representation (None when nothing is constrained)."""
        if not self.active:
            return None
        fields = {"sequence": self.sequence, "gc": self.gc,
                  "gc_tolerance": self.gc_tolerance if self.gc is not None else None}
        return {**fields, "avoid": list(self.avoid)} if self.avoid else fields

    def part(self, start: int, end: int) -> "DesignConstraints":
        """The sequence constraint and the patterns to avoid of sites ``start``..``end`` (inclusive), without a
        GC target (a GC target applies to a whole sequence, not to its parts)."""
        return DesignConstraints(None if self.sequence is None else self.sequence[start : end + 1], avoid=self.avoid)

    # -- masks ----------------------------------------------------------------------------------------
    def allowed_bases(self, length: int) -> np.ndarray:
        """Boolean mask (length, 4): site i may take base ``BASES[k]``."""
        if self.sequence is None:
            return np.ones((length, 4), dtype=bool)
        return np.array([[base in IUPAC[code] for base in BASES] for code in self.sequence], dtype=bool)

    def pair_mask(self, partners: tuple[int, ...], pairs: tuple[str, ...] = WATSON_CRICK) -> np.ndarray:
        """Boolean mask (n, len(pairs)): row i, for an opening site i of a pair (i, j), says which pairs have
        both bases allowed; rows of other sites are all True (ignored)."""
        allowed = self.allowed_bases(len(partners))
        mask = np.ones((len(partners), len(pairs)), dtype=bool)
        columns = [(BASES.index(p[0]), BASES.index(p[1])) for p in pairs]
        for i, j in enumerate(partners):
            if j > i:
                mask[i] = [allowed[i, a] and allowed[j, b] for a, b in columns]
        return mask

    # -- GC content -----------------------------------------------------------------------------------
    def gc_bounds(self, length: int) -> tuple[int, int]:
        """(c_min, c_max): the G+C counts of a ``length``-nt sequence within the tolerance (all counts
        without a GC target; c_min > c_max when none is)."""
        if self.gc is None:
            return 0, length
        low = math.ceil(length * (self.gc - self.gc_tolerance) - _EPS)
        high = math.floor(length * (self.gc + self.gc_tolerance) + _EPS)
        return max(low, 0), min(high, length)

    def distance(self, sequence: str) -> int:
        """d_C: how far ``sequence`` is from satisfying the constraints the search and the reward weigh: d_GC
        plus the number of occurrences of patterns to avoid (0 when both hold)."""
        return self.gc_distance(sequence) + self.avoid_distance(sequence)

    def avoid_distance(self, sequence: str) -> int:
        """Occurrences of patterns to avoid in ``sequence`` (0 without any)."""
        return len(hits(sequence, self.avoid)) if self.avoid else 0

    def gc_distance(self, sequence: str) -> int:
        """d_GC: bases that must change to bring the GC content within the tolerance (0 without a target)."""
        return self.gc_count_distance(gc_count(sequence), len(sequence))

    def gc_count_distance(self, count: int, length: int) -> int:
        """d_GC of a ``length``-nt sequence holding ``count`` G and C (0 without a GC target)."""
        if self.gc is None:
            return 0
        low, high = self.gc_bounds(length)
        return max(0, low - count, count - high)

    def reachable_gc_counts(self, partners: tuple[int, ...]) -> int:
        """The G+C counts a design with Watson–Crick pairs can have, as a bit set (bit c set: count c reachable)."""
        allowed = self.allowed_bases(len(partners))
        strong = allowed[:, BASES.index("G")] | allowed[:, BASES.index("C")]
        weak = allowed[:, BASES.index("A")] | allowed[:, BASES.index("U")]
        wc = self.pair_mask(partners, WATSON_CRICK)
        reachable = 1
        for i, j in enumerate(partners):
            if j < 0:  # an unpaired site adds 0 (A/U) or 1 (G/C)
                reachable = (reachable if weak[i] else 0) | (reachable << 1 if strong[i] else 0)
            elif j > i:  # a pair adds 0 (AU/UA) or 2 (GC/CG)
                reachable = (reachable if wc[i, 2:].any() else 0) | (reachable << 2 if wc[i, :2].any() else 0)
        return reachable

    # -- checks ---------------------------------------------------------------------------------------
    def check(self, partners: tuple[int, ...]) -> None:
        """Raise :class:`ConstraintError` if no design for a target with pair table ``partners`` can satisfy
        these constraints: a length mismatch, a pair with no allowed Watson–Crick pair, an unreachable GC."""
        n = len(partners)
        if self.sequence is not None and len(self.sequence) != n:
            raise ConstraintError(f"the sequence constraint has {len(self.sequence)} characters but the target "
                                  f"has {n} nt: give one code per site")
        blocked = [(i, j) for i, (j, row) in enumerate(zip(partners, self.pair_mask(partners))) if j > i and not row.any()]
        if blocked:
            shown = ", ".join(f"{i + 1}-{j + 1}" for i, j in blocked[:5]) + (" …" if len(blocked) > 5 else "")
            raise ConstraintError(f"the sequence constraint forbids every Watson-Crick pair (GC CG AU UA) at paired "
                                  f"positions {shown}")
        if self.gc is not None:
            self._check_gc(partners)
        if self.avoid:
            self._check_avoid(partners)

    def _check_gc(self, partners: tuple[int, ...]) -> None:
        n = len(partners)
        low, high = self.gc_bounds(n)
        reachable = self.reachable_gc_counts(partners)
        if low <= high and reachable >> low & ((1 << (high - low + 1)) - 1):
            return
        lowest, highest = (reachable & -reachable).bit_length() - 1, reachable.bit_length() - 1
        where = " under the sequence constraint" if self.sequence is not None else ""
        raise ConstraintError(f"GC content {self.gc:g}±{self.gc_tolerance:g} is unreachable for this target{where}: "
                              f"reachable GC content ranges from {lowest / n:.3f} to {highest / n:.3f}"
                              f"{' (not every value in between)' if low <= high else ''}; "
                              "change --gc or widen its tolerance")

    def _check_avoid(self, partners: tuple[int, ...]) -> None:
        """Refuse patterns to avoid that every allowed design contains (bases narrowed by what can pair)."""
        allowed = ["".join(b for b, ok in zip(BASES, row) if ok) for row in self.allowed_bases(len(partners))]
        pairable = [{a for a in allowed[i] if j < 0 or any(a + b in PAIRS for b in allowed[j])}
                    for i, j in enumerate(partners)]
        found = forced(["".join(sorted(bases)) for bases in pairable], self.avoid)
        if found is not None:
            start, pattern = found
            raise ConstraintError(f"the sequence constraint forces {pattern} at positions {start + 1}-"
                                  f"{start + len(pattern)}, a pattern to avoid: drop it from --avoid or relax the "
                                  "constraint there")

    def violations(self, sequence: str) -> list[int]:
        """0-based sites whose base the sequence constraint forbids (or that hold no base at all)."""
        if self.sequence is None:
            return [i for i, base in enumerate(sequence) if base not in BASES]
        return [i for i, (base, code) in enumerate(zip(sequence, self.sequence)) if base not in IUPAC[code]]

    def satisfied_by(self, sequence: str) -> bool:
        """The sequence follows the sequence constraint and its GC content is within the tolerance."""
        if self.sequence is not None and len(sequence) != len(self.sequence):
            return False
        return not self.violations(sequence) and self.distance(sequence) == 0

    def summary(self, sequence: str | None) -> dict:
        """Result-record fields: ``constraints`` (or None), ``gc_content`` of ``sequence`` and
        ``constraints_satisfied`` (None when nothing is constrained or there is no sequence)."""
        return {"constraints": self.to_json(),
                "gc_content": None if not sequence else round(gc_count(sequence) / len(sequence), 6),
                "constraints_satisfied": None if not (sequence and self.active) else self.satisfied_by(sequence)}


UNCONSTRAINED = DesignConstraints()
"""No constraint at all (the default of every target)."""
