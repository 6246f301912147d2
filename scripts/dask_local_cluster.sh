#!/usr/bin/env bash
# A Dask cluster on this machine, for `learna benchmark --scheduler` / `learna design --scheduler`: a
# scheduler on 127.0.0.1:$PORT and $WORKERS workers with one thread each (one design at a time per worker,
# each worker under its nanny). Runs in the foreground; Ctrl-C (or SIGTERM) stops all of it.
#
#   scripts/dask_local_cluster.sh &
#   learna benchmark --scheduler tcp://127.0.0.1:8786 --dataset eterna100-v2 --method hybrid --out runs/x
#
# On a real cluster, run the same two commands by hand: `dask scheduler` on one host, and
# `dask worker tcp://SCHEDULER:8786 --nworkers CORES --nthreads 1` on every host (workers listen
# on the network: keep them on a private one, docs of Dask's TLS otherwise).
# Env: WORKERS (default 2), PORT (default 8786), DASK (default: dask next to learna, else on PATH).
#
# Dask's own monitoring, which learna's tasks do not use, is turned down unless set otherwise: its sampling
# profiler (every 10 ms), event-loop ticks (every 20 ms) and system and memory monitors (several times a
# second) took 17 % of a core for an idle scheduler and 2 workers on a 2-core machine, these settings 1.7 %.
# The image (Dockerfile) sets the same defaults; on a cluster, set them where the workers start.
set -euo pipefail

export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="${DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED:-False}"
export DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL="${DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL:-1s}"
export DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL="${DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL:-5s}"
export DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL="${DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL:-1s}"
WORKERS="${WORKERS:-2}" PORT="${PORT:-8786}"
if [ -z "${DASK:-}" ]; then
    DASK="$(dirname "$(command -v learna || echo ./learna)")/dask"
    [ -x "$DASK" ] || DASK=dask
fi
command -v "$DASK" >/dev/null || { echo "no dask command: pip install 'learna[dask]'" >&2; exit 2; }

pids=()
stop() {
    trap - EXIT INT TERM
    kill "${pids[@]}" 2>/dev/null || true
    wait
}
trap stop EXIT INT TERM

"$DASK" scheduler --host 127.0.0.1 --port "$PORT" --no-dashboard &
pids+=("$!")
"$DASK" worker "tcp://127.0.0.1:$PORT" --nworkers "$WORKERS" --nthreads 1 --no-dashboard &
pids+=("$!")
wait
