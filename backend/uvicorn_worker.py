"""gunicorn's worker class for the ASGI app (HTTP and WebSocket): uvicorn-worker with this project's settings.

Why these options:

- ``proxy_headers=False``: uvicorn would otherwise take the client address
  from ``X-Forwarded-For`` whenever the peer is 127.0.0.1. The client address
  is Django's to decide (``NUM_PROXIES``, backend/settings/base.py), as under
  the WSGI workers, so the throttles keep counting what they counted.
- ``lifespan="off"``: neither Django's ASGI handler nor Channels' router
  speaks the lifespan protocol.
- ``ws_max_size``: the server drops a WebSocket frame over
  ``LIVE_MAX_MESSAGE_BYTES`` before it is buffered whole (the consumer
  checks the same limit again; graphql_api.live). Read from the
  environment here: this module is imported by gunicorn before Django's
  settings exist.
"""

from __future__ import annotations

import os

from uvicorn_worker import UvicornWorker


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        "proxy_headers": False,
        "lifespan": "off",
        "server_header": False,
        "ws_max_size": _int("LIVE_MAX_MESSAGE_BYTES", 64 * 1024),
    }
