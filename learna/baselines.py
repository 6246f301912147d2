"""The RNAinverse baseline: ViennaRNA's adaptive walk from random starts, restarted until solved or out of time.

``RNA.inverse_fold`` has no time limit of its own (one walk on a long target can take minutes), so the
walks run in a child process that reports every finished walk and is killed at the limit; the best
design reported by then is the result. Each walk's result is scored by folding it with the project's
:class:`~learna.folding.FoldingModel` (Hamming distance of the MFE structure to the target). Targets with
design constraints are refused: RNAinverse could keep fixed bases but not IUPAC choices or a GC target.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np

from learna.errors import ConfigError
from learna.folding import DEFAULT_MODEL, FoldingModel, fold_structure, inverse_fold
from learna.processes import STARTUP_TIMEOUT_S, die_with_parent
from learna.structure import Target, hamming


@dataclass(frozen=True)
class InverseResult:
    """The best design found by repeated RNAinverse walks."""

    sequence: str | None
    """Best sequence (lowest distance, earliest on ties); None if no walk finished in time."""
    distance: int | None
    solved: bool
    time_s: float
    """Seconds until solved, or until the walks were stopped."""
    walks: int
    """Walks that finished within the limit."""


def rnainverse(target: Target, time_limit: float, seed: int = 0, model: FoldingModel = DEFAULT_MODEL) -> InverseResult:
    """Restart RNAinverse from random sequences until ``target`` is solved or ``time_limit`` seconds pass.

    The clock starts once the child process is up (its start-up is not charged to the method). Cannot be
    called from a daemonic process (it starts a child).
    """
    if time_limit <= 0:
        raise ConfigError(f"time limit must be positive, got {time_limit}")
    if target.constraints.active:
        raise ConfigError("RNAinverse takes no design constraints (sequence constraint, GC target): use a design mode")
    # fork: fast, and the child runs only ViennaRNA and numpy's generator (no torch, no threads)
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_walks, args=(sender, target.dot_bracket, seed, model), daemon=True,
                        name=f"rnainverse-{target.id}")
    child.start()
    sender.close()
    try:
        if not receiver.poll(STARTUP_TIMEOUT_S):
            raise RuntimeError("the RNAinverse child process did not start")
        receiver.recv()  # "ready"
        return _collect(receiver, time.monotonic(), time_limit)
    finally:
        child.kill()
        child.join()
        receiver.close()


def _collect(receiver: Connection, start: float, time_limit: float) -> InverseResult:
    """Keep the best walk reported before the deadline; stop at the first solution."""
    best: tuple[int, str] | None = None
    walks = 0
    deadline = start + time_limit
    while (remaining := deadline - time.monotonic()) > 0 and receiver.poll(remaining):
        try:
            sequence, distance = receiver.recv()
        except EOFError:
            break
        walks += 1
        if best is None or distance < best[0]:
            best = (distance, sequence)
        if distance == 0:
            return InverseResult(sequence, 0, True, time.monotonic() - start, walks)
    elapsed = min(time.monotonic() - start, time_limit)
    if best is None:
        return InverseResult(None, None, False, elapsed, walks)
    return InverseResult(best[1], best[0], False, elapsed, walks)


def _walks(conn: Connection, target: str, seed: int, model: FoldingModel) -> None:
    """Child process: one walk after another from uniformly random starts, each reported as it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    parent = os.getppid()
    rng = np.random.default_rng(seed)
    conn.send("ready")
    while os.getppid() == parent:  # outside Linux, an orphaned child stops after its current walk
        start = "".join(rng.choice(list("ACGU"), size=len(target)))
        sequence, _ = inverse_fold(start, target, model)
        sequence = sequence.upper()
        distance = hamming(fold_structure(sequence, model), target)
        conn.send((sequence, distance))
        if distance == 0:
            break
    conn.close()
