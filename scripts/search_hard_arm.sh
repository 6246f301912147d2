#!/usr/bin/env bash
# One arm of the search-hard ablation: the shipped hybrid's search settings plus KEY=VALUE overrides, on a
# target file, CPU-time limit per target, two processes, seed 0. Records go to
# docs/results/search-hard/records/<name>-<set>-<limit>s.jsonl, the summary line to .summary beside it.
# Usage: scripts/search_hard_arm.sh NAME SET(dev|held) LIMIT [KEY=VALUE ...]
set -euo pipefail
name=$1; set_name=$2; limit=$3; shift 3
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/docs/results/search-hard/records/$name-$set_name-${limit}s"
mkdir -p "$(dirname "$out")"; rm -f "$out.jsonl"
sets=(); for kv in "$@"; do sets+=(--set "$kv"); done
PYTHONPATH="$root" "${PYTHON:-/work/main/.venv/bin/python}" "$root/scripts/eval_search.py" \
    --dataset "$root/docs/results/search-hard/$set_name-40.tsv" --preset hybrid --time-limit "$limit" \
    --cpu-time --processes "${PROCESSES:-2}" --seed 0 --out "$out.jsonl" "${sets[@]}" > "$out.summary" 2> "$out.log"
cat "$out.summary"
