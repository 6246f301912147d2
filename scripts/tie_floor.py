"""The best margin a target can have over one rival structure: min over bases of E(target) − E(rival).

When the target and a rival differ in a few loops only, E(target) − E(rival) depends only on the bases of
the sites those loops read (closing pairs, their mismatches or dangles, the unpaired bases of small loops);
every other loop is common to both and cancels. Enumerating those sites (every pair of the target among
them takes the six pair types, every other site the four bases) gives the best margin exactly. If it is
never negative, no sequence makes the target the *only* MFE structure: at best it ties with the rival.
You name the sites (``--sites``, 0-based); a check then re-draws every other site at random in the best
sequences found (pairs kept complementary) and fails if the margin moves, that is, if a site that matters
was left out. The folding model is ViennaRNA's default (Turner 2004, 37 °C, dangles 2).

    python scripts/tie_floor.py --dataset eterna100-v2 --id 72 \\
        --rival "..((((((((.........((((((....)))))).(((((((....))))))).........)))))))).." \\
        --sites 9,10,16,17,18,54,55,56,62,63
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np

from learna.data import load_dataset
from learna.folding import structure_energies
from learna.alphabet import PAIRS
from learna.structure import pair_table

MAX_COMBINATIONS = 2_000_000


def neutral_sequence(target: str) -> str:
    """G–C at every pair, A elsewhere: the bases of the sites outside ``--sites``."""
    return "".join("G" if p > k else "C" if p >= 0 else "A" for k, p in enumerate(pair_table(target)))


def margins(base: str, target: str, rival: str, sites: list[int]) -> tuple[float, list[str]]:
    """min over the sites' bases of E(target) − E(rival), and the sequences that attain it."""
    partners = pair_table(target)
    pairs = sorted({(min(k, partners[k]), max(k, partners[k])) for k in sites if partners[k] >= 0})
    singles = [k for k in sites if partners[k] < 0]
    if any(partners[k] >= 0 and partners[k] not in sites for k in sites):
        raise SystemExit("every paired site must come with its partner")
    if 6 ** len(pairs) * 4 ** len(singles) > MAX_COMBINATIONS:
        raise SystemExit(f"too many combinations (more than {MAX_COMBINATIONS:,}): name fewer sites")
    best, argbest = np.inf, []
    for pair_bases in itertools.product(PAIRS, repeat=len(pairs)):
        chars = list(base)
        for (i, j), (a, b) in zip(pairs, pair_bases):
            chars[i], chars[j] = a, b
        for single_bases in itertools.product("ACGU", repeat=len(singles)):
            for k, x in zip(singles, single_bases):
                chars[k] = x
            sequence = "".join(chars)
            energy_target, energy_rival = structure_energies(sequence, (target, rival))
            margin = round(energy_target - energy_rival, 2)
            if margin < best:
                best, argbest = margin, [sequence]
            elif margin == best and len(argbest) < 20:
                argbest.append(sequence)
    return best, argbest


def redraw_check(sequences: list[str], target: str, rival: str, sites: list[int], trials: int,
                 rng: np.random.Generator) -> bool:
    """Whether re-drawing every site outside ``sites`` (pairs complementary) leaves each margin unchanged."""
    partners = pair_table(target)
    free = [k for k in range(len(target)) if k not in set(sites)]
    for sequence in sequences:
        reference = np.subtract(*structure_energies(sequence, (target, rival)))
        for _ in range(trials):
            chars = list(sequence)
            for k in free:
                if partners[k] < 0:
                    chars[k] = "ACGU"[rng.integers(4)]
                elif partners[k] > k:
                    chars[k], chars[partners[k]] = PAIRS[rng.integers(len(PAIRS))]
            energy_target, energy_rival = structure_energies("".join(chars), (target, rival))
            if abs((energy_target - energy_rival) - reference) > 1e-6:
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="a dataset name or target file (with --id)")
    parser.add_argument("--id", help="the target's id in --dataset")
    parser.add_argument("--target", help="the target structure (instead of --dataset/--id)")
    parser.add_argument("--rival", required=True, help="the rival structure")
    parser.add_argument("--sites", required=True, help="0-based sites whose bases the margin depends on")
    parser.add_argument("--trials", type=int, default=200, help="random re-draws per best sequence")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.target:
        target = args.target
    else:
        found = [t for t in load_dataset(args.dataset) if t.id == args.id]
        if not found:
            raise SystemExit(f"no target {args.id!r} in {args.dataset}")
        target = found[0].dot_bracket
    if len(args.rival) != len(target):
        raise SystemExit("the rival must be as long as the target")
    sites = sorted({int(k) for k in args.sites.split(",")})
    best, sequences = margins(neutral_sequence(target), target, args.rival, sites)
    rng = np.random.default_rng(args.seed)
    complete = redraw_check(sequences[:5], target, args.rival, sites, args.trials, rng)
    print(f"best margin E(target) - E(rival): {best:+.2f} kcal/mol over {len(sites)} sites "
          f"({'no sequence beats the rival' if best >= 0 else 'the rival can be beaten'})")
    print(f"sites complete: {'yes' if complete else 'NO: a site outside --sites changes the margin'}")
    for sequence in sequences[:3]:
        print(sequence)
    sys.exit(0 if complete else 1)


if __name__ == "__main__":
    main()
