# syntax=docker/dockerfile:1
# One image for the applications: the case store, its notifier and migrations, and the
# channels apps (public and internal). The process is chosen by the command (docs/deploy.md):
#   gunicorn ... 'casestore:create_app()'            the case store, port 8080
#   flask --app casestore notifier                   the notifier
#   flask --app casestore init                       migrations (+ the first admin account)
#   gunicorn ... 'channels:create_app()'             the channels' public app, port 8000
#   gunicorn ... 'channels:create_internal_app()'    the channels' internal app, port 8001
# Build from the repository root:
#   docker build -f deploy/docker/apps.Dockerfile -t atl311/apps:VERSION .
# No secret is baked in: every token, password and database URL comes from the
# environment (or compose secrets, through deploy/docker/with-secrets) at run time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the virtual environment and the compiled translations ------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements/apps.lock /tmp/apps.lock
# Every wheel is checked against the lock's hashes; --no-deps: the lock is the whole tree.
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r /tmp/apps.lock \
    && /opt/venv/bin/pip check
WORKDIR /app
# Only what the apps read at run time: their packages (templates, static files,
# translations, the alembic migrations live inside them) and config/ (the catalog,
# the city limits, the offline geocoder's files, emergency cues, languages,
# config/gunicorn.conf.py). .dockerignore keeps var/, models/, tests and caches out.
COPY casestore/ casestore/
COPY channels/ channels/
COPY config/ config/
# The .mo files are build output (gitignored; bin/setup compiles them for a checkout).
RUN for dir in casestore/translations channels/translations; do \
        /opt/venv/bin/pybabel -q compile -d "$dir"; \
    done \
    && /opt/venv/bin/python -m compileall -q casestore channels config

# --- runtime -------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# A fixed, unprivileged uid/gid (the Kubernetes manifests' runAsUser matches it).
RUN groupadd --system --gid 10001 atl311 \
    && useradd --system --uid 10001 --gid atl311 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin atl311 \
    && mkdir -p /var/lib/atl311 \
    && chown atl311:atl311 /var/lib/atl311
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY deploy/docker/with-secrets /usr/local/bin/with-secrets
COPY deploy/docker/healthcheck.py /usr/local/bin/atl311-healthcheck
# CASESTORE_VAR_DIR: the case store's local state (an outbox of .eml files without
# SMTP_HOST, local photos): a volume in compose, an emptyDir in Kubernetes.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CASESTORE_VAR_DIR=/var/lib/atl311 \
    HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
WORKDIR /app
USER 10001:10001
EXPOSE 8080 8000 8001
# The command picks the process, so the probe's address is a variable (compose and
# the manifests set their own checks; the notifier's is --database DATABASE_URL).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/usr/local/bin/atl311-healthcheck"]
ENTRYPOINT ["/usr/local/bin/with-secrets"]
CMD ["gunicorn", "--config", "config/gunicorn.conf.py", "--bind", "0.0.0.0:8080", \
     "--workers", "2", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", \
     "casestore:create_app()"]
