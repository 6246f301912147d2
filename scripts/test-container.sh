#!/usr/bin/env bash
# Build the learna image and run it for real, with the commands of docs/docker.md:
# `learna --version`, a design, a seconds-long `learna hpo run` in one container, the
# master + 2 workers of compose.yaml as separate containers on a private network, and a
# benchmark on the Dask scheduler + 2 workers of compose.dask.yaml, also as separate containers.
#
# Usage: scripts/test-container.sh [--skip-hpo] [--skip-dask] [--rm-image]
#   --skip-hpo     skip both meta-optimisation checks (also: LEARNA_CONTAINER_SKIP_HPO=1)
#   --skip-dask    skip the Dask cluster check (also: LEARNA_CONTAINER_SKIP_DASK=1)
#   --rm-image     remove the test image afterwards (default: keep it, so reruns build warm)
# Env:
#   LEARNA_CONTAINER_ENGINE   docker | podman (default: docker if its daemon answers, else podman)
#   LEARNA_IMAGE              tag to build (default learna:test)
#   LEARNA_TORCH_WHEEL_DIR    directory searched for a local torch CPU wheel handed to the build
#                             instead of PyTorch's CPU index (default /opt/wheels; none found ->
#                             the index is used, as for any user)
#   LEARNA_PIP_CERT           CA bundle for pip inside the build (default: $PIP_CERT or pip's
#                             global.cert, for networks behind a TLS-intercepting proxy)
#
# Engine notes: with podman (no docker daemon; installed with apt-get when missing, we must be
# root then) everything runs with --runtime runc and lowered ulimits (nofile 4096; nproc 8192 for
# containers: podman's defaults exceed what this kind of VM allows), and the build and the
# single-container checks with --network host. When no `python:3.11-slim` image can be pulled,
# scripts/build-base-image.sh builds a Debian bookworm stand-in (cached under
# /var/cache/learna-container).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${LEARNA_IMAGE:-learna:test}"
SKIP_HPO="${LEARNA_CONTAINER_SKIP_HPO:-0}"
SKIP_DASK="${LEARNA_CONTAINER_SKIP_DASK:-0}"
RM_IMAGE=0
for arg in "$@"; do
    case "$arg" in
        --skip-hpo) SKIP_HPO=1 ;;
        --skip-dask) SKIP_DASK=1 ;;
        --rm-image) RM_IMAGE=1 ;;
        -h | --help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

# Keeps the meta-optimisation checks to seconds: 4 short validation targets instead of the
# default 32 of length 50-150. Everything else is the command of docs/docker.md / compose.yaml.
HPO_QUICK=(--validation-count 4 --validation-length 20 40)

RUN_ID="learna-ct-$$"
T_START=$SECONDS
PHASES=()
phase_start() { PHASE_NAME="$1"; PHASE_T0=$SECONDS; printf '\n=== %s\n' "$1"; }
phase_end() {
    local dt=$((SECONDS - PHASE_T0))
    PHASES+=("$(printf '%-26s %4d s' "$PHASE_NAME" "$dt")")
    printf '=== %s: %d s\n' "$PHASE_NAME" "$dt"
}
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ engine
phase_start "engine"
ENGINE="${LEARNA_CONTAINER_ENGINE:-}"
if [[ -z "$ENGINE" ]]; then
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        ENGINE=docker
    else
        ENGINE=podman
    fi
fi
if [[ "$ENGINE" == podman ]] && ! command -v podman >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] || fail "podman is missing and we are not root to install it"
    echo "installing podman (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        podman buildah runc uidmap fuse-overlayfs catatonit containernetworking-plugins \
        debootstrap >/dev/null
fi
ENGINE_ARGS=()   # global flags
BUILD_ARGS=()    # `build` flags
LIMIT_ARGS=()    # `run` flags of every container
HOST_NET=()      # `run` flags of the single-container checks
if [[ "$ENGINE" == podman ]]; then
    ENGINE_ARGS=(--runtime runc)
    BUILD_ARGS=(--runtime runc --network host --ulimit nofile=4096:4096)
    LIMIT_ARGS=(--ulimit nofile=4096:4096 --ulimit nproc=8192:8192)
    HOST_NET=(--network host)
fi
engine() { "$ENGINE" "${ENGINE_ARGS[@]}" "$@"; }
"$ENGINE" --version
phase_end

