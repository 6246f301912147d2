#!/usr/bin/env bash
# Ablation of the hybrid designer (what the learned policy and the adaptation each contribute) and of the
# improvement step of the paper's modes (LIS against the local search).
#
#   hybrid             the pretrained policy's starts + its proposals + the local search
#   no-policy          pure local search: rule-based starts, uniform proposals (the shipped default)
#   rule-starts        rule-based starts, policy proposals
#   uniform-proposals  policy starts, uniform proposals
#   repair             no policy proposing, the repair policy re-weighting the search's informed moves
#                      (the shipped repair weights, or REPAIR's: learna meta-train --method repair)
#   region, rivals, pairs, parts, portfolio, focus, rank-ties, boost-starts, kick, prob-ties, restart-parts, luby,
#   free-sites, short-parts, part-screen
#                      the search alone with one of issue 20's ideas switched on (the settings of
#                      docs/results/search-hard/NOTES.md, where each was measured on generated hard targets)
#   no-short-prob      the search with the MFE distance on every target (the preset before short targets were
#                      searched with 1 - P(target))
#   no-mismatch        the search without re-drawing a pair with its terminal mismatch or dangles (the preset
#                      before mismatch_probability 0.3)
#   no-hairpin         the search without re-drawing small hairpin loops whole (the preset before
#                      hairpin_probability 0.2)
#   no-lone-pair       the search without re-drawing a long target's lone pairs with their neighbours (the
#                      preset before lone_pair_probability 0.3)
#   meta-search        Meta-LEARNA (fixed policy) with the local search as its improvement step
#   adapt-search       Meta-LEARNA-Adapt (PPO on the target) with the local search as its improvement step
#   meta-lis           Meta-LEARNA with the paper's local improvement (LIS)
#   adapt-lis          Meta-LEARNA-Adapt with the paper's local improvement (LIS)
#   learna-lis         LEARNA (from scratch) with the paper's local improvement (LIS)
#   learna-search      LEARNA with the local search as its improvement step
#
# The pretrained arms use the shipped weights, or CHECKPOINT's (an expert-iterated policy, learna meta-train
# --method exit: `hybrid`, `rule-starts` and `uniform-proposals` are then that policy proposing starts and
# mutations, mutations only, starts only). Resumable (--resume). Never run it to tune on Eterna100: the
# meta modes' improvement step was chosen from the *-lis and *-search arms on generated targets only.
#   DATASET  a shipped dataset or target file (default eterna100-v2)
#   LIMIT    seconds per target (default 10)
#   ARMS     which arms (default: the six hybrid and search arms)
#   CHECKPOINT  weights for the pretrained arms instead of the shipped ones (default: none)
#   REPAIR   repair-policy weights for the repair arm instead of the shipped ones (default: none)
#   OUT      where the run directories go (default runs/ablation)
#   SEED     base seed of the runs (default 0)
set -euo pipefail
cd "$(dirname "$0")/.."
LEARNA=${LEARNA:-.venv/bin/learna}
DATASET=${DATASET:-eterna100-v2}
LIMIT=${LIMIT:-10}
OUT=${OUT:-runs/ablation}
read -r -a arms <<< "${ARMS:-hybrid no-policy rule-starts uniform-proposals meta-search adapt-search}"
checkpoint=(); if [ -n "${CHECKPOINT:-}" ]; then checkpoint=(--checkpoint "$CHECKPOINT"); fi
mkdir -p "$OUT"

