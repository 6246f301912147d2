"""Free energies of fixed structures for many sequences at once, without a fold compound per sequence.

The informed moves (:mod:`learna.search.informed`) score every variant of a move by E(target) − E(competitor)
before folding one of them. ViennaRNA evaluates a structure on one sequence per fold compound, and making a
fold compound costs about 20 µs (it copies and scales the whole parameter set) against about 4 µs for the
evaluation itself: on targets of 80–150 nt scoring cost about as much as the MFE folds. Here a structure is
decomposed into its loops once (:class:`LoopPlan`, cached by structure) and its energy is summed loop by loop
for V sequences in a few array look-ups. The other way round, :meth:`TurnerModel.structure_set` compiles many
structures into one list of terms, whose energies on one sequence :meth:`TurnerModel.set_energies` gives at once
(the bound that drops children before their fold, :meth:`learna.search.objectives.Evaluator.excluded`).

The model is ViennaRNA's default, and only that: the Turner 2004 parameters at 37 °C with dangles 2 (every
exterior and multiloop stem gets the mismatch energy of its two neighbours, paired or not), special hairpins on,
no salt correction. The parameter values are ViennaRNA's own (:func:`learna.folding.parameter_file_text`, the
file ``RNA.params_save`` writes); the loop rules follow ViennaRNA's evaluation (docs/local_search.md, "Scoring
moves without fold compounds"). :meth:`TurnerModel.energies` equals ``fc.eval_structure`` exactly for every
structure whose pairs the sequence can all form (``tests/test_turner.py``); it returns ``None`` for a batch in
which some pair cannot form, and the caller falls back to ViennaRNA.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from learna.alphabet import BASE_INDEX
from learna.folding import DEFAULT_MODEL, FoldingModel, parameter_file_text
from learna.structure import loops, pair_table

_INF = 10_000_000
_DEF = -50
_MAXLOOP = 30
_PAIR_TYPE = np.zeros((5, 5), dtype=np.int8)
"""ViennaRNA's pair types by its base codes (A 1, C 2, G 3, U 4; 0 "no base"): CG 1, GC 2, GU 3, UG 4, AU 5,
UA 6, else 0. Its codes are those of :func:`learna.alphabet.base_codes` plus 1."""
for _t, _pair in enumerate(("CG", "GC", "GU", "UG", "AU", "UA"), start=1):
    _PAIR_TYPE[BASE_INDEX[_pair[0]] + 1, BASE_INDEX[_pair[1]] + 1] = _t


def _sections(text: str) -> dict[str, list[str]]:
    """The parameter file's sections (``# name`` headers) as token lists, comments removed."""
    sections: dict[str, list[str]] = {}
    name = None
    for line in re.sub(r"/\*.*?\*/", " ", text, flags=re.S).splitlines():
        if line.startswith("# "):
            name = line[2:].strip()
            sections[name] = []
        elif name is not None and not line.startswith("#"):
            sections[name].extend(line.split())
    return sections


def _numbers(tokens: list[str], count: int, name: str) -> np.ndarray:
    values = [_INF if t == "INF" else _DEF if t == "DEF" else int(t) for t in tokens]
    if len(values) != count:
        raise ValueError(f"parameter section {name!r}: {len(values)} values, expected {count}")
    return np.array(values, dtype=np.int64)


def _padded(values: np.ndarray, shape: tuple[int, ...], offsets: tuple[int, ...],
            layout: tuple[int, ...] | None = None) -> np.ndarray:
    """``values`` reshaped to the file's ``layout`` (by default all of ``shape`` from ``offsets`` on) and placed
    at ``offsets`` of an array indexed as ViennaRNA's; entries the file does not give are INF."""
    layout = layout or tuple(s - o for s, o in zip(shape, offsets))
    table = np.full(shape, _INF, dtype=np.int64)
    table[tuple(slice(o, o + n) for o, n in zip(offsets, layout))] = values.reshape(layout)
    return table