CONTEXT=""
VOLUME="$RUN_ID-results"
NETWORK="$RUN_ID-net"
SECRET_FILE=""
cleanup() {
    local rc=$?
    set +e
    # containers of this run (the single-container checks are already gone: --rm)
    local ids=()
    mapfile -t ids < <(engine ps -aq --filter "label=learna.test.run=$RUN_ID" 2>/dev/null)
    ((${#ids[@]})) && engine rm -f "${ids[@]}" >/dev/null 2>&1
    engine network rm "$NETWORK" >/dev/null 2>&1
    engine volume rm -f "$VOLUME" >/dev/null 2>&1
    [[ -n "$CONTEXT" ]] && rm -rf "$CONTEXT"
    [[ -n "$SECRET_FILE" ]] && rm -f "$SECRET_FILE"
    if [[ "$RM_IMAGE" == 1 ]]; then engine rmi -f "$IMAGE" >/dev/null 2>&1; fi
    if ((${#PHASES[@]})); then
        printf '\n--- timings (%s)\n' "$ENGINE"
        printf '%s\n' "${PHASES[@]}"
        printf '%-26s %4d s\n' "total" "$((SECONDS - T_START))"
    fi
    if [[ $rc == 0 ]]; then echo "container test: OK"; else echo "container test: FAILED (exit $rc)" >&2; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ base image
phase_start "base image"
LEARNA_CONTAINER_ENGINE="$ENGINE" bash "$ROOT/scripts/build-base-image.sh" "$ENGINE"
phase_end

# ------------------------------------------------------------------ build context
# A temporary copy of the repository's files (git's view when available: tracked + untracked
# not ignored), so that a local torch wheel can be added as ./wheelhouse without touching the repo.
phase_start "build context"
CONTEXT="$(mktemp -d "${TMPDIR:-/tmp}/learna-build.XXXXXX")"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -C "$CONTEXT" -xf -
else
    tar -C "$ROOT" --exclude=.git --exclude=.venv --exclude=runs -cf - . | tar -C "$CONTEXT" -xf -
fi
for f in Dockerfile .dockerignore pyproject.toml; do
    [[ -e "$CONTEXT/$f" ]] || cp "$ROOT/$f" "$CONTEXT/$f"
done
[[ -d "$CONTEXT/learna" ]] || cp -r "$ROOT/learna" "$CONTEXT/learna"

wheel=""
shopt -s nullglob
for w in "${LEARNA_TORCH_WHEEL_DIR:-/opt/wheels}"/torch-2.13.0+cpu-cp311-*.whl; do wheel="$w"; done
shopt -u nullglob
if [[ -n "$wheel" ]]; then
    mkdir -p "$CONTEXT/wheelhouse"
    ln "$wheel" "$CONTEXT/wheelhouse/" 2>/dev/null || cp "$wheel" "$CONTEXT/wheelhouse/"
    echo "torch from local wheel: $(basename "$wheel")"
else
    echo "torch from PyTorch's CPU index"
fi

SECRET_ARGS=()
cert="${LEARNA_PIP_CERT:-${PIP_CERT:-}}"
if [[ -z "$cert" ]]; then
    cert="$(python3 -m pip config get global.cert 2>/dev/null || true)"
fi
if [[ -n "$cert" && -s "$cert" ]]; then
    SECRET_ARGS=(--secret "id=pip_cert,src=$cert")
    echo "pip CA bundle for the build: $cert"
fi
echo "context: $CONTEXT ($(du -sh "$CONTEXT" | cut -f1))"
phase_end

# ------------------------------------------------------------------ build
phase_start "build"
build_log="$CONTEXT.build.log"
if ! engine build "${BUILD_ARGS[@]}" "${SECRET_ARGS[@]}" -t "$IMAGE" -f "$CONTEXT/Dockerfile" "$CONTEXT" >"$build_log" 2>&1; then
    tail -n 60 "$build_log" >&2
    rm -f "$build_log"
    fail "image build"
fi
grep -E '^(\[[0-9/]+\] )?(STEP|COMMIT)|^#[0-9]+ (CACHED|DONE)' "$build_log" | cut -c1-120 | tail -n 40 || true
echo "build steps taken from the cache: $(grep -c -E -- '--> Using cache|CACHED' "$build_log" || true)"
rm -f "$build_log"
size_bytes="$(engine image inspect --format '{{.Size}}' "$IMAGE")"
echo "image $IMAGE: $((size_bytes / 1000000)) MB"
phase_end

run() {
    engine run --rm --init "${LIMIT_ARGS[@]}" "${HOST_NET[@]}" --label "learna.test.run=$RUN_ID" "$@"
}

# ------------------------------------------------------------------ checks
phase_start "version"
out="$(run "$IMAGE" --version)"
echo "$out"
[[ "$out" =~ ^learna\ [0-9] ]] || fail "learna --version printed: $out"
phase_end

phase_start "image hygiene"
uid="$(run --entrypoint id "$IMAGE" -u)"
[[ "$uid" != 0 ]] || fail "the image runs as root"
if run --entrypoint sh "$IMAGE" -c 'command -v gcc || command -v cc' >/dev/null; then
    fail "a compiler is left in the final image"
fi
run --entrypoint python "$IMAGE" -c 'import torch; assert not torch.cuda.is_available(); print("torch", torch.__version__)'
# the image holds the source that was just built (guards against stale build caches)
tree_hash='
import hashlib, pathlib, sys
root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__import__("learna").__file__).parent
h = hashlib.sha256()
for p in sorted(root.rglob("*.py")):
    if "__pycache__" not in p.parts:
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
print(h.hexdigest())'
in_image="$(run --entrypoint python "$IMAGE" -c "$tree_hash")"
in_context="$(python3 -c "$tree_hash" "$CONTEXT/learna")"
[[ "$in_image" == "$in_context" ]] || fail "the image's learna/*.py differ from the build context's"
echo "user id $uid, no compiler, learna sources match the build context"
phase_end

phase_start "design"
target="(((((......)))))"
out="$(run "$IMAGE" design --target "$target" --seed 1 --json --time-limit 30)" ||
    fail "learna design exited non-zero"
echo "$out"
printf '%s\n' "$out" | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin if line.strip()]
assert rows, "no JSON output"
assert all(r.get("solved") is True for r in rows), "not solved"
' || fail "the design is not solved"
phase_end

check_run_dir() {  # $1: directory in the results volume
    local listing
    listing="$(run -v "$VOLUME:/results" --entrypoint ls "$IMAGE" -A "$1")" || fail "no $1"
    echo "$1: $(echo "$listing" | tr '\n' ' ')"
    for f in run.json configs.json results.json; do
        grep -qx "$f" <<<"$listing" || fail "$1 has no $f"
    done
}

if [[ "$SKIP_HPO" == 1 ]]; then
    echo "skipping the meta-optimisation checks (LEARNA_CONTAINER_SKIP_HPO=1 / --skip-hpo)"
else
    # -------------------------------------------------------------- one container
    phase_start "hpo run (1 container)"
    engine volume create "$VOLUME" >/dev/null
    run -v "$VOLUME:/results" "$IMAGE" \
        hpo run --space learna --workers 2 --min-budget 1 --max-budget 3 --iterations 1 --out /results/hpo1 \
        "${HPO_QUICK[@]}" || fail "learna hpo run exited non-zero"
    check_run_dir /results/hpo1
    phase_end

    # -------------------------------------------------------------- master + workers
    # compose.yaml's services as plain containers: an internal network, the master reachable as
    # `master` (an --add-host entry, as podman 4.3's DNS plugin does not serve internal networks),
    # the shared secret at /run/secrets/hpo_secret (read-only, readable by the image's user) and
    # the shared results volume.
    phase_start "hpo master + 2 workers"
    engine network create --internal "$NETWORK" >/dev/null
    SECRET_FILE="$(mktemp "${TMPDIR:-/tmp}/learna-hpo-secret.XXXXXX")"
    python3 -c 'import secrets; print(secrets.token_hex(32))' >"$SECRET_FILE"
    chmod 0444 "$SECRET_FILE"
    common=(--init "${LIMIT_ARGS[@]}" --label "learna.test.run=$RUN_ID" --network "$NETWORK"
        -v "$VOLUME:/results" -v "$SECRET_FILE:/run/secrets/hpo_secret:ro")
    engine run -d "${common[@]}" --name "$RUN_ID-master" --hostname master "$IMAGE" \
        hpo master --space learna --host 0.0.0.0 --port 9090 --secret-file /run/secrets/hpo_secret \
        --run-id "$RUN_ID" --out /results/hpo --min-budget 1 --max-budget 3 --iterations 1 --min-workers 2 \
        "${HPO_QUICK[@]}" >/dev/null
    master_ip="$(engine inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$RUN_ID-master")"
    [[ -n "$master_ip" ]] || fail "the master container has no address on $NETWORK"
    for i in 1 2; do
        engine run -d "${common[@]}" --name "$RUN_ID-worker$i" --add-host "master:$master_ip" "$IMAGE" \
            hpo worker --nameserver master:9090 --run-id "$RUN_ID" --secret-file /run/secrets/hpo_secret >/dev/null
    done
    master_rc="$(timeout 600 "$ENGINE" "${ENGINE_ARGS[@]}" wait "$RUN_ID-master" || echo timeout)"
    engine logs "$RUN_ID-master" 2>&1 | tail -n 12
    [[ "$master_rc" == 0 ]] || fail "learna hpo master exited with $master_rc"
    for i in 1 2; do
        rc="$(timeout 120 "$ENGINE" "${ENGINE_ARGS[@]}" wait "$RUN_ID-worker$i" || echo timeout)"
        if [[ "$rc" != 0 ]]; then
            engine logs "$RUN_ID-worker$i" 2>&1 | tail -n 20
            fail "learna hpo worker $i exited with $rc"
        fi
    done
    echo "master and workers exited 0"
    check_run_dir /results/hpo
    phase_end
fi

if [[ "$SKIP_DASK" == 1 ]]; then
    echo "skipping the Dask cluster check (LEARNA_CONTAINER_SKIP_DASK=1 / --skip-dask)"
else
    # ------------------------------------------------------------------ dask scheduler + workers
    # compose.dask.yaml's services as plain containers on the internal network: the scheduler
    # reachable as `scheduler` (--add-host, as for the master above), 2 workers, and the client
    # `learna benchmark --scheduler` writing its run directory into the results volume.
    phase_start "dask scheduler + 2 workers"
    engine network inspect "$NETWORK" >/dev/null 2>&1 || engine network create --internal "$NETWORK" >/dev/null
    engine volume inspect "$VOLUME" >/dev/null 2>&1 || engine volume create "$VOLUME" >/dev/null
    common=(--init "${LIMIT_ARGS[@]}" --label "learna.test.run=$RUN_ID" --network "$NETWORK")
    engine run -d "${common[@]}" --name "$RUN_ID-scheduler" --hostname scheduler --entrypoint dask "$IMAGE" \
        scheduler --host 0.0.0.0 --port 8786 --no-dashboard >/dev/null
    scheduler_ip="$(engine inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$RUN_ID-scheduler")"
    [[ -n "$scheduler_ip" ]] || fail "the scheduler container has no address on $NETWORK"
    for i in 1 2; do
        engine run -d "${common[@]}" --name "$RUN_ID-dask-worker$i" --add-host "scheduler:$scheduler_ip" \
            --entrypoint dask "$IMAGE" worker tcp://scheduler:8786 --nworkers 1 --nthreads 1 --no-dashboard >/dev/null
    done
    if ! out="$(timeout 600 "$ENGINE" "${ENGINE_ARGS[@]}" run --rm "${common[@]}" --add-host "scheduler:$scheduler_ip" \
        -v "$VOLUME:/results" "$IMAGE" benchmark --scheduler tcp://scheduler:8786 --dataset eterna100-v2 \
        --method hybrid --ids 8,1,23 --time-limit 10 --out /results/dask --json --quiet)"; then
        for name in scheduler dask-worker1 dask-worker2; do engine logs "$RUN_ID-$name" 2>&1 | tail -n 12; done
        fail "learna benchmark --scheduler exited non-zero"
    fi
    echo "$out"
    printf '%s\n' "$out" | python3 -c '
import json, sys
summary = json.load(sys.stdin)
assert summary["records"] == 3, summary
assert summary["solved_at_limit"]["any"] == 3, summary
' || fail "the benchmark on the Dask cluster did not record 3 solved targets"
    echo "3 targets designed on the Dask workers, recorded by the client"
    phase_end
fi

echo "image size: $((size_bytes / 1000000)) MB"
