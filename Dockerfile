# syntax=docker/dockerfile:1
# The app image: the Telegram front end (the default command) and the action server with
# the NLG endpoint (deploy/serve_actions.py); docker-compose.yml runs both from it. Rasa
# itself runs from the official rasa/rasa image.
#
# The bot package runs from its source tree under /app and is not pip-installed: it finds
# dialogues/, content/ and var/ next to itself (bot/config.py ROOT), which a copy in
# site-packages would not.

# --- build: a virtualenv with the runtime dependencies, at the versions in the lock ------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml ./
COPY requirements/app.lock requirements/app.lock
# requirements/app.lock pins the whole development environment (pytest and ruff too). Only
# the runtime dependencies of pyproject.toml are installed, each pinned by the lock.
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > runtime.txt \
 && pip install -c requirements/app.lock -r runtime.txt \
 && pip check

# The source tree; .dockerignore lets only what runs in (bot/, dialogues/, content/,
# locales/ when present, deploy/*.py).
COPY . /src/app
RUN rm -rf /src/app/pyproject.toml /src/app/requirements
# The translations compiled (locales/*/LC_MESSAGES/*.mo): the runtime tree is read-only.
RUN PYTHONPATH=/src/app python -c "from bot.i18n import compile_catalogs; compile_catalogs()"

# --- runtime -------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

# DejaVu: the font of the gesprekskaart picture (bot/meeting_card.py); tzdata for zoneinfo.
# Debian packages follow the base image; pinning their versions would break on its updates.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VAR_DIR=/app/var

COPY --from=build /opt/venv /opt/venv
# Code owned by root, read-only for the app; only var/ (logs) is writable.
COPY --from=build /src/app /app
RUN mkdir -p /app/var && chown app:app /app/var

WORKDIR /app
USER 10001:10001

# The front end's webhook port and the action server's port (TELEGRAM_WEBHOOK_PORT,
# ACTION_SERVER_PORT); neither is published, the proxy and Rasa reach them inside compose.
EXPOSE 8443 5055

# Works out from the container's command whether it is the front end or the action server.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

CMD ["python", "-m", "bot", "frontend"]
