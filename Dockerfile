# The app's image: one image for the web server (the default command), the task
# worker and the release step (scripts/release.sh), run as separate containers.
# Built by `make image` (scripts/image.sh build); docs/DEPLOYING.md, "Container image".
#
# BASE_IMAGE must provide Python 3.11 as `python3` with its venv module. The
# default is the public image; `make image` builds offline from a Debian
# bookworm root made by debootstrap (python3, python3-venv) and imported.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# Wheels are made once, on the host, by `scripts/image.sh wheels` (pip download
# of binary wheels for CPython 3.11 / manylinux into .run/image/wheelhouse),
# and installed here with no index: the build needs no network (make image
# builds with --network none) and no compiler, in this stage or the next.
# Few steps on purpose: every step is a layer, and a copy of the whole tree
# on storage drivers without overlays (vfs).
FROM ${BASE_IMAGE} AS builder
# The context is only what .dockerignore lets through: the app's code, requirements.txt, the wheelhouse.
COPY . /app/
WORKDIR /app
# Static files are part of the image (whitenoise serves them); the settings
# need these three values to load, none of which reaches the running app.
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --find-links .run/image/wheelhouse --no-cache-dir -r requirements.txt \
    && /opt/venv/bin/pip uninstall --yes --quiet pip \
    && rm -rf .run \
    && SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost DB_NAME=unused DJANGO_SETTINGS_MODULE=backend.settings.production \
       /opt/venv/bin/python manage.py collectstatic --noinput --verbosity 0

FROM ${BASE_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=backend.settings.production \
    GUNICORN_BIND=0.0.0.0:8000
# The processes run as `app`, which owns nothing in /app: the code and static files are read-only to it.
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app
USER app
EXPOSE 8000
# Liveness of the web server (GET /health/ on GUNICORN_BIND); the worker and release containers go without it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "scripts/healthcheck.py"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "backend.asgi:application"]
