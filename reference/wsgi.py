"""WSGI entry point of the reference server: ``reference/.venv/bin/gunicorn reference.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reference.settings")

application = get_wsgi_application()
