# syntax=docker/dockerfile:1
# One image for both services: `docker run newswire ingest` or `docker run newswire enrich`.

# The uv of ./dev (the tests check they match), so the image reads uv.lock as developers write it.
ARG UV_VERSION=0.13.8
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /bin/uv
# Use the image's Python: a downloaded one would live outside /app and not reach the final stage.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock changes, not on every code edit.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

# Editable on purpose: the code finds schemas/ and samples/ next to services/. README.md is the package readme.
COPY README.md ./
COPY schemas ./schemas
COPY samples ./samples
COPY services ./services
RUN uv sync --locked --no-dev


FROM ${PYTHON_IMAGE}
RUN useradd --create-home --uid 10001 newswire
WORKDIR /app
COPY --from=build /app /app
# Feed state (NEWSWIRE_FEEDS_STATE_FILE defaults to var/feeds-state.json) must be writable.
RUN mkdir -p /app/var && chown newswire /app/var

ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1
# The settings default to 127.0.0.1, which nothing outside the container (Prometheus, clients) can reach.
ENV NEWSWIRE_INGEST_HOST=0.0.0.0 NEWSWIRE_ENRICH_HOST=0.0.0.0
# spaCy is faster single-threaded per process, as ./dev sets it too.
ENV OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

USER newswire
# Ingest API and metrics; enrich worker metrics, /healthz and /readyz.
EXPOSE 8080 6066
ENTRYPOINT ["newswire"]
CMD ["ingest"]