def _loop_keys(tokens: list[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Special hairpins: a look-up array over base-5 keys of ``width`` bases, and whether each key is listed."""
    energies = np.zeros(5 ** width, dtype=np.int64)
    listed = np.zeros(5 ** width, dtype=bool)
    for k in range(0, len(tokens), 3):
        key = 0
        for base in tokens[k]:
            key = key * 5 + BASE_INDEX[base] + 1
        energies[key], listed[key] = int(tokens[k + 1]), True
    return energies, listed


class TurnerParameters:
    """ViennaRNA's energy parameters (dcal/mol), indexed as ViennaRNA indexes them: pair types 1–6, bases 1–4."""

    def __init__(self, text: str) -> None:
        s = _sections(text)
        self.stack = _padded(_numbers(s["stack"], 49, "stack"), (8, 8), (1, 1))
        mismatch = {name: _padded(_numbers(s[name], 175, name), (8, 5, 5), (1, 0, 0))
                    for name in ("mismatch_hairpin", "mismatch_internal", "mismatch_internal_1n",
                                 "mismatch_internal_23", "mismatch_multi", "mismatch_exterior")}
        self.mismatch_hairpin = mismatch["mismatch_hairpin"]
        self.mismatch_interior = mismatch["mismatch_internal"]
        self.mismatch_1n = mismatch["mismatch_internal_1n"]
        self.mismatch_23 = mismatch["mismatch_internal_23"]
        self.mismatch_multi = mismatch["mismatch_multi"]
        self.mismatch_exterior = mismatch["mismatch_exterior"]
        self.dangle5 = _padded(_numbers(s["dangle5"], 35, "dangle5"), (8, 5), (1, 0))
        self.dangle3 = _padded(_numbers(s["dangle3"], 35, "dangle3"), (8, 5), (1, 0))
        self.int11 = _padded(_numbers(s["int11"], 7 * 7 * 25, "int11"), (8, 8, 5, 5), (1, 1, 0, 0))
        self.int21 = _padded(_numbers(s["int21"], 7 * 7 * 125, "int21"), (8, 8, 5, 5, 5), (1, 1, 0, 0, 0))
        self.int22 = _padded(_numbers(s["int22"], 6 * 6 * 256, "int22"), (8, 8, 5, 5, 5, 5), (1, 1, 1, 1, 1, 1),
                             (6, 6, 4, 4, 4, 4))
        self.hairpin = _numbers(s["hairpin"], 31, "hairpin")
        self.bulge = _numbers(s["bulge"], 31, "bulge")
        self.interior = _numbers(s["internal"], 31, "internal")
        self.ml_base, _, self.ml_closing, _, self.ml_intern, _ = (int(v) for v in s["ML_params"])
        self.ninio, _, self.max_ninio = (int(v) for v in s["NINIO"])
        misc = s["Misc"]
        self.terminal_au = int(misc[2])
        self.lxc = float(misc[4])
        self.triloops = _loop_keys(s["Triloops"], 5)
        self.tetraloops = _loop_keys(s["Tetraloops"], 6)
        self.hexaloops = _loop_keys(s["Hexaloops"], 8)

    def loop_length_energy(self, table: np.ndarray, size: int) -> int:
        """A loop-length term, extrapolated logarithmically beyond 30 nt as ViennaRNA does."""
        if size <= _MAXLOOP:
            return int(table[size])
        return int(table[_MAXLOOP]) + int(self.lxc * math.log(size / _MAXLOOP))


@dataclass(frozen=True)
class LoopPlan:
    """A structure's loops, grouped by the rule that scores them; sites are 0-based, −1 is "no neighbour"."""

    stacks: list[tuple[int, int, int, int]]
    """i, j, p, q of stacked pairs (i, j) and (p, q)."""
    bulges: list[tuple[int, int, int, int, int]]
    """i, j, p, q and the bulge size."""
    interiors: list[tuple[int, int, int, int, int, int]]
    """i, j, p, q, n1 (unpaired on the 5' side), n2 (on the 3' side) of interior loops."""
    hairpins: list[tuple[int, int]]
    """Closing pairs of hairpins."""
    stems: list[tuple[int, int, int, int, int]]
    """a, b (the pair as seen from inside its loop, a on the 5' side), the 5' and 3' neighbours (or −1 at an
    end of the sequence), and 1 for a multiloop stem, 0 for an exterior one."""
    multiloops: int
    """Number of multiloops."""
    multiloop_unpaired: int
    """Unpaired sites in multiloops."""


def loop_plan(structure: str) -> LoopPlan:
    """The loops of a dot-bracket structure."""
    partner, n = pair_table(structure), len(structure)
    stacks, bulges, interiors, hairpins, stems = [], [], [], [], []
    multiloops = unpaired_in_multiloops = 0
    for closing, (branches, unpaired) in loops(partner).items():
        pairs = [(k, partner[k]) for k in branches]
        if closing < 0:
            stems.extend((p, q, p - 1, q + 1 if q + 1 < n else -1, 0) for p, q in pairs)
            continue
        i, j = closing, partner[closing]
        if not pairs:
            hairpins.append((i, j))
        elif len(pairs) == 1:
            p, q = pairs[0]
            n1, n2 = p - i - 1, j - q - 1
            if n1 == n2 == 0:
                stacks.append((i, j, p, q))
            elif n1 == 0 or n2 == 0:
                bulges.append((i, j, p, q, n1 + n2))
            else:
                interiors.append((i, j, p, q, n1, n2))
        else:
            multiloops += 1
            unpaired_in_multiloops += len(unpaired)
            stems.append((j, i, j - 1, i + 1, 1))
            stems.extend((p, q, p - 1, q + 1, 1) for p, q in pairs)
    return LoopPlan(stacks, bulges, interiors, hairpins, stems, multiloops, unpaired_in_multiloops)


_WIDTH = 8
"""Most sites one loop term reads (an interior loop of 2 × 2: its two pairs and four mismatches)."""


def _over_bases(width: int, radix: int = 4) -> list[np.ndarray]:
    """Every combination of ``width`` base codes, 1–4 (``radix`` 4) or 0–4 (``radix`` 5: 0 for "no base"), as
    ``width`` flat arrays (the first varies slowest)."""
    return list(np.indices((radix,) * width).reshape(width, -1) + (5 - radix))


SPLIT_ROWS = 64
"""Fewest sequences on which :meth:`TurnerModel.energies` splits a structure's terms by a move's positions (below,
evaluating every term on every sequence once is cheaper)."""


@dataclass(frozen=True)
class _Terms:
    """A structure's energy as a sum of table look-ups: term t reads ``flat[offset_t + Σ_k stride_tk ·
    code(site_tk)]`` (strides in radix 4, or 5 for the stems' tables, whose neighbours may be absent: a
    padding column of code 0); unused sites point at the padding column with stride 0."""

    sites: np.ndarray
    """(T, 8) site of each base a term reads."""
    strides: np.ndarray
    """(T, 8)."""
    offsets: np.ndarray
    """(T,) where each term's table starts in the flat table."""
    special: tuple[tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray, np.ndarray], ...]
    """Hairpins of 3, 4 and 6 nt that may be special loops: (the special loops' energies and listed keys, term
    indices, sites (C, loop and closing pair), length terms (C,)); a listed loop's energy replaces its term and
    its length term."""
    constant: int
    """Energy terms that do not depend on the sequence (loop lengths, asymmetry, multiloop closing)."""


class TurnerModel:
    """E(structure) for many sequences at once (see the module docstring).

    Every loop contributes terms that each depend on at most 8 bases: the stack of two pairs, an interior
    loop's special table or its two mismatches, a hairpin's mismatch, a stem's mismatch or dangles with its
    terminal penalty (and the multiloop's per-branch term). Each term's table is re-indexed by the bases
    themselves (pair types folded in, INF where a pair cannot form) and all tables are kept in one flat array,
    so a structure costs a handful of array operations whatever its number of loops."""

    def __init__(self, parameters: TurnerParameters) -> None:
        p = self.p = parameters
        terminal = np.where(np.arange(8) > 2, p.terminal_au, 0)
        tables: dict[str, np.ndarray] = {}

        def pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return _PAIR_TYPE[a, b]

        def guarded(values: np.ndarray, *types: np.ndarray) -> np.ndarray:
            return np.where(np.logical_and.reduce([t > 0 for t in types]), values, _INF)

        i, j, k, m = _over_bases(4)
        outer, inner = pair(i, j), pair(m, k)
        tables["stack"] = guarded(p.stack[outer, inner], outer, inner)
        i, j = _over_bases(2)
        tables["terminal"] = guarded(terminal[pair(i, j)], pair(i, j))
        i, j, x, y = _over_bases(4)
        t = pair(i, j)
        for name, table in (("interior", p.mismatch_interior), ("1n", p.mismatch_1n), ("23", p.mismatch_23),
                            ("hairpin", p.mismatch_hairpin)):
            tables[name] = guarded(table[t, x, y], t)
        tables["triloop"] = guarded(terminal[t], t)
        i, j, x, y = _over_bases(4, radix=5)
        t = pair(i, j)
        for name, mismatch, multi in (("exterior", p.mismatch_exterior, 0), ("multi", p.mismatch_multi, 1)):
            stem = np.where((x > 0) & (y > 0), mismatch[t, x, y],
                            np.where(x > 0, p.dangle5[t, x], np.where(y > 0, p.dangle3[t, y], 0)))
            tables[name] = guarded(stem + terminal[t] + multi * p.ml_intern, t)
        i, j, k, m, x, y = _over_bases(6)
        outer, inner = pair(i, j), pair(m, k)
        tables["int11"] = guarded(p.int11[outer, inner, x, y], outer, inner)
        i, j, k, m, x, y, z = _over_bases(7)
        outer, inner = pair(i, j), pair(m, k)
        tables["int21"] = guarded(p.int21[outer, inner, x, y, z], outer, inner)
        tables["int12"] = guarded(p.int21[inner, outer, x, y, z], outer, inner)
        i, j, k, m, w, x, y, z = _over_bases(8)
        outer, inner = pair(i, j), pair(m, k)
        tables["int22"] = guarded(p.int22[outer, inner, w, x, y, z], outer, inner)
        self.radix = {name: 5 if name in ("exterior", "multi") else 4 for name in tables}
        self.offsets: dict[str, int] = {}
        start = 0
        for name, table in tables.items():
            radix = self.radix[name]
            width = round(math.log(len(table), radix))
            # codes 1–4 index a radix-4 table from 0: the offset absorbs the −1 of every site
            self.offsets[name] = start - (sum(4 ** e for e in range(width)) if radix == 4 else 0)
            start += len(table)
        self.flat = np.concatenate(list(tables.values())).astype(np.int64)
        self.strides = {(radix, w): radix ** np.arange(w - 1, -1, -1) for radix in (4, 5) for w in range(1, 9)}
        self._terms: dict[str, _Terms] = {}
        self._set_terms: dict[str, _Terms] = {}
        self._splits: dict[tuple[str, tuple[int, ...]], tuple[tuple[_Terms, np.ndarray], ...]] = {}

    def terms(self, structure: str) -> _Terms:
        """The terms of ``structure`` (cached, up to 1,024 structures)."""
        return self._cached(self._terms, structure, 1024)

    def _cached(self, cache: dict[str, _Terms], structure: str, size: int) -> _Terms:
        """``structure``'s terms from ``cache``, compiled and added if absent (emptied when it holds ``size``)."""
        found = cache.get(structure)
        if found is None:
            if len(cache) >= size:
                cache.clear()
            found = cache[structure] = self._compile(loop_plan(structure), len(structure))
        return found

    def _compile(self, plan: LoopPlan, n: int) -> _Terms:
        p = self.p
        rows: list[tuple[str, tuple[int, ...]]] = []
        constant = p.ml_closing * plan.multiloops + p.ml_base * plan.multiloop_unpaired
        for i, j, k, m in plan.stacks:
            rows.append(("stack", (i, j, k, m)))
        for i, j, k, m, size in plan.bulges:
            constant += p.loop_length_energy(p.bulge, size)
            if size == 1:
                rows.append(("stack", (i, j, k, m)))
            else:
                rows += [("terminal", (i, j)), ("terminal", (m, k))]
        for i, j, k, m, n1, n2 in plan.interiors:
            small, large = min(n1, n2), max(n1, n2)
            if small == large == 1:
                rows.append(("int11", (i, j, k, m, i + 1, j - 1)))
            elif (n1, n2) == (1, 2):
                rows.append(("int21", (i, j, k, m, i + 1, m + 1, j - 1)))
            elif (n1, n2) == (2, 1):
                rows.append(("int12", (i, j, k, m, m + 1, i + 1, k - 1)))
            elif small == large == 2:
                rows.append(("int22", (i, j, k, m, i + 1, k - 1, m + 1, j - 1)))
            else:
                name = "1n" if small == 1 else "23" if (small, large) == (2, 3) else "interior"
                size = large + 1 if small == 1 else n1 + n2
                constant += p.loop_length_energy(p.interior, size) + min(p.max_ninio, (large - small) * p.ninio)
                rows += [(name, (i, j, i + 1, j - 1)), (name, (m, k, m + 1, k - 1))]
        special = []
        for i, j in plan.hairpins:
            size = j - i - 1
            length = p.loop_length_energy(p.hairpin, size)
            constant += length
            if size in (3, 4, 6):
                special.append((size + 2, len(rows), tuple(range(i, j + 1)), length))
            rows.append(("triloop" if size == 3 else "hairpin", (i, j, i + 1, j - 1)))
        for a, b, five, three, multi in plan.stems:
            rows.append(("multi" if multi else "exterior", (a, b, five if five >= 0 else n, three if three >= 0 else n)))
        sites = np.full((len(rows), _WIDTH), n, dtype=np.int64)
        strides = np.zeros((len(rows), _WIDTH), dtype=np.int64)
        offsets = np.zeros(len(rows), dtype=np.int64)
        for r, (name, where) in enumerate(rows):
            sites[r, : len(where)] = where
            strides[r, : len(where)] = self.strides[self.radix[name], len(where)]
            offsets[r] = self.offsets[name]
        grouped = []
        for width, table in ((5, p.triloops), (6, p.tetraloops), (8, p.hexaloops)):
            chosen = [entry for entry in special if entry[0] == width]
            if chosen:
                grouped.append((table, np.array([e[1] for e in chosen]), np.array([e[2] for e in chosen]),
                                np.array([e[3] for e in chosen])))
        return _Terms(sites, strides, offsets, tuple(grouped), constant)

    def _values(self, c: _Terms, codes: np.ndarray) -> np.ndarray:
        """(V, T): each term of ``c`` on each row of ``codes``, in dcal/mol (special hairpins applied)."""
        s = np.zeros((len(codes), codes.shape[1] + 1), dtype=np.int64)  # ViennaRNA's codes; the last column: none
        s[:, :-1] = codes
        s[:, :-1] += 1
        values = self.flat[c.offsets + (s[:, c.sites] * c.strides).sum(axis=2)]
        for (energies, listed), rows, sites, lengths in c.special:
            key = s[:, sites] @ self.strides[5, sites.shape[1]]
            hit = listed[key]
            if hit.any():
                block = values[:, rows]
                block[hit] = energies[key[hit]] - lengths[np.nonzero(hit)[1]]
                values[:, rows] = block
        return values

    def energies(self, structure: str, codes: np.ndarray,
                 positions: Sequence[int] | None = None) -> np.ndarray | None:
        """Free energy (kcal/mol) of ``structure`` on each row of ``codes`` (:func:`learna.alphabet.base_codes`
        of V sequences); None when some sequence cannot form some pair of the structure.

        ``positions``, when given, must hold every site at which the rows differ (the sites a move changes):
        the terms that read none of them are then summed on the first row alone, and only the others on every
        row. The sums are integers (dcal/mol), so the energies are the same either way."""
        c = self.terms(structure)
        split = None if positions is None else self._split(structure, c, tuple(positions), len(codes))
        if split is None:
            total = c.constant + self._values(c, codes).sum(axis=1)
        else:
            (fixed, fixed_sites), (varying, varying_sites) = split
            total = (c.constant + self._values(fixed, codes[:1, fixed_sites]).sum(axis=1)
                     + self._values(varying, codes[:, varying_sites]).sum(axis=1))
        if total.max(initial=0) >= _INF // 2:
            return None
        return _kcal(total)

    def _split(self, structure: str, c: _Terms, positions: tuple[int, ...],
               rows: int) -> tuple[tuple[_Terms, np.ndarray], tuple[_Terms, np.ndarray]] | None:
        """``structure``'s terms (``c``) that read none of ``positions`` and those that read some of them (a
        special hairpin reads its whole loop), each with the sites it reads (:func:`_subset`); cached per
        structure and positions, up to 4,096 pairs. None for fewer than :data:`SPLIT_ROWS` ``rows``: on a few
        sequences two evaluations cost more than one of every term."""
        if rows < SPLIT_ROWS:
            return None
        key = (structure, positions)
        found = self._splits.get(key)
        if found is None:
            if len(self._splits) >= 4096:
                self._splits.clear()
            varying = np.isin(c.sites, positions).any(axis=1)
            for _, special_terms, sites, _ in c.special:
                varying[special_terms[np.isin(sites, positions).any(axis=1)]] = True
            found = self._splits[key] = (_subset(c, ~varying, len(structure)), _subset(c, varying, len(structure)))
        return found

    def structure_set(self, structures: list[str]) -> StructureSet:
        """``structures`` (all of one length) compiled together, for :meth:`set_energies`. The set belongs to its
        caller; its structures are cached apart from those of :meth:`terms` (up to 4,096: the sets of related
        sequences share most of their structures), so that they do not flush the structures the moves score."""
        compiled = [self._cached(self._set_terms, s, 4096) for s in structures]
        starts = np.cumsum([0] + [len(c.offsets) for c in compiled])
        groups: dict[int, list] = {}  # the special hairpins of each table (3, 4 and 6 nt), term indices shifted
        for c, start in zip(compiled, starts):
            for table, rows, sites, lengths in c.special:
                merged = groups.setdefault(id(table), [table, [], [], []])
                merged[1].append(rows + start)
                merged[2].append(sites)
                merged[3].append(lengths)
        special = [(table, np.concatenate(rows), np.concatenate(sites), np.concatenate(lengths))
                   for table, rows, sites, lengths in groups.values()]
        terms = _Terms(np.concatenate([c.sites for c in compiled]), np.concatenate([c.strides for c in compiled]),
                       np.concatenate([c.offsets for c in compiled]), tuple(special), 0)
        owner = np.repeat(np.arange(len(compiled)), np.diff(starts))
        return StructureSet(tuple(structures), terms, owner, np.array([c.constant for c in compiled], dtype=np.int64))

    def set_energies(self, structures: StructureSet, codes: np.ndarray) -> np.ndarray:
        """Free energy (kcal/mol) of each structure of ``structures`` on one sequence (``codes``, its
        :func:`learna.alphabet.base_codes`); +inf for a structure with a pair the sequence cannot form."""
        values = self._values(structures.terms, codes[None, :])[0]
        total = structures.constants + np.bincount(structures.owner, values, minlength=len(structures.constants))
        return np.where(total >= _INF // 2, np.inf, _kcal(total))


def _subset(c: _Terms, keep: np.ndarray, n: int) -> tuple[_Terms, np.ndarray]:
    """The terms of ``c`` (on ``n`` sites) where ``keep`` is true, without the constant, and the sites they
    read: the terms index those sites' columns (special hairpins re-indexed too), so that they are evaluated on
    ``codes[:, sites]`` (the padding column, "no base", is the one after the last)."""
    index = np.cumsum(keep) - 1
    special = [(table, index[rows[keep[rows]]], sites[keep[rows]], lengths[keep[rows]])
               for table, rows, sites, lengths in c.special if keep[rows].any()]
    read = np.unique(np.concatenate([c.sites[keep].ravel()] + [entry[2].ravel() for entry in special]))
    read = read[read < n]
    column = np.full(n + 1, len(read), dtype=np.int64)
    column[read] = np.arange(len(read))
    special = [(table, rows, column[sites], lengths) for table, rows, sites, lengths in special]
    return _Terms(column[c.sites[keep]], c.strides[keep], c.offsets[keep], tuple(special), 0), read


def _kcal(total: np.ndarray) -> np.ndarray:
    """dcal/mol → kcal/mol, rounded to single precision as ViennaRNA returns energies (so that scores equal
    those from fold compounds)."""
    return (total / 100.0).astype(np.float32).astype(np.float64)


@dataclass(frozen=True)
class StructureSet:
    """Several structures of one length compiled into one list of terms (:meth:`TurnerModel.structure_set`):
    their energies on a sequence cost one gather, whatever their number."""

    structures: tuple[str, ...]
    terms: _Terms
    owner: np.ndarray
    """(T,) the structure each term belongs to."""
    constants: np.ndarray
    """(K,) each structure's terms that do not depend on the sequence, in dcal/mol."""


@lru_cache(maxsize=4)
def turner_model(model: FoldingModel) -> TurnerModel | None:
    """The array evaluator for ``model``, or None where it does not apply (only ViennaRNA's default model:
    37 °C, dangles 2)."""
    if model.temperature != DEFAULT_MODEL.temperature or model.dangles != DEFAULT_MODEL.dangles:
        return None
    return TurnerModel(TurnerParameters(parameter_file_text()))
