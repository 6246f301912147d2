"""Probe of long targets' searches: could a fold of the substructure around a child's changes stand in for the fold
of the whole?

In a search by the MFE distance, a child differs from its parent at a few sites. When a pair (i, j) of both the
target and the parent's MFE structure encloses every changed site (i and j unchanged), the child's best structure
*with* (i, j) is the parent's MFE structure outside (i, j) and the child's own fold of sites i..j with (i, j)
enforced inside; its energy is the parent's MFE plus the change of that sub-fold's energy. Only a structure without
(i, j) can beat it. A screen would fold the whole child only when that structure enters the frontier. For every
child of a target over 150 nt that the preset's search folds under a full frontier, this probe records whether such
a pair (of at most MAX_SPAN sites) exists, whether the screen would skip the child, and whether the child, folded,
entered the frontier all the same (a wrong skip); it changes nothing in the search
(docs/results/search-hard/NOTES.md, "Eterna100-V2 at 600 s with the shipped preset, and four probes that did not
pay").

    python scripts/probe_subfold_screen.py DATASET.tsv ID[,ID...] MAX_SPAN SECONDS
"""

from __future__ import annotations

import importlib
import json
import math
import sys
import time
from collections import Counter
from dataclasses import replace

import RNA

from learna.data.targetfiles import read_targets
from learna.folding import DEFAULT_MODEL, _model_details, structure_energies
from learna.presets import HYBRID_TUNED
from learna.search.decompose import enclosing_span
from learna.seeding import generator
from learna.structure import hamming, pair_table

search_module = importlib.import_module("learna.search.local_search")  # the package re-exports a function of that name
CONFIG = replace(HYBRID_TUNED.hybrid.search, require_unique=True)
MODEL_DETAILS = _model_details(DEFAULT_MODEL)
counts: Counter = Counter()


def enclosed_energy(sequence: str, i: int, j: int) -> tuple[str, float]:
    """The MFE structure and energy of sites i..j of ``sequence`` with the pair (i, j) enforced."""
    fc = RNA.fold_compound(sequence[i:j + 1], MODEL_DETAILS, RNA.OPTION_MFE)
    fc.hc_add_bp(1, j - i + 1, RNA.CONSTRAINT_CONTEXT_ALL_LOOPS | RNA.CONSTRAINT_CONTEXT_ENFORCE)
    return fc.mfe()


def screened_objective(search, parent, child: str, max_span: int) -> tuple[float, str] | None:
    """The screen's MFE-distance objective and structure of ``child``, or None without an enclosing pair."""
    n = len(child)
    changed = [k for k in range(n) if child[k] != parent.sequence[k]]
    if not changed or changed[0] == 0 or changed[-1] == n - 1:
        return None
    part = enclosing_span(search.target.partners, changed[0] - 1, changed[-1] + 1, 8, max_span,
                          pair_table(parent.folded))
    if part is None:
        return None
    i, j = part.start, part.end
    inside, energy = enclosed_energy(child, i, j)
    parent_inside = structure_energies(parent.sequence[i:j + 1], [parent.folded[i:j + 1]])[0]
    structure = parent.folded[:i] + inside + parent.folded[j + 1:]
    mfe = parent.mfe + energy - parent_inside
    target = search.target.dot_bracket
    target_energy = structure_energies(child, [target])[0]
    # the search's own MFE-distance objective of that structure (exact for the MFE distance)
    return search.evaluator.lower_bound(target_energy - mfe, hamming(structure, target)), structure


def instrument(max_span: int) -> None:
    """Wrap ``_Search.consider`` so that every folded child of a long whole target is also screened."""
    consider = search_module._Search.consider

    def probed(search, sequence, known=None):
        parent, threshold = search.parent, search.frontier.threshold
        if (len(search.target) <= 150 or parent is None or math.isinf(threshold)
                or sequence in search.frontier.seen):
            return consider(search, sequence, known)
        start = time.process_time()
        screened = screened_objective(search, parent, sequence, max_span)
        counts["screen_s"] += time.process_time() - start
        start = time.process_time()
        candidate = consider(search, sequence, known)
        counts["fold_s"] += time.process_time() - start
        entered = candidate.objective < threshold
        counts["children"] += 1
        counts["entered"] += entered
        if screened is not None:
            counts["enclosed"] += 1
            counts["same_structure"] += screened[1] == candidate.folded
            if screened[0] >= threshold and screened[1] != search.target.dot_bracket:
                counts["skipped"] += 1
                counts["wrong_skips"] += entered
        return candidate

    search_module._Search.consider = probed


def main() -> None:
    dataset, ids, max_span, seconds = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), float(sys.argv[4])
    instrument(max_span)
    targets = {t.id: t for t in read_targets(dataset)}
    for target_id in ids:
        counts.clear()
        target = targets[target_id]
        result = search_module.local_search(target, CONFIG, time_limit=seconds, rng=generator(0, target_id),
                                            clock=time.process_time)
        row = {"id": target_id, "length": len(target), "folds": result.evaluations,
               **{k: round(v, 2) if isinstance(v, float) else v for k, v in counts.items()}}
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
