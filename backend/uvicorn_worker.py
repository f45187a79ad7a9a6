"""gunicorn's worker class for the ASGI app (HTTP and WebSocket): uvicorn-worker with this project's settings.

Why these options:

- ``proxy_headers=False``: uvicorn would otherwise take the client address
  from ``X-Forwarded-For`` whenever the peer is 127.0.0.1. The client address
  is Django's to decide (``NUM_PROXIES``, backend/settings/base.py), as under
  the WSGI workers, so the throttles keep counting what they counted.
- ``lifespan="off"``: neither Django's ASGI handler nor Channels' router
  speaks the lifespan protocol.
- ``access_log=False`` and ``AccessLog``: uvicorn's own access line is plain
  text; this writes the JSON line gunicorn.conf.py's ``access_log_format``
  gave under the WSGI workers (same keys, the echoed ``X-Request-ID``
  included) to gunicorn's access log, properly JSON-escaped.
- ``ws_max_size``: the server drops a WebSocket frame over
  ``LIVE_MAX_MESSAGE_BYTES`` before it is buffered whole (the consumer
  checks the same limit again; graphql_api.live). Read from the
  environment here: this module is imported by gunicorn before Django's
  settings exist.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from uvicorn_worker import UvicornWorker


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


class AccessLog:
    """ASGI middleware: one JSON access line per HTTP request (WebSocket handshakes and all)."""

    def __init__(self, app: Any, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": None, "bytes": 0, "request_id": "-"}

        async def sending(message: dict) -> None:
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                seen["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        seen["request_id"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            elif message["type"] == "websocket.accept":
                seen["status"] = 101
            elif message["type"] == "websocket.close" and seen["status"] is None:
                seen["status"] = 403  # refused before accept: the handshake's answer
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except BaseException:
            seen["failed"] = True
            raise
        finally:
            self.logger.info(self.line(scope, seen, time.perf_counter() - started))

    @staticmethod
    def line(scope: dict, seen: dict[str, Any], seconds: float) -> str:
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", ())
        }
        client = scope.get("client") or ("-", 0)
        return json.dumps(
            {
                "time": time.strftime("[%d/%b/%Y:%H:%M:%S %z]"),
                "logger": "gunicorn.access",
                "remote": client[0],
                "method": scope.get("method", "GET"),
                "path": scope.get("path", ""),
                "query": scope.get("query_string", b"").decode("latin-1"),
                # No answer sent: the app failed (500), or the client left first (499, as nginx logs it).
                "status": seen["status"] or (500 if seen.get("failed") else 499),
                "bytes": str(seen["bytes"]),
                "duration_us": int(seconds * 1_000_000),
                "request_id": seen["request_id"],
                "user_agent": headers.get("user-agent", "-"),
            }
        )


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        "access_log": False,
        "proxy_headers": False,
        "lifespan": "off",
        "server_header": False,
        "ws_max_size": _int("LIVE_MAX_MESSAGE_BYTES", 64 * 1024),
    }

    async def _serve(self) -> None:
        # uvicorn-worker hands self.wsgi (the loaded ASGI app) to uvicorn here.
        self.wsgi = AccessLog(self.wsgi, self.log.access_log)
        await super()._serve()
