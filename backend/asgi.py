"""ASGI entry point: one application for HTTP and WebSocket.

HTTP goes to Django (every view, ``/graphql/`` included, exactly as under
WSGI); WebSocket connections to ``/graphql/`` go to the live-updates consumer
(``graphql_api.live``: graphql-transport-ws subscriptions). Any other
WebSocket path is refused.

Served by gunicorn with uvicorn workers in production (gunicorn.conf.py),
by daphne's ``runserver`` in development.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.production")

# Django is set up here, before anything that imports models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from graphql_api.live import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": URLRouter([re_path(r"^graphql/?$", websocket_application())]),
    }
)
