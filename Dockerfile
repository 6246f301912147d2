# learna: design RNA sequences for target structures, and re-run its BOHB meta-optimisation.
#
#   docker build -t learna .
#   docker run --rm learna design --target "(((((......)))))" --seed 1
#   docker run --rm --entrypoint dask learna scheduler      # also a Dask scheduler / worker (compose.dask.yaml)
#
# CPU-only: torch comes from PyTorch's CPU wheel index (no CUDA libraries, ~1 GB smaller).
# Build args:
#   PYTHON_IMAGE     base image of all stages (default python:3.11-slim)
#   TORCH_INDEX_URL  where torch comes from (default PyTorch's CPU index)
# Offline / proxied builds (used by scripts/test-container.sh):
#   - wheels put in ./wheelhouse/ of the build context are used for torch instead of TORCH_INDEX_URL;
#   - a CA bundle passed as build secret `pip_cert` (docker build --secret id=pip_cert,src=FILE) is
#     given to pip, for networks behind a TLS-intercepting proxy. Neither is needed normally.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# requirements: the pinned dependencies and the `dask` extra (batch runs on a Dask cluster: the
# image is also a Dask scheduler and worker), read from pyproject.toml (one list to keep up to date).
# Its output changes only when those lists (or ./wheelhouse) do, so editing the rest of
# pyproject.toml (tool settings, version) keeps the dependency layers below cached.
FROM ${PYTHON_IMAGE} AS requirements
WORKDIR /req
COPY pyproject.toml wheelhouse* ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print(*p['dependencies'], *p['optional-dependencies']['dask'], sep='\n')" > requirements.txt \
    && grep -E '^torch[ =<>!~]' requirements.txt > torch.txt \
    && rm pyproject.toml

# ---------------------------------------------------------------------------------------------
# builder: compilers live here only (netifaces, needed by hpbandster, has no wheel for 3.11)
FROM ${PYTHON_IMAGE} AS builder

# Versions of Debian packages are not pinned: this stage is thrown away, and pinning exact Debian
# point releases makes the build fail whenever the mirror moves on to a security update.
# python3-dev is only installed on bases whose Python has no headers (Debian's python3; the
# official python images ship them).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && if ! python -c 'import pathlib, sys, sysconfig; sys.exit(not pathlib.Path(sysconfig.get_paths()["include"], "Python.h").exists())'; then \
           apt-get install -y --no-install-recommends python3-dev; \
       fi \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# 1) Dependencies: torch first (CPU build), then the rest. The dependencies' own test suites are
#    dropped (~180 MB, never imported by learna).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
WORKDIR /tmp/deps
COPY --from=requirements /req/ ./
RUN --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
    && if ls ./torch-*.whl >/dev/null 2>&1; then \
           pip install --find-links . -r torch.txt; \
       else \
           pip install --index-url "$TORCH_INDEX_URL" -r torch.txt; \
       fi \
    && pip install -r requirements.txt \
    && find /opt/venv/lib -type d -name tests -prune -exec rm -rf {} +

# 2) The package itself (source, Eterna100 data, weights), as a wheel. A separate stage, so that
#    a source change rebuilds only this small wheel and the last, small layers of the final image.
FROM builder AS wheel
WORKDIR /src
COPY pyproject.toml README* ./
COPY learna ./learna
RUN --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
    && pip wheel --no-deps --wheel-dir /wheels .

# ---------------------------------------------------------------------------------------------
# runtime: the base image + the venv; no compilers, no pip caches, not root
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="learna" \
      org.opencontainers.image.description="Design RNA sequences for target secondary structures (LEARNA, BOHB)" \
      org.opencontainers.image.licenses="MIT"

# DASK_*: Dask's own monitoring turned down in scheduler and worker containers (learna's tasks do not use
# it; by default it takes about 15 % of a core per idle cluster: scripts/dask_local_cluster.sh)
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLBACKEND=Agg \
    DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False \
    DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=1s \
    DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL=5s \
    DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL=1s

RUN useradd -l --create-home --uid 10001 --user-group learna \
    && install -d -o learna -g learna /results

# the dependencies: one big layer, reused as long as the dependency list does not change
COPY --from=builder /opt/venv /opt/venv
# learna itself: small layers on top. (COPY --from rather than RUN --mount=from=wheel: buildah
# 1.28, podman's builder on Debian 12, neither waits for nor re-checks a stage used by a mount.)
COPY --from=wheel /wheels/ /tmp/wheels/
RUN pip install --no-cache-dir --disable-pip-version-check --no-index --no-deps /tmp/wheels/learna-*.whl \
    && rm -rf /tmp/wheels \
    && learna --version \
    && dask --version

# numeric, so that orchestrators can check it is not root (runAsNonRoot)
USER 10001:10001
WORKDIR /results
ENTRYPOINT ["learna"]
CMD ["--help"]
