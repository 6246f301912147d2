#!/usr/bin/env bash
# BOHB meta-optimisation on a SLURM allocation: task 0 runs the nameserver and the master on the
# first node, every other task is a worker (one torch thread each) that finds it over the network.
#
#   sbatch scripts/hpo_slurm.sh                        # a new run in runs/hpo-$SLURM_JOB_ID
#   OUT=runs/hpo-123 RESUME=1 sbatch scripts/hpo_slurm.sh  # continue a run killed by the time limit
#
# Space and budgets (seconds of design per validation target for `learna`, seconds of
# meta-training for `meta-learna`) come from the environment; the defaults are a modest LEARNA run.
# The secret file must be readable on every node (a shared home directory) and by you only.
#SBATCH --job-name=learna-hpo
#SBATCH --ntasks=21
#SBATCH --cpus-per-task=1
#SBATCH --time=24:00:00
set -euo pipefail

export OUT="${OUT:-runs/hpo-$SLURM_JOB_ID}" PORT="${PORT:-9090}" SECRET="${SECRET:-$HOME/.learna-hpo-secret}"
export SPACE="${SPACE:-learna}" MIN_BUDGET="${MIN_BUDGET:-10}" MAX_BUDGET="${MAX_BUDGET:-90}"
export ITERATIONS="${ITERATIONS:-32}" RESUME_FLAG="${RESUME:+--resume}"
MASTER_NODE="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"
MASTER_ADDR="$(getent ahostsv4 "$MASTER_NODE" | awk 'NR == 1 { print $1 }')"
export MASTER_ADDR
[ -f "$SECRET" ] || (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(32))' > "$SECRET")

# shellcheck disable=SC2016  # expanded by each task's shell
srun --kill-on-bad-exit=0 bash -c '
if [ "$SLURM_PROCID" -eq 0 ]; then
    exec learna hpo master --space "$SPACE" --host "$MASTER_ADDR" --port "$PORT" --run-id "$SLURM_JOB_ID" \
        --secret-file "$SECRET" --out "$OUT" --min-budget "$MIN_BUDGET" --max-budget "$MAX_BUDGET" \
        --iterations "$ITERATIONS" $RESUME_FLAG
else
    exec learna hpo worker --nameserver "$MASTER_ADDR:$PORT" --run-id "$SLURM_JOB_ID" --secret-file "$SECRET"
fi'
