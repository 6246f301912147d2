"""The nucleotide and base-pair alphabet, and the agent's action encoding: defined here once.

Conventions used everywhere in learna:

* a per-site table over bases has the columns of :data:`BASES` (A C G U);
* a per-pair table has the columns of :data:`PAIRS`, each pair written as (base at the opening site i,
  base at the closing site j), i < j; the Watson–Crick pairs are its first four (:data:`WATSON_CRICK`);
* the LEARNA agent's actions (docs/original.md §1): at an unpaired site action k writes
  ``BASE_ACTIONS[k]``, at an opening bracket it writes the pair ``pair_actions(wobble)[k]`` on both
  partners (the paper's four Watson–Crick pairs; with ``wobble`` also GU and UG).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BASES = "ACGU"
"""Column order of every per-site base table."""
PAIRS = ("GC", "CG", "AU", "UA", "GU", "UG")
"""Every canonical pair (Watson–Crick and wobble); column order of every per-pair table."""
WATSON_CRICK = PAIRS[:4]
"""The Watson–Crick pairs GC CG AU UA."""
COMPLEMENTARY = frozenset(PAIRS)
"""Two-letter strings of bases that can pair."""
IUPAC = {"A": "A", "C": "C", "G": "G", "U": "U", "R": "AG", "Y": "CU", "S": "CG", "W": "AU", "K": "GU",
         "M": "AC", "B": "CGU", "D": "AGU", "H": "ACU", "V": "ACG", "N": "ACGU"}
"""IUPAC nucleotide code → the bases it allows (sequence constraints and patterns to avoid; T is read as U
before lookup, :func:`iupac_text`)."""
IUPAC_HINT = "use the IUPAC codes A C G U (T) R Y S W K M B D H V N"
"""The end of every error message about an unknown IUPAC code."""
BASE_INDEX = {base: k for k, base in enumerate(BASES)}
PAIR_INDEX = {pair: k for k, pair in enumerate(PAIRS)}
PAIRABLE = np.zeros((4, 4), dtype=bool)
"""Whether bases with codes a, b (:func:`base_codes`) can pair."""
for _pair in PAIRS:
    PAIRABLE[BASE_INDEX[_pair[0]], BASE_INDEX[_pair[1]]] = True
_CODES = np.zeros(256, dtype=np.int8)
for _base, _k in BASE_INDEX.items():
    _CODES[ord(_base)] = _k


def base_codes(sequences: str | Sequence[str]) -> np.ndarray:
    """Bases as codes 0–3 in :data:`BASES` order: an array of n codes for one sequence, (V, n) for V equally
    long sequences (one array operation for all the variants of a move)."""
    if isinstance(sequences, str):
        return _CODES[np.frombuffer(sequences.encode(), dtype=np.uint8)]
    width = len(sequences[0]) if len(sequences) else 0
    return _CODES[np.frombuffer("".join(sequences).encode(), dtype=np.uint8)].reshape(len(sequences), width)


def iupac_text(text: str) -> str:
    """User text of IUPAC codes as looked up in :data:`IUPAC`: stripped, upper case, T read as U."""
    return text.strip().upper().replace("T", "U")


BASE_ACTIONS = "GAUC"
"""Action k at an unpaired site writes this base (the original's order: 0:G 1:A 2:U 3:C)."""


def pair_actions(wobble: bool = False) -> tuple[str, ...]:
    """The pairs an action at an opening bracket writes, in action order: GC CG AU UA (the original),
    then GU UG with ``wobble``."""
    return PAIRS if wobble else WATSON_CRICK


def action_count(wobble: bool = False) -> int:
    """Number of actions of the LEARNA decision process (the largest of the two sites' action sets)."""
    return max(len(BASE_ACTIONS), len(pair_actions(wobble)))
