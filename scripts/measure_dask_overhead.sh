#!/usr/bin/env bash
# What Dask costs: the same benchmark with `--processes 2` on this machine and over a local Dask cluster of
# 2 workers (scripts/dask_local_cluster.sh), then both reports and the throughput of each.
#
#   scripts/measure_dask_overhead.sh                  # Eterna100-V2, hybrid, 60 s: about 2 x 20 min on 2 cores
#   IDS=1-20 TIME_LIMIT=10 scripts/measure_dask_overhead.sh
#
# Run it on an otherwise idle machine. Throughput is (target, run) pairs per wall-clock second; the slot use
# is the seconds the designs held a slot (start-up + design) over 2 x the wall-clock time. The two runs
# should solve the same targets within noise, and the Dask run's throughput should be at least 0.9 of the
# local run's. Env: DATASET, METHOD, TIME_LIMIT, IDS (default all), OUT (default runs/dask-overhead),
# LEARNA (default .venv/bin/learna), PORT (default 8786).
set -euo pipefail
cd "$(dirname "$0")/.."

DATASET="${DATASET:-eterna100-v2}" METHOD="${METHOD:-hybrid}" TIME_LIMIT="${TIME_LIMIT:-60}"
OUT="${OUT:-runs/dask-overhead}" LEARNA="${LEARNA:-.venv/bin/learna}" PORT="${PORT:-8786}"
PYTHON="$(dirname "$LEARNA")/python"
args=(--dataset "$DATASET" --method "$METHOD" --time-limit "$TIME_LIMIT" --quiet)
if [ -n "${IDS:-}" ]; then args+=(--ids "$IDS"); fi
if [ -e "$OUT" ]; then echo "$OUT exists: choose another OUT" >&2; exit 2; fi
mkdir -p "$OUT"

start=$(date +%s.%N)
"$LEARNA" benchmark "${args[@]}" --processes 2 --out "$OUT/local" >/dev/null
end=$(date +%s.%N)
echo "$start $end" >"$OUT/local.wall"

DASK="$(dirname "$LEARNA")/dask" PORT="$PORT" WORKERS=2 scripts/dask_local_cluster.sh >"$OUT/cluster.log" 2>&1 &
cluster=$!
trap 'kill "$cluster" 2>/dev/null || true; wait' EXIT
sleep 15  # the scheduler and both workers up (their first designs also start a forkserver each, as locally)
start=$(date +%s.%N)
"$LEARNA" benchmark "${args[@]}" --scheduler "tcp://127.0.0.1:$PORT" --out "$OUT/dask" >/dev/null
end=$(date +%s.%N)
echo "$start $end" >"$OUT/dask.wall"

"$LEARNA" report "$OUT/local" "$OUT/dask" | tee "$OUT/report.txt"
"$PYTHON" - "$OUT" <<'EOF' | tee -a "$OUT/report.txt"
import json, sys
from pathlib import Path

out, rates = Path(sys.argv[1]), {}
for name in ("local", "dask"):
    start, end = map(float, (out / f"{name}.wall").read_text().split())
    records = [json.loads(line) for line in (out / name / "records.jsonl").read_text().splitlines()]
    busy = sum(r["time_s"] + (r["startup_s"] or 0) for r in records)
    rates[name] = len(records) / (end - start)
    print(f"{name}: {len(records)} records, {sum(r['solved'] for r in records)} solved, {end - start:.0f} s wall, "
          f"{rates[name] * 3600:.1f} per hour, slot use {busy / (2 * (end - start)):.3f}")
print(f"throughput ratio dask/local: {rates['dask'] / rates['local']:.3f} (done when >= 0.9)")
EOF
