# syntax=docker/dockerfile:1
# The assistant's two images, from one file because they share the source (bot/) and
# the build steps; pick one with --target (docs/deploy.md):
#   docker build -f deploy/docker/assistant.Dockerfile --target rasa    -t atl311/rasa:VERSION .
#   docker build -f deploy/docker/assistant.Dockerfile --target actions -t atl311/actions:VERSION .
# The Rasa image carries its trained model (models/atl311.tar.gz, trained by the `train`
# stage from config.yml, domain.yml and bot/data as bin/train does): one image per model
# version, rolled out like any other image. No secret is baked in.

ARG RASA_IMAGE=rasa/rasa:3.6.21
ARG RASA_SDK_IMAGE=rasa/rasa-sdk:3.6.2

# --- rasa-base: Rasa plus what our NLU components import -----------------------------
FROM ${RASA_IMAGE} AS rasa-base
# Root only to install; the `rasa` stage below runs as the image's user again.
# hadolint ignore=DL3002,DL3066
USER root
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY deploy/docker/rasa.requirements.txt /tmp/rasa.requirements.txt
RUN pip install --no-deps -r /tmp/rasa.requirements.txt && pip check
WORKDIR /app
# The components in config.yml's pipeline (bot/nlu), the secured REST channel
# (bot/input_channel.py), the launcher (bot/serve_rasa.py) and the modules bot/nlu
# imports from bot/actions (cues, parsing, settings), with the files they read.
COPY config.yml domain.yml credentials.yml ./
COPY bot/ bot/
COPY config/emergency.yml config/languages.yml config/places.yml config/

# --- train: the model, as bin/train makes it ------------------------------------------
FROM rasa-base AS train
ENV RASA_TELEMETRY_ENABLED=false
RUN rasa train --config config.yml --domain domain.yml --data bot/data \
        --out models --fixed-model-name atl311 --quiet

# --- rasa: the Rasa server with the model baked in ------------------------------------
FROM rasa-base AS rasa
COPY --from=train /app/models/atl311.tar.gz /app/models/atl311.tar.gz
COPY deploy/docker/with-secrets /usr/local/bin/with-secrets
COPY deploy/docker/healthcheck.py /usr/local/bin/atl311-healthcheck
RUN rm -rf bot/data
# bot.serve_rasa writes Rasa's endpoints file (it can hold the tracker store's
# password) to RASA_RUNTIME_DIR, owner-only; /tmp is writable by the rasa user.
ENV RASA_HOST=0.0.0.0 \
    RASA_PORT=5005 \
    RASA_MODEL=/app/models/atl311.tar.gz \
    RASA_RUNTIME_DIR=/tmp \
    RASA_TELEMETRY_ENABLED=false \
    PYTHONUNBUFFERED=1 \
    HEALTHCHECK_URL=http://127.0.0.1:5005/
# The image's own unprivileged user (uid 1001 in Rasa's images).
USER 1001
EXPOSE 5005
# GET / needs no token and answers once the server (and so the model) is up.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "/usr/local/bin/atl311-healthcheck"]
ENTRYPOINT ["/usr/local/bin/with-secrets"]
CMD ["python", "-m", "bot.serve_rasa"]

# --- actions-base: rasa-sdk plus what bot/actions imports ------------------------------
FROM ${RASA_SDK_IMAGE} AS actions-base
# Root only to install; the `actions` stage below runs as the image's user again.
# hadolint ignore=DL3002,DL3066
USER root
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY deploy/docker/actions.requirements.txt /tmp/actions.requirements.txt
RUN pip install --no-deps -r /tmp/actions.requirements.txt && pip check

# --- actions-build: the action server's texts, compiled -------------------------------
FROM actions-base AS actions-build
WORKDIR /src
COPY bot/actions/ bot/actions/
RUN pybabel -q compile -d bot/actions/translations \
    && python -m compileall -q bot/actions

# --- actions: the rasa-sdk action server (bot.actions) and its filing worker ----------
FROM actions-base AS actions
WORKDIR /app
COPY --from=actions-build /src/bot/actions/ bot/actions/
# The catalog (its city: block, when the case store is unreachable), the danger cues,
# the city's places.
COPY config/catalog.yml config/emergency.yml config/places.yml config/
COPY deploy/docker/with-secrets /usr/local/bin/with-secrets
COPY deploy/docker/healthcheck.py /usr/local/bin/atl311-healthcheck
ENV ACTIONS_HOST=0.0.0.0 \
    ACTIONS_PORT=5055 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HEALTHCHECK_URL=http://127.0.0.1:5055/health
# The image's own unprivileged user (uid 1001 in Rasa's images).
USER 1001
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/bin/atl311-healthcheck"]
ENTRYPOINT ["/usr/local/bin/with-secrets"]
CMD ["python", "-m", "bot.actions.serve"]
