"""Joint meta-optimisation of formulation, architecture and training with BOHB (docs/original.md §3).

* :mod:`learna.hpo.space`: the search spaces (learna, meta-learna, hybrid) and their mapping to a ``DesignerConfig``;
* :mod:`learna.hpo.hyperparameters`: numeric and categorical hyperparameters, conditions, checks, ConfigSpace;
* :mod:`learna.hpo.objective`: ``evaluate(config, budget, ...)``, a plain function, no hpbandster;
* :mod:`learna.hpo.bohb`: hpbandster and Pyro4 glue (the only hpbandster importer);
* :mod:`learna.hpo.results`: reading a run's logs: incumbent, trajectory, export, summary.
"""
