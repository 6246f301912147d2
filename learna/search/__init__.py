"""Ensemble-guided local search over sequences (below env and agent: imports only the base layer).

``local_search`` designs a sequence for a target; ``refine`` improves one given sequence; ``polish`` raises
P(target) of a design that folds into the target, keeping it the unique MFE structure; a ``Prior``
lets a learned policy propose the bases and pairs of every move, and a repair policy
(:mod:`learna.search.repair`) can re-weight the variants of every energy-informed move.
"""

from learna.search.config import SearchConfig
from learna.search.local_search import SearchResult, local_search, polish, refine
from learna.search.moves import MoveSet, Prior
from learna.search.objectives import Candidate, Evaluator

__all__ = ["Candidate", "Evaluator", "MoveSet", "Prior", "SearchConfig", "SearchResult",
           "local_search", "polish", "refine"]
