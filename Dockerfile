# syntax=docker/dockerfile:1.7
# BYOM's production image: `docker build -t byom .` (docs/operations.md). Two stages: the
# builder resolves nothing (uv installs exactly uv.lock) and the runtime holds the virtual
# environment, the source and the migrations, owned by root and read-only to the service user.
#
# Not built on the project's development machines: they have no container runtime and cannot
# fetch base images. tests/deploy/ checks this file's properties and runs deploy/entrypoint.sh
# the way this image runs it (README, "Deploying").

# Pin these by digest in your registry (python:3.11-slim-bookworm@sha256:…) for repeatable builds.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

# --- builder: the locked environment ---------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
# Optional extras of pyproject.toml, as uv's flags: `--build-arg UV_EXTRAS="--extra kms"` for
# the KMS key wrapper (docs/operations.md, "Master keys in a KMS"). None by default.
ARG UV_EXTRAS=""
# Bytecode compiled now (the runtime's filesystem is read-only); copies, not hard links, from
# uv's cache mount; the base image's Python, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first, in a layer that changes only with uv.lock. Every runtime dependency has a
# wheel for CPython 3.11 on manylinux x86_64: no compiler here either.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project $UV_EXTRAS
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
COPY migrations ./migrations
# The project itself (editable: the venv points at /app/src), still exactly what uv.lock says.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev $UV_EXTRAS \
 && python -m compileall -q --invalidation-mode unchecked-hash src migrations

# --- runtime: the venv, the source, nothing to build with ------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to the server and reaps the workers' children. (Or run
# without it under `docker run --init`; Kubernetes needs it, having no such flag.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 byom \
 && useradd --system --uid 10001 --gid byom --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin byom
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /app/src /app/src
COPY --from=builder /app/migrations /app/migrations
COPY --chmod=0755 deploy/entrypoint.sh /app/deploy/entrypoint.sh
# Production, listening on every interface, logging JSON. Nothing is written under the image:
# BYOM_VAR_DIR names a directory that does not exist (production never uses it), Python writes
# no bytecode, and the only writable place is /tmp (a tmpfs in compose.yaml and k8s), where
# the workers share their metrics.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/nonexistent \
    BYOM_ENV=production \
    BYOM_HOST=0.0.0.0 \
    BYOM_PORT=8000 \
    BYOM_WORKERS=2 \
    BYOM_LOG_FORMAT=json \
    BYOM_VAR_DIR=/nonexistent/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/byom-metrics
USER 10001:10001
EXPOSE 8000
STOPSIGNAL SIGTERM
# No curl in the image: the liveness route through the standard library.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('BYOM_PORT', '8000') + '/health/live', timeout=2)"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/deploy/entrypoint.sh"]
CMD ["serve"]
