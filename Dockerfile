# syntax=docker/dockerfile:1
# Parlor's production image: the locked packages, the code and its collected static files; runs scripts/serve.
# Build and run it with docker-compose.yml (README, "Deploying").

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
# uv from PyPI, pinned as scripts/bootstrap installs it; then exactly the packages of uv.lock, without dev tools.
ENV UV_VERSION=0.13.9 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN python -m venv /opt/uv \
 && /opt/uv/bin/pip install --quiet --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv /opt/uv/bin/uv sync --frozen --no-dev

FROM ${PYTHON_IMAGE}
RUN useradd --system --user-group --uid 10001 --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin parlor
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/srv/static \
    PARLOR_LANE_HOST=0.0.0.0
COPY --from=build /app/.venv /app/.venv
COPY . .
# collectstatic needs the production settings but no service: these values exist only in this build step.
RUN SECRET_KEY=build-only-placeholder-never-used-to-serve-0123456789abcdefghij \
    ALLOWED_HOSTS=build.invalid CSRF_TRUSTED_ORIGINS=https://build.invalid \
    DATABASE_URL=postgres://build@build.invalid/build REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput \
 && python -m compileall -q config core games
# The code and static files stay owned by root: the server cannot change them.
USER parlor
EXPOSE 8000 8001
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=2)"]
CMD ["scripts/serve"]
