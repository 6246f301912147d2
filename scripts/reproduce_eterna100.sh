#!/usr/bin/env bash
# Reproduce the Eterna100-V2 comparison: every method at 60 s per target, 2 processes, then `learna report`.
#
# Resumable: run it again to continue where it stopped (every benchmark uses --resume).
#   RUNS        independent runs per target (default 1; the paper used 5)
#   CHECKPOINT  meta-trained weights for meta-learna and meta-learna-adapt (default: the shipped ones; the
#               hybrid runs without a policy)
#   OUT         where the run directories go (default runs/eterna100-v2)
# One method and run takes at most 100 targets x 60 s / 2 processes = 50 min (measured on 2 cores:
# rnainverse 36 min, learna 32 min; a target ends when solved).
set -euo pipefail
cd "$(dirname "$0")/.."
LEARNA=${LEARNA:-.venv/bin/learna}
OUT=${OUT:-runs/eterna100-v2}
RUNS=${RUNS:-1}

methods=(hybrid meta-learna-adapt learna rnainverse)

for method in "${methods[@]}"; do
  extra=()
  if [[ -n "${CHECKPOINT:-}" && $method == meta-learna* ]]; then extra=(--checkpoint "$CHECKPOINT"); fi
  "$LEARNA" benchmark --dataset eterna100-v2 --method "$method" --time-limit 60 --processes 2 \
    --runs "$RUNS" --seed 0 --resume --out "$OUT/$method" ${extra[@]+"${extra[@]}"}
done

"$LEARNA" report "${methods[@]/#/$OUT/}" --plot "$OUT/solved.png" | tee "$OUT/report.txt"
"$LEARNA" report "${methods[@]/#/$OUT/}" --json > "$OUT/report.json"
