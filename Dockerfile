# syntax=docker/dockerfile:1
# Puente's production image: the app server, the task worker and the
# scheduler, each started by deploy/entrypoint.sh (the same script the stack
# test and the systemd units run). compose.yaml runs it; docs/operations.md
# says how. Built with `docker build -t puente .`.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: the virtualenv, compiled translations and collected static files.
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Production settings need their variables to load: throwaway values, on
# these lines only (nothing is contacted; none of them reaches the image).
# collectstatic writes the manifest that production's static storage reads.
RUN export DJANGO_SETTINGS_MODULE=config.settings.production \
        SECRET_KEY=build-only-not-a-secret \
        ALLOWED_HOSTS=localhost \
        SITE_URL=https://build.invalid \
        DATABASE_URL=postgres://build@127.0.0.1:1/build \
        REDIS_URL=redis://127.0.0.1:1/0 \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput \
    && python -m compileall -q /app

# --- the image: Python, the virtualenv and the project, as user puente.
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PUENTE_BIND=0.0.0.0:8000
# A fixed uid/gid (10001) so that volumes and host directories can be given
# to it: media (uploads) and the static volume nginx serves.
RUN groupadd --system --gid 10001 puente \
    && useradd --system --uid 10001 --gid puente --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin puente
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app
RUN mkdir -p /app/media \
    && chown -R puente:puente /app/media /app/staticfiles
# Numeric, so that a runtime can check it is not root (runAsNonRoot).
USER 10001:10001
EXPOSE 8000
# Liveness only (no database): compose checks /health/ready for the app.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('PUENTE_BIND', ':8000').rsplit(':', 1)[1]; urllib.request.urlopen(f'http://127.0.0.1:{port}/health/live', timeout=4)"]
ENTRYPOINT ["deploy/entrypoint.sh"]
CMD ["web"]
