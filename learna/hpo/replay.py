"""Resuming a BOHB run: the logged iterations replayed into hpbandster's successive-halving brackets.

The master reloads the log (``logged_results_to_HBS_result``) as hpbandster's ``previous_result`` (which
trains the KDE on it) and :func:`replay` rebuilds the logged iterations with the same config ids, so
finished evaluations are not repeated, the interrupted bracket continues where it stopped and new
brackets keep their numbering.
"""

from __future__ import annotations

import logging

from hpbandster.core.dispatcher import Job

log = logging.getLogger("learna.hpo")


def replay(master, previous) -> int:
    """Rebuild the logged iterations (same ids, finished results registered); their number."""
    if previous is None:
        return 0
    data = previous.data
    count = 1 + max((cid[0] for cid in data), default=-1)
    for index in range(count):
        iteration = master.get_next_iteration(index, {"result_logger": master.result_logger})
        sample = iteration.config_sampler

        def logged_or_new(budget, _it=iteration, _sample=sample, _index=index):
            cid = (_index, _it.stage, _it.actual_num_configs[_it.stage])
            return (data[cid].config, data[cid].config_info) if cid in data else _sample(budget)

        iteration.config_sampler = logged_or_new
        pending = []
        while (run := iteration.get_next_run()) is not None:
            cid, config, budget = run
            datum = data.get(cid)
            if datum is None or budget not in datum.results:
                pending.append(cid)  # never finished: evaluate it (again) when the run goes on
                continue
            job = Job(cid, config=config, budget=budget, working_directory=master.working_directory)
            job.result, job.exception = datum.results[budget], datum.exceptions.get(budget)
            job.timestamps = dict(datum.time_stamps.get(budget, {}))
            iteration.register_result(job)
        for cid in pending:
            iteration.data[cid].status = "QUEUED"
            iteration.num_running -= 1
        iteration.config_sampler = sample
        master.iterations.append(iteration)
    log.info("resumed %d iterations (%d configurations) from the log", count, len(data))
    return count