for arm in "${arms[@]}"; do
  case $arm in
    hybrid)            method=hybrid; config='{"hybrid": {"use_policy": true}}' ;;
    no-policy)         method=hybrid; config='{"hybrid": {"use_policy": false}}' ;;
    rule-starts)       method=hybrid; config='{"hybrid": {"use_policy": true, "policy_starts": 0}}' ;;
    uniform-proposals) method=hybrid; config='{"hybrid": {"use_policy": true, "proposal_mix": 0.0}}' ;;
    repair)            method=hybrid
                       config="{\"hybrid\": {\"use_policy\": false, ${REPAIR:+\"repair_path\": \"$REPAIR\", }\"search\": {\"repair_weight\": 1.0}}}" ;;
    region)            method=hybrid; config='{"hybrid": {"search": {"region_probability": 0.3}}}' ;;
    rivals)            method=hybrid; config='{"hybrid": {"search": {"rival_pool": 10, "screen_attempts": 6}}}' ;;
    pairs)             method=hybrid; config='{"hybrid": {"search": {"pair_weights": [16, 16, 9, 9, 2, 2], "gu_ends_only": true}}}' ;;
    parts)             method=hybrid; config='{"hybrid": {"search": {"part_levels": 2, "share_repeats": true}}}' ;;
    portfolio)         method=hybrid; config='{"hybrid": {"search": {"portfolio": 3, "stagnation_steps": 400}}}' ;;
    focus)             method=hybrid; config='{"hybrid": {"search": {"focus_probability": 0.2, "rival_pool": 10}}}' ;;
    rank-ties)         method=hybrid; config='{"hybrid": {"search": {"rank_ties": true}}}' ;;
    boost-starts)      method=hybrid; config='{"hybrid": {"search": {"initialisation": "gc_a_boost"}}}' ;;
    kick)              method=hybrid; config='{"hybrid": {"search": {"kick_probability": 1.0, "kick_sites": 8}}}' ;;
    prob-ties)         method=hybrid; config='{"hybrid": {"search": {"distance_ties": "probability"}}}' ;;
    no-mismatch)       method=hybrid; config='{"hybrid": {"search": {"mismatch_probability": 0.0}}}' ;;
    restart-parts)     method=hybrid; config='{"hybrid": {"search": {"restart_parts": true}}}' ;;
    luby)              method=hybrid; config='{"hybrid": {"search": {"restart_base": 500}}}' ;;
    free-sites)        method=hybrid; config='{"hybrid": {"search": {"free_site_share": 0.1}}}' ;;
    no-hairpin)        method=hybrid; config='{"hybrid": {"search": {"hairpin_probability": 0.0}}}' ;;
    no-lone-pair)      method=hybrid; config='{"hybrid": {"search": {"lone_pair_probability": 0.0}}}' ;;
    part-screen)       method=hybrid; config='{"hybrid": {"search": {"part_screen": true}}}' ;;
    short-parts)       method=hybrid; config='{"hybrid": {"search": {"short_parts": true, "part_evaluations": 1000}}}' ;;
    no-short-prob)     method=hybrid; config='{"hybrid": {"search": {"short_length": 0}}}' ;;
    meta-search)       method=meta-learna; config='{"env": {"improvement": "search"}}' ;;
    adapt-search)      method=meta-learna-adapt; config='{"env": {"improvement": "search"}}' ;;
    meta-lis)          method=meta-learna; config='{"env": {"improvement": "lis"}}' ;;
    adapt-lis)         method=meta-learna-adapt; config='{"env": {"improvement": "lis"}}' ;;
    learna-lis)        method=learna; config='{"env": {"improvement": "lis"}}' ;;
    learna-search)     method=learna; config='{"env": {"improvement": "search"}}' ;;
    *) echo "unknown arm $arm" >&2; exit 2 ;;
  esac
  echo "$config" > "$OUT/$arm.json"
  weights=()  # only the arms that run a pretrained policy take CHECKPOINT
  case $arm in hybrid|rule-starts|uniform-proposals|meta-*|adapt-*) weights=(${checkpoint[@]+"${checkpoint[@]}"}) ;; esac
  "$LEARNA" benchmark --dataset "$DATASET" --method "$method" --config "$OUT/$arm.json" --time-limit "$LIMIT" \
    ${weights[@]+"${weights[@]}"} --processes 2 --seed "${SEED:-0}" --resume --out "$OUT/$arm"
done

"$LEARNA" report "${arms[@]/#/$OUT/}" | tee "$OUT/report.txt"
