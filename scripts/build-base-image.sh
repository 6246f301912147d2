#!/usr/bin/env bash
# Make sure the container engine has a `python:3.11-slim` image to build from.
#
# Order: an image already present locally -> a pull from the registry -> a local
# stand-in. The stand-in is Debian bookworm (debootstrap, minbase variant) with
# Debian's python3 (3.11), python3-venv and a `python` -> python3 symlink, so the
# Dockerfile builds unchanged on it. It exists for machines that reach Debian's
# package mirror but no image registry (like this project's CI machines); on a
# normal machine the real image is pulled and the stand-in is never built.
#
# The rootfs tarball is cached (LEARNA_CONTAINER_CACHE, default
# /var/cache/learna-container) so reruns only `import` it (a few seconds).
#
# Usage: scripts/build-base-image.sh [docker|podman]
# Env:   LEARNA_BASE_IMAGE   image name to provide (default python:3.11-slim)
#        LEARNA_DEBIAN_MIRROR  (default http://deb.debian.org/debian)
#        LEARNA_CONTAINER_CACHE (default /var/cache/learna-container)
#        LEARNA_BASE_NO_PULL=1  skip the pull attempt
set -euo pipefail

ENGINE="${1:-${LEARNA_CONTAINER_ENGINE:-podman}}"
BASE_IMAGE="${LEARNA_BASE_IMAGE:-python:3.11-slim}"
MIRROR="${LEARNA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE_DIR="${LEARNA_CONTAINER_CACHE:-/var/cache/learna-container}"
SUITE=bookworm
# Packages on top of minbase. Changing this list changes the cache key below.
PACKAGES="python3,python3-venv,ca-certificates"
RECIPE_VERSION=2

log() { printf '[base-image] %s\n' "$*" >&2; }

# Fully qualified name: podman prefers it, docker accepts both.
case "$BASE_IMAGE" in
    */*) QUALIFIED="$BASE_IMAGE" ;;
    *) QUALIFIED="docker.io/library/$BASE_IMAGE" ;;
esac

image_exists() {
    "$ENGINE" image inspect "$1" >/dev/null 2>&1
}

if image_exists "$BASE_IMAGE" || image_exists "$QUALIFIED"; then
    log "$BASE_IMAGE is present"
    exit 0
fi

if [[ "${LEARNA_BASE_NO_PULL:-0}" != 1 ]]; then
    log "trying to pull $QUALIFIED"
    if timeout 600 "$ENGINE" pull "$QUALIFIED" >&2; then
        exit 0
    fi
    log "pull failed: building a local stand-in for $BASE_IMAGE"
fi

key="$(printf '%s|%s|%s|%s' "$SUITE" "$PACKAGES" "$MIRROR" "$RECIPE_VERSION" | sha256sum | cut -c1-12)"
tarball="$CACHE_DIR/${SUITE}-python3-minbase-${key}.tar"

if [[ ! -s "$tarball" ]]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
    fi
    mkdir -p "$CACHE_DIR"
    rootfs="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
    trap 'rm -rf "$rootfs" "$tarball.partial"' EXIT
    log "debootstrap $SUITE (minbase + $PACKAGES) from $MIRROR"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 || {
        tail -n 30 "$CACHE_DIR/debootstrap.log" >&2
        exit 1
    }
    # Look like the official image: `python` on PATH, the same apt sources, no apt caches.
    ln -sf python3 "$rootfs/usr/bin/python"
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # Like Debian's slim images: no docs, man pages or translations (now or on later apt installs).
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb \
        "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/* "$rootfs"/tmp/*
    : >"$rootfs/etc/resolv.conf"
    : >"$rootfs/etc/hostname"
    tar --numeric-owner -C "$rootfs" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
    log "cached $tarball ($(du -h "$tarball" | cut -f1))"
else
    log "using cached $tarball"
fi

"$ENGINE" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    "$tarball" "$QUALIFIED" >/dev/null
if [[ "$ENGINE" == docker ]]; then
    # docker names images without the docker.io/library/ prefix
    docker tag "$QUALIFIED" "$BASE_IMAGE"
fi
log "imported stand-in as $QUALIFIED"
