"""learna: design RNA sequences that fold into a target secondary structure.

LEARNA (Runge et al., ICLR 2019) rebuilt on gymnasium and torch, with an ensemble-guided
local search and one joint BOHB search space.
"""

__version__ = "0.1.0"
