"""ASGI entry point: one application for HTTP and WebSocket.

HTTP goes to Django's WSGI handler (every view, ``/graphql/`` included,
exactly as under gunicorn's gthread workers), run by a2wsgi in a fixed pool
of ``HTTP_THREADS`` threads per process; WebSocket connections to
``/graphql/`` go to the live-updates consumer (``graphql_api.live``:
graphql-transport-ws subscriptions). Any other WebSocket path is refused.

Why HTTP does not go through Django's own ASGI handler: it runs each
request's sync code (every view and middleware here is sync) in a new thread
of its own (asgiref's ``ThreadSensitiveContext`` per request), so a
persistent database connection (``CONN_MAX_AGE``) is opened for every request
and left behind with its thread. Under ``make bench`` PostgreSQL ran out of
connections (``max_connections=200``, "sorry, too many clients already") and
the same app answered about half the requests gthread workers answered.
Django's advice under ASGI is ``CONN_MAX_AGE = 0``: a new connection per
request, the same cost. A fixed pool keeps one connection per thread, as
gthread does, and the thread hop happens once per request instead of once
per middleware. Nothing async is lost: the product has no async views (a
test fails if one is added: tests/production/test_asgi_http.py). a2wsgi is
the maintained WSGI-in-ASGI adapter (Starlette's and uvicorn's own WSGI
adapters are deprecated in its favour).

Served by gunicorn with uvicorn workers in production (gunicorn.conf.py),
by daphne's ``runserver`` in development.
"""

import os

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.production")


def _http_threads() -> int:
    value = os.environ.get("HTTP_THREADS", "").strip() or os.environ.get("GUNICORN_THREADS", "").strip()
    return max(1, int(value)) if value else 4


# Django is set up here, before anything that imports models.
django_application = get_wsgi_application()
http_application = WSGIMiddleware(django_application, workers=_http_threads())

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from graphql_api.live import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": URLRouter([re_path(r"^graphql/?$", websocket_application())]),
    }
)
