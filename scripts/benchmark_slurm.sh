#!/usr/bin/env bash
# One benchmark as a SLURM array job: array task K of N runs the K-th of N disjoint slices of the
# (target, run) list (`learna benchmark --shard K/N`) into $OUT/shard-K, with one process per CPU.
#
#   sbatch --array=1-20 scripts/benchmark_slurm.sh                         # 20 shards, defaults below
#   METHOD=learna RUNS=5 TIME_LIMIT=3600 sbatch --array=1-50 scripts/benchmark_slurm.sh
#   CONFIG=policy.json CHECKPOINT=runs/exit1/checkpoint sbatch --array=1-20 scripts/benchmark_slurm.sh
#
# When every task has ended, combine the shards (or report them as they are: `learna report $OUT/shard-*`):
#
#   learna benchmark --merge --out runs/eterna100-v2-hybrid/merged runs/eterna100-v2-hybrid/shard-*
#   learna report runs/eterna100-v2-hybrid/merged
#
# or as a job that waits for the array: sbatch --dependency=afterany:JOBID --wrap "learna benchmark --merge ...".
# Every task resumes its shard: submit the same array again to finish tasks killed by the time limit (the merged
# run can also be finished with `learna benchmark --resume --out .../merged` and the same options).
# The array must be one range counted from any start (--array=1-20, --array=0-19; a %limit is fine).
# OUT must be on a file system every node sees.
#SBATCH --job-name=learna-benchmark
#SBATCH --array=1-10
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=2
#SBATCH --time=24:00:00
set -euo pipefail

DATASET="${DATASET:-eterna100-v2}" METHOD="${METHOD:-hybrid}" TIME_LIMIT="${TIME_LIMIT:-60}"
RUNS="${RUNS:-1}" SEED="${SEED:-0}" OUT="${OUT:-runs/$DATASET-$METHOD}"
COUNT="$SLURM_ARRAY_TASK_COUNT"
INDEX=$((SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1))
if [ $((SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1)) -ne "$COUNT" ]; then
    echo "the array must be one range (e.g. --array=1-$COUNT), not a list" >&2
    exit 2
fi
extra=()
if [ -n "${IDS:-}" ]; then extra+=(--ids "$IDS"); fi
if [ -n "${CHECKPOINT:-}" ]; then extra+=(--checkpoint "$CHECKPOINT"); fi
if [ -n "${CONFIG:-}" ]; then extra+=(--config "$CONFIG"); fi  # e.g. {"hybrid": {"use_policy": true}} with CHECKPOINT

exec learna benchmark --dataset "$DATASET" --method "$METHOD" --time-limit "$TIME_LIMIT" --runs "$RUNS" \
    --seed "$SEED" --processes "${SLURM_CPUS_PER_TASK:-1}" --shard "$INDEX/$COUNT" \
    --out "$OUT/shard-$INDEX" --resume --quiet ${extra[@]+"${extra[@]}"}
