#!/usr/bin/env bash
# What the learned policy gives the hybrid: the same search with no policy, with the shipped Meta-LEARNA
# policy, and with an expert-iterated one (learna meta-train --method exit) proposing starts, mutations or both.
#
#   no-policy        the search alone: rule-based starts (GC pairs, A in loops), uniform proposals
#   shipped          the shipped preset: policy starts + policy proposals (learna/weights/meta-learna)
#   exit             policy starts + policy proposals from EXIT (a checkpoint directory)
#   exit-starts      policy starts, uniform proposals
#   exit-proposals   rule-based starts, policy proposals
#
# Resumable (--resume). Never tune anything on Eterna100 with it: the choices are made on generated targets.
#   DATASET  a shipped dataset or target file (default: docs/results/search-hard/held-40.tsv)
#   LIMIT    seconds per target (default 10)
#   EXIT     the expert-iterated checkpoint (needed by the exit arms)
#   ARMS     which arms (default: all five)
#   OUT      where the run directories go (default runs/ablate-policy)
set -euo pipefail
cd "$(dirname "$0")/.."
LEARNA=${LEARNA:-.venv/bin/learna}
DATASET=${DATASET:-docs/results/search-hard/held-40.tsv}
LIMIT=${LIMIT:-10}
OUT=${OUT:-runs/ablate-policy}
read -r -a arms <<< "${ARMS:-no-policy shipped exit exit-starts exit-proposals}"
mkdir -p "$OUT"

for arm in "${arms[@]}"; do
  checkpoint=()
  case $arm in
    no-policy)      config='{"hybrid": {"use_policy": false}}' ;;
    shipped)        config='{}' ;;
    exit)           config='{}'; checkpoint=(--checkpoint "${EXIT:?set EXIT to a checkpoint directory}") ;;
    exit-starts)    config='{"hybrid": {"proposal_mix": 0.0}}'; checkpoint=(--checkpoint "${EXIT:?}") ;;
    exit-proposals) config='{"hybrid": {"policy_starts": 0}}'; checkpoint=(--checkpoint "${EXIT:?}") ;;
    *) echo "unknown arm $arm" >&2; exit 2 ;;
  esac
  echo "$config" > "$OUT/$arm.json"
  "$LEARNA" benchmark --dataset "$DATASET" --method hybrid --config "$OUT/$arm.json" ${checkpoint[@]+"${checkpoint[@]}"} \
    --time-limit "$LIMIT" --processes 2 --seed 0 --resume --out "$OUT/$arm-${LIMIT}s"
done

dirs=(); for arm in "${arms[@]}"; do dirs+=("$OUT/$arm-${LIMIT}s"); done
"$LEARNA" report "${dirs[@]}" | tee "$OUT/report-${LIMIT}s.txt"
