"""Structured mutations that keep every target pair complementary, and rule-based starting sequences.

A move picks a site and re-draws the *unit* the site belongs to:

* a paired site re-draws its pair (i, j) from the six pairs AU UA CG GC GU UG, and with probability
  ``stack_probability`` one stacked neighbouring pair (i−1, j+1) or (i+1, j−1) as well;
* an unpaired site re-draws its base, and with probability ``closing_pair_probability`` one adjacent pair
  (the pair a neighbouring site i−1 or i+1 belongs to) as well;
* with probability ``mismatch_probability`` either one instead re-draws a pair (i, j) together with the
  unpaired sites facing each other across it on one side: i+1 and j−1 (its terminal mismatch) or i−1 and
  j+1 (its dangles), the contexts that loop "boosts" are made of;
* an energy-informed move (:meth:`MoveSet.variants`) at a site of a hairpin loop of at most
  :data:`HAIRPIN_MOVE_MAX` bases, or at its closing pair, re-draws the whole loop with probability
  ``hairpin_probability`` in a search with an ensemble objective (the special tetraloops and triloops are
  rewarded as a whole);
* an energy-informed move at a lone pair (a pair stacked on neither side), or at an unpaired site next to
  one, re-draws with probability ``lone_pair_probability`` the pair together with the units on both of its
  sides (:meth:`MoveSet._lone_pair_units`): a lone pair holds only by the loops it closes and is a branch of,
  whose energies hang on those neighbours together;
* an energy-informed move at a site of a small interior loop or bulge (at most :data:`INTERIOR_MOVE_MAX`
  unpaired bases), or at one of its closing pairs, re-draws with probability ``interior_probability`` in a
  search by the MFE distance the whole loop, both pairs and all of its bases (:meth:`MoveSet._interior_units`):
  such a loop's energy is tabulated for all of them together.

A crossover (``crossover_probability``, drawn by the search before any move) takes a window of sites, and the
partners of its paired ones, from another frontier member (:meth:`MoveSet.crossover`): both parents keep every
pair complementary and follow the sequence constraint, so the child does too.

The replacement is drawn from a per-site proposal distribution, uniform unless a :class:`Prior` (e.g. a
learned policy) is mixed in with weight ``proposal_mix``; the current value is always excluded, so a move
changes the sequence. :meth:`MoveSet.variants` lists every outcome of a move instead, with its proposal
probability, for the energy-informed moves of :mod:`learna.search.informed`.

A sequence constraint of the target (:mod:`learna.constraints`) removes forbidden values from every
proposal: a pair value needs both partners' bases allowed, so moves of a pair and of an unpaired site
with its adjacent pair both respect it; a site with a single allowed value is never changed. Starting
sequences follow the rule where the constraint allows it (else the first allowed value) and, with a GC
target, are then moved towards the GC window and rid of patterns to avoid (:meth:`MoveSet.toward_constraints`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from learna.alphabet import BASE_INDEX, BASES, PAIR_INDEX, PAIRS, WATSON_CRICK
from learna.constraints import gc_count
from learna.patterns import hits
from learna.errors import ConfigError
from learna.search.config import SearchConfig
from learna.structure import Target, loops

# the columns of Prior.pair_probs are PAIRS ((base at i, base at j) for a pair i < j), those of
# Prior.unpaired_probs BASES (A C G U): learna.alphabet
HAIRPIN_MOVE_MAX = 4
"""Longest hairpin loop a hairpin move re-draws whole (4^4 = 256 variants to score)."""
MAX_JOINT_VARIANTS = 2304
"""Most variants a move that re-draws several units together scores, a lone-pair or an interior-loop move (6 pairs
× 4^3 bases × one neighbouring pair of 6)."""
INTERIOR_MOVE_MAX = 4
"""Most unpaired bases of an interior loop or bulge that an interior-loop move re-draws whole (a 2×2 loop)."""
CROSSOVER_REACH = 8
"""Most sites on each side of its site that a crossover (:meth:`MoveSet.crossover`) takes from the donor."""
LOOP_PREFERENCE = "ACUG"
"""Base of an unpaired site in a rule-based start: the first one the sequence constraint allows."""


@dataclass(frozen=True)
class Prior:
    """Per-site proposal distributions, e.g. from a learned policy (rows are normalised on creation).

    ``unpaired_probs[i]`` is used for unpaired site i, ``pair_probs[i]`` for the pair (i, j) opened at i;
    other rows are ignored.
    """

    unpaired_probs: np.ndarray
    """Shape (N, 4): probabilities over ``BASES``."""
    pair_probs: np.ndarray
    """Shape (N, 6): probabilities over ``PAIRS``."""

    def __post_init__(self) -> None:
        for name, width in (("unpaired_probs", 4), ("pair_probs", 6)):
            array = np.array(getattr(self, name), dtype=float)
            if array.ndim != 2 or array.shape[1] != width:
                raise ConfigError(f"{name} must have shape (N, {width}), got {array.shape}")
            if not np.all(np.isfinite(array)) or np.any(array < 0):
                raise ConfigError(f"{name} must hold finite non-negative numbers")
            sums = array.sum(axis=1, keepdims=True)
            array = np.where(sums > 0, array / np.where(sums > 0, sums, 1.0), 1.0 / width)
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        if len(self.unpaired_probs) != len(self.pair_probs):
            raise ConfigError("unpaired_probs and pair_probs must have the same number of rows (the target length)")


def sample_site(weights: np.ndarray, rng: np.random.Generator) -> int:
    """One index drawn with probability ∝ ``weights``."""
    cdf = np.cumsum(weights)
    return min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(weights) - 1)


def site_weights(defect: np.ndarray, config: SearchConfig) -> np.ndarray:
    """Weights of the sites a move lands on: exp(defect_i / ``position_temperature``), the sites without
    defect (0: with ``mfe_distance``, where the MFE structure agrees with the target outside the defect
    window) scaled down to at most ``free_site_share`` of the total when any site has a defect."""
    weights = np.exp(defect / config.position_temperature)
    if config.free_site_share < 1.0:
        free = defect <= 0
        free_mass = float(weights[free].sum())
        rest = float(weights.sum()) - free_mass
        if rest > 0 and free_mass > config.free_site_share * (free_mass + rest):
            weights[free] *= config.free_site_share * rest / ((1.0 - config.free_site_share) * free_mass)
    return weights


def _categorical(probs: np.ndarray, exclude: int | None, allowed: np.ndarray, rng: np.random.Generator) -> int:
    """Draw an index from ``probs``, never ``exclude`` (uniform over the other ``allowed`` indices when nothing
    else has mass; ``exclude`` itself when it is the only allowed index)."""
    p = probs.copy()
    if exclude is not None:
        p[exclude] = 0.0
    if p.sum() <= 0:
        p = allowed.astype(float)
        if exclude is not None:
            p[exclude] = 0.0
        if p.sum() <= 0:
            return exclude
    return sample_site(p, rng)


class MoveSet:
    """Mutations and starting sequences for one target (site structure precomputed once)."""

    def __init__(self, target: Target, config: SearchConfig, prior: Prior | None = None,
                 proposal_mix: float = 0.0) -> None:
        if not 0.0 <= proposal_mix <= 1.0:
            raise ConfigError(f"proposal_mix must lie in [0, 1], got {proposal_mix}")
        n = len(target)
        if prior is not None and len(prior.unpaired_probs) != n:
            raise ConfigError(f"the prior covers {len(prior.unpaired_probs)} sites but the target has {n}")
        self.target = target
        self.config = config
        self.partners = target.partners
        mix = proposal_mix if prior is not None else 0.0
        pair_weights = np.asarray(config.pair_weights or (1.0,) * 6, dtype=float)
        self.base_probs = np.full((n, 4), (1 - mix) / 4) + (mix * prior.unpaired_probs if prior else 0.0)
        self.pair_probs = np.tile((1 - mix) * pair_weights / pair_weights.sum(), (n, 1)) \
            + (mix * prior.pair_probs if prior else 0.0)
        self.constraints = target.constraints
        self.stacked = [self._stacked_openers(i) for i in range(n)]
        self.adjacent = [self._adjacent_openers(i) for i in range(n)]
        self.mismatches = [self._mismatch_units(i) for i in range(n)]
        self.allowed_bases = self.constraints.allowed_bases(n)
        self.allowed_pairs = self.constraints.pair_mask(target.partners, PAIRS)
        if config.gu_ends_only:
            self.allowed_pairs = self._gu_at_ends(self.allowed_pairs)
        # forbidden values get no proposal mass (a no-op without constraints)
        self.base_probs = self.base_probs * self.allowed_bases
        self.pair_probs = self.pair_probs * self.allowed_pairs
        self.log_base_probs = np.log(np.maximum(self.base_probs, 1e-12))
        self.log_pair_probs = np.log(np.maximum(self.pair_probs, 1e-12))
        self._loops()
        self.hairpin_probability = config.hairpin_probability if config.ensemble_objective else 0.0
        """``hairpin_probability`` under an ensemble objective, else 0 (see :class:`SearchConfig`)."""
        self.hairpins = [self._small_hairpin(i) for i in range(n)] if self.hairpin_probability else [()] * n
        self.lone_pairs = [self._lone_pair_units(i) for i in range(n)] if config.lone_pair_probability else [()] * n
        self.interior_probability = config.interior_probability if not config.ensemble_objective else 0.0
        """``interior_probability`` in a search by the MFE distance, else 0 (see :class:`SearchConfig`)."""
        self.interiors = [self._small_interiors(i) for i in range(n)] if self.interior_probability else [()] * n
        self._arrays: list[tuple[list[int], np.ndarray, np.ndarray] | None] = [None] * n
        counts = np.arange(1, config.max_mutations + 1, dtype=float) ** -config.mutation_exponent
        self.count_cdf = np.cumsum(counts / counts.sum())

    # -- site structure -------------------------------------------------------------------------------
    def _opener(self, i: int) -> int:
        return min(i, self.partners[i])

    def _stacked_openers(self, i: int) -> tuple[int, ...]:
        """Opening sites of the pairs stacked on the pair site i belongs to (empty for unpaired sites)."""
        if self.partners[i] < 0:
            return ()
        a, b = self._opener(i), max(i, self.partners[i])
        found = []
        if a > 0 and self.partners[a - 1] == b + 1:
            found.append(a - 1)
        if self.partners[a + 1] == b - 1 and a + 1 < b - 1:
            found.append(a + 1)
        return tuple(found)

    def _adjacent_openers(self, i: int) -> tuple[int, ...]:
        """Opening sites of the pairs next to unpaired site i (the loop's closing pairs)."""
        if self.partners[i] >= 0:
            return ()
        n = len(self.partners)
        return tuple(self._opener(k) for k in (i - 1, i + 1) if 0 <= k < n and self.partners[k] >= 0)

    def _mismatch_units(self, i: int) -> tuple[tuple[int, ...], ...]:
        """The units a mismatch move at site i may re-draw (``mismatch_probability``): a pair (its opening site)
        with the unpaired sites on one side of it, a+1 and b−1 inside or a−1 and b+1 outside; for a pair site,
        both sides of its pair, for an unpaired site the sides of its adjacent pairs that hold it."""
        partners, n = self.partners, len(self.partners)
        found = []
        for a in (self._opener(i),) if partners[i] >= 0 else self.adjacent[i]:
            b = partners[a]
            for side in ((a + 1, b - 1), (a - 1, b + 1)):
                sites = tuple(k for k in dict.fromkeys(side) if 0 <= k < n and partners[k] < 0)
                if sites and (partners[i] >= 0 or i in sites):
                    found.append((a,) + sites)
        return tuple(found)

    def _gu_at_ends(self, allowed: np.ndarray) -> np.ndarray:
        """``allowed`` without GU and UG for pairs that are not at a helix end (stacked on both sides, or a
        lone pair), unless nothing else would be left."""
        allowed = allowed.copy()
        wobble = [PAIR_INDEX["GU"], PAIR_INDEX["UG"]]
        for a, _ in self.target.pairs:
            if len(self.stacked[a]) != 1:
                rest = allowed[a].copy()
                rest[wobble] = False
                if rest.any():
                    allowed[a] = rest
        return allowed

    def _loops(self) -> None:
        """Loop decomposition of the target: for every loop (key: opening site of its closing pair, −1 for the
        exterior loop) its branch pairs (opening sites) and unpaired sites; the loop of every unpaired site
        and the loop every pair is a branch of."""
        partners, n = self.partners, len(self.partners)
        self.loop_branches: dict[int, list[int]] = {}
        self.loop_unpaired: dict[int, list[int]] = {}
        self.loop_of = np.full(n, -1)
        """For an unpaired site, the loop it lies in; for a pair's opening site, the loop the pair closes."""
        self.outer_loop = np.full(n, -1)
        """For a pair's opening site, the loop the pair is a branch of."""
        for closing, (branches, unpaired) in loops(partners).items():
            self.outer_loop[branches] = closing
            self.loop_of[unpaired] = closing
            self.loop_branches[closing], self.loop_unpaired[closing] = branches, unpaired
            if closing >= 0:
                self.loop_of[closing] = closing

    def _small_hairpin(self, i: int) -> tuple[int, ...]:
        """The unpaired sites of the hairpin loop site ``i`` lies in or closes, if it has at most
        :data:`HAIRPIN_MOVE_MAX` of them and more than one of them may change; else empty."""
        loop = int(self.loop_of[i]) if self.partners[i] < 0 else self._opener(i)
        if loop < 0 or self.loop_branches[loop] or len(self.loop_unpaired[loop]) > HAIRPIN_MOVE_MAX:
            return ()
        if sum(self.allowed_bases[k].sum() > 1 for k in self.loop_unpaired[loop]) < 2:
            return ()
        return tuple(self.loop_unpaired[loop])

    def _lone_pair_units(self, i: int) -> tuple[int, ...]:
        """The units a lone-pair move at site ``i`` re-draws: the lone pair ``i`` belongs to, or the first one
        next to unpaired site ``i``, with the units (bases, or pairs by their opening site) at its four
        neighbouring sites a−1, a+1, b−1, b+1; neighbouring pairs are left out, the last first, while the
        variants would exceed :data:`MAX_JOINT_VARIANTS`. Empty when ``i`` is not at a lone pair."""
        partners, n = self.partners, len(self.partners)
        openers = (self._opener(i),) if partners[i] >= 0 else self.adjacent[i]
        lone = [a for a in openers if not self.stacked[a]]
        if not lone:
            return ()
        a = lone[0]
        b = partners[a]
        units = [a]
        for k in (a - 1, a + 1, b - 1, b + 1):
            if 0 <= k < n:
                unit = k if partners[k] < 0 else self._opener(k)
                if unit not in units:
                    units.append(unit)
        while self._combinations(units) > MAX_JOINT_VARIANTS:
            units.remove([u for u in units[1:] if partners[u] >= 0][-1])
        return tuple(units) if len(units) > 1 else ()

    def _combinations(self, units: list[int]) -> int:
        """How many variants a move that re-draws ``units`` together scores (every value of each unit the
        constraint allows, combined), the unchanged sequence included."""
        return int(np.prod([len(self._unit_options(u)) for u in units]))

    def _small_interiors(self, i: int) -> tuple[int, ...]:
        """The small interior loops or bulges (one branch, 1 to :data:`INTERIOR_MOVE_MAX` unpaired bases) that
        site ``i`` lies in, or that the pair of ``i`` closes or is the branch of, by the opening site of their
        closing pair; only loops with at least two units that may change."""
        if self.partners[i] < 0:
            candidates = [int(self.loop_of[i])]
        else:
            a = self._opener(i)
            candidates = [a, int(self.outer_loop[a])]
        found = []
        for loop in candidates:
            size = len(self.loop_unpaired[loop]) if loop >= 0 else 0
            if not 0 < size <= INTERIOR_MOVE_MAX or len(self.loop_branches[loop]) != 1:
                continue
            units = [loop, self.loop_branches[loop][0], *self.loop_unpaired[loop]]
            if sum(len(self._unit_options(u)) > 1 for u in units) >= 2:
                found.append(loop)
        return tuple(found)

    def _interior_units(self, i: int, rng: np.random.Generator) -> list[int]:
        """The units an interior-loop move at site ``i`` re-draws: the closing pair, the branch pair and the
        unpaired sites of one of :meth:`_small_interiors` (drawn uniformly). When their combinations exceed
        :data:`MAX_JOINT_VARIANTS`, one pair is left out: the one ``i`` does not belong to, or, for an
        unpaired site, one drawn uniformly."""
        loops = self.interiors[i]
        loop = loops[int(rng.integers(len(loops)))]
        pairs = [loop, self.loop_branches[loop][0]]
        unpaired = list(self.loop_unpaired[loop])
        if self._combinations(pairs + unpaired) > MAX_JOINT_VARIANTS:
            own = self._opener(i) if self.partners[i] >= 0 else None
            pairs = [own] if own in pairs else [pairs[int(rng.integers(2))]]
        return pairs + unpaired

    MAX_REGION = 12
    """Most units a region move re-draws from (the ones nearest the site)."""

    def region(self, i: int) -> list[int]:
        """Units (pairs by their opening site, unpaired sites) of the region around site ``i``: its unit, the
        pairs of the loops on both sides of it (one loop for an unpaired site) and those loops' unpaired sites
        next to a pair (all of a hairpin of at most six); the :data:`MAX_REGION` nearest to ``i``."""
        partners = self.partners
        if partners[i] < 0:
            unit, loops = i, [int(self.loop_of[i])]
        else:
            unit = self._opener(i)
            loops = [unit, int(self.outer_loop[unit])]
        units = {unit}
        for loop in loops:
            pairs = ([loop] if loop >= 0 else []) + self.loop_branches[loop]
            units.update(pairs)
            unpaired = self.loop_unpaired[loop]
            small_hairpin = loop >= 0 and not self.loop_branches[loop] and len(unpaired) <= 6
            for u in unpaired:
                if small_hairpin or (u > 0 and partners[u - 1] >= 0) or (u + 1 < len(partners) and partners[u + 1] >= 0):
                    units.add(u)
        units.discard(-1)

        def reach(u: int) -> int:
            return min(abs(u - i), abs(partners[u] - i)) if partners[u] >= 0 else abs(u - i)

        return sorted(units, key=reach)[: self.MAX_REGION]

    def region_variants(self, sequence: str, i: int, rng: np.random.Generator,
                        samples: int) -> tuple[list[str], np.ndarray, list[int]]:
        """Up to ``samples`` distinct random re-draws of the region around ``i`` (each unit changes with
        probability 2.5 / units, at least one does; values from the proposal), equal log proposal
        probabilities (they are samples of it), and the positions the move may change."""
        units = self.region(i)
        positions = [p for u in units for p in ((u,) if self.partners[u] < 0 else (u, self.partners[u]))]
        change = min(1.0, 2.5 / len(units))
        children: set[str] = set()
        for _ in range(samples):
            seq = list(sequence)
            chosen = [u for u in units if rng.random() < change] or [units[int(rng.integers(len(units)))]]
            for u in chosen:
                if self.partners[u] < 0:
                    self.redraw_base(seq, u, rng)
                else:
                    self.redraw_pair(seq, u, rng)
            child = "".join(seq)
            if child != sequence:
                children.add(child)
        ordered = sorted(children)
        return ordered, np.zeros(len(ordered)), positions

    # -- moves ----------------------------------------------------------------------------------------
    def redraw_pair(self, seq: list[str], a: int, rng: np.random.Generator) -> None:
        """Replace the pair opened at ``a`` by another of the six complementary pairs."""
        b = self.partners[a]
        k = _categorical(self.pair_probs[a], PAIR_INDEX.get(seq[a] + seq[b]), self.allowed_pairs[a], rng)
        seq[a], seq[b] = PAIRS[k]

    def redraw_base(self, seq: list[str], i: int, rng: np.random.Generator) -> None:
        """Replace the base of unpaired site ``i`` by another base."""
        seq[i] = BASES[_categorical(self.base_probs[i], BASE_INDEX.get(seq[i]), self.allowed_bases[i], rng)]

    def mutate_site(self, seq: list[str], i: int, rng: np.random.Generator) -> None:
        """One random structured move at site ``i`` (see the module docstring), in place."""
        for unit in self._units(i, rng):
            if self.partners[unit] < 0:
                self.redraw_base(seq, unit, rng)
            else:
                self.redraw_pair(seq, unit, rng)

    def _units(self, i: int, rng: np.random.Generator) -> list[int]:
        """Sites whose unit a move at ``i`` re-draws: the unit of ``i`` and, drawn as in
        :meth:`mutate_site`, one stacked or adjacent pair (pairs are given by their opening site); or, with
        ``mismatch_probability``, a pair with its mismatch or its dangles (:meth:`_mismatch_units`)."""
        sides = self.mismatches[i]
        if self.config.mismatch_probability and sides and rng.random() < self.config.mismatch_probability:
            return list(sides[int(rng.integers(len(sides)))])
        if self.partners[i] >= 0:
            units, extra, probability = [self._opener(i)], self.stacked[i], self.config.stack_probability
        else:
            units, extra, probability = [i], self.adjacent[i], self.config.closing_pair_probability
        if extra and rng.random() < probability:
            units.append(extra[int(rng.integers(len(extra)))])
        return units

    def _unit_options(self, site: int) -> list[tuple[tuple[tuple[int, str], ...], float]]:
        """Every value of one unit as (changes, log proposal probability)."""
        if self.partners[site] < 0:
            return [(((site, base),), self.log_base_probs[site, k]) for k, base in enumerate(BASES)
                    if self.allowed_bases[site, k]]
        partner = self.partners[site]
        return [(((site, pair[0]), (partner, pair[1])), self.log_pair_probs[site, k])
                for k, pair in enumerate(PAIRS) if self.allowed_pairs[site, k]]

    def _unit_arrays(self, site: int) -> tuple[list[int], np.ndarray, np.ndarray]:
        """:meth:`_unit_options` as arrays (cached per site): the unit's sites, its values as ASCII codes (one row
        per value) and their log proposal probabilities."""
        found = self._arrays[site]
        if found is None:
            options = self._unit_options(site)
            sites = [p for p, _ in options[0][0]] if options else [site]
            values = np.array([[ord(base) for _, base in changes] for changes, _ in options], dtype=np.uint8)
            found = self._arrays[site] = (sites, values.reshape(len(options), len(sites)),
                                          np.array([log_p for _, log_p in options]))
        return found

    def variants(self, sequence: str, i: int,
                 rng: np.random.Generator) -> tuple[list[str], np.ndarray, list[int]]:
        """Every sequence a move at site ``i`` can produce (the unit of ``i`` and possibly one neighbouring
        pair, all value combinations, the unchanged sequence excluded), their log proposal probabilities,
        and the positions the move may change. With ``lone_pair_probability``, a move at a lone pair
        (:meth:`_lone_pair_units`) re-draws it with its neighbours instead; with :attr:`hairpin_probability`,
        a move at a small hairpin (:meth:`_small_hairpin`) re-draws all of its loop's bases; with
        :attr:`interior_probability`, a move at a small interior loop (:meth:`_interior_units`) re-draws the
        loop whole."""
        loop, lone = self.hairpins[i], self.lone_pairs[i]
        if lone and rng.random() < self.config.lone_pair_probability:
            units = list(lone)
        elif loop and rng.random() < self.hairpin_probability:
            units = list(loop)
        elif self.interiors[i] and rng.random() < self.interior_probability:
            units = self._interior_units(i, rng)
        else:
            units = self._units(i, rng)
        positions = [p for u in units for p in ((u,) if self.partners[u] < 0 else (u, self.partners[u]))]
        options = [self._unit_arrays(u) for u in units]
        if not all(len(log_p) for _, _, log_p in options):
            return [], np.zeros(0), positions
        # every combination of the units' values at once, in itertools.product order (the first unit varies
        # slowest): one row of ASCII bytes per child, its log probability summed unit by unit
        choice = np.indices([len(log_p) for _, _, log_p in options]).reshape(len(options), -1)
        parent = np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)
        rows = np.repeat(parent[None, :], choice.shape[1], axis=0)
        log_probs = 0.0
        for (sites, values, log_p), picked in zip(options, choice):
            rows[:, sites] = values[picked]
            log_probs = log_probs + log_p[picked]
        changed = (rows[:, positions] != parent[positions]).any(axis=1)
        flat, n = rows[changed].tobytes(), len(sequence)
        children = [flat[k:k + n].decode("ascii") for k in range(0, len(flat), n)]
        return children, np.asarray(log_probs)[changed], positions

    def crossover(self, sequence: str, donor: str, weights: np.ndarray, rng: np.random.Generator) -> str:
        """``sequence`` with a window of sites taken from ``donor``: a site drawn ∝ ``weights`` and 1 to
        :data:`CROSSOVER_REACH` sites (uniform) on each side, each paired one with its partner. Two sequences that
        keep every target pair complementary and follow the sequence constraint give a child that does too."""
        seq = list(sequence)
        site = sample_site(weights, rng)
        reach = int(rng.integers(1, CROSSOVER_REACH + 1))
        for k in range(max(0, site - reach), min(len(seq), site + reach + 1)):
            seq[k] = donor[k]
            if self.partners[k] >= 0:
                seq[self.partners[k]] = donor[self.partners[k]]
        return "".join(seq)

    def mutation_count(self, rng: np.random.Generator) -> int:
        """Number of sites to mutate: heavy-tailed, P(m) ∝ m^−exponent."""
        return int(np.searchsorted(self.count_cdf, rng.random(), side="right")) + 1

    def mutate(self, sequence: str, site_weights: np.ndarray, rng: np.random.Generator,
               count: int | None = None) -> str:
        """A child of ``sequence``: structured moves at ``count`` distinct sites (default: a heavy-tailed number,
        :meth:`mutation_count`) drawn ∝ ``site_weights``."""
        seq = list(sequence)
        count = min(self.mutation_count(rng) if count is None else count, int(np.count_nonzero(site_weights)))
        if count <= 1:
            sites = [sample_site(site_weights, rng)]
        else:
            sites = rng.choice(len(seq), size=count, replace=False, p=site_weights / site_weights.sum())
        for i in sites:
            self.mutate_site(seq, int(i), rng)
        return "".join(seq)

    # -- starting sequences ---------------------------------------------------------------------------
    def _allowed(self, site: int, values: tuple[str, ...] | str) -> list[str]:
        """The ``values`` (bases, or pairs opened at ``site``) the sequence constraint allows at ``site``."""
        if self.partners[site] < 0:
            return [v for v in values if self.allowed_bases[site, BASE_INDEX[v]]]
        return [v for v in values if self.allowed_pairs[site, PAIR_INDEX[v]]]

    def initial(self, rng: np.random.Generator) -> str:
        """A rule-based start: every pair GC or CG at random, unpaired sites A (``gc_a``), and with
        ``gc_a_boost`` a G at the first unpaired site inside every pair (hairpin and internal loops).
        Under a sequence constraint, a pair is drawn from the allowed ones of GC CG (else of AU UA) and an
        unpaired site takes the first allowed base of ``LOOP_PREFERENCE``; then :meth:`toward_gc`."""
        seq = ["A"] * len(self.partners)
        constrained = self.constraints.sequence is not None
        if constrained:
            seq = [self._allowed(i, LOOP_PREFERENCE)[0] if j < 0 else "N" for i, j in enumerate(self.partners)]
        for a, b in self.target.pairs:
            options = (self._allowed(a, WATSON_CRICK[:2]) or self._allowed(a, WATSON_CRICK)) if constrained \
                else ("GC", "CG")
            seq[a], seq[b] = options[int(rng.integers(len(options)))]
        if self.config.initialisation == "gc_a_boost":
            for a, b in self.target.pairs:
                if self.partners[a + 1] < 0 and self.allowed_bases[a + 1, BASE_INDEX["G"]]:
                    seq[a + 1] = "G"
        return self.toward_constraints("".join(seq), rng)

    def toward_constraints(self, sequence: str, rng: np.random.Generator) -> str:
        """``sequence`` moved towards the GC window (:meth:`toward_gc`), then rid of the patterns to avoid
        (:meth:`without_patterns`)."""
        return self.without_patterns(self.toward_gc(sequence, rng), rng)

    def without_patterns(self, sequence: str, rng: np.random.Generator) -> str:
        """``sequence`` with the occurrences of patterns to avoid broken where the constraints allow: a random
        site of an occurrence has its unit (a base, or its pair, kept complementary) re-drawn, kept when that
        leaves fewer occurrences, until none is left or ``20 n`` draws did not get there."""
        avoid = self.constraints.avoid
        found = hits(sequence, avoid) if avoid else []
        seq = list(sequence)
        for _ in range(20 * len(seq)):
            if not found:
                break
            start, pattern = found[int(rng.integers(len(found)))]
            site = start + int(rng.integers(len(pattern)))
            trial = seq.copy()
            if self.partners[site] < 0:
                self.redraw_base(trial, site, rng)
            else:
                self.redraw_pair(trial, self._opener(site), rng)
            fewer = hits("".join(trial), avoid)
            if len(fewer) < len(found):
                seq, found = trial, fewer
        return "".join(seq)

    def toward_gc(self, sequence: str, rng: np.random.Generator) -> str:
        """``sequence`` moved towards the GC window (unchanged without a GC target or inside it): units in
        random order each take, if one exists, a random allowed value (a base, or a Watson–Crick pair) that
        brings the G+C count closer to the window, until it is reached."""
        count = gc_count(sequence)

        def off(c: int) -> int:
            return self.constraints.gc_count_distance(c, len(sequence))

        if off(count) == 0:
            return sequence
        seq = list(sequence)
        for unit in rng.permutation(len(seq)):
            j = self.partners[unit]
            if off(count) == 0:
                break
            if 0 <= j < unit:  # a pair is changed from its opening site
                continue
            sites = (unit,) if j < 0 else (unit, j)
            current = sum(seq[s] in "GC" for s in sites)
            options = [v for v in self._allowed(unit, BASES if j < 0 else WATSON_CRICK)
                       if off(count - current + gc_count(v)) < off(count)]
            if options:
                value = options[int(rng.integers(len(options)))]
                for site, base in zip(sites, value):
                    seq[site] = base
                count += gc_count(value) - current
        return "".join(seq)
