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

The public edge is nginx (scripts/nginx.sh), which refuses oversized
headers and reads whole bodies before the app sees a request. The server
keeps its own limits for whatever reaches it another way (defence in depth):

- ``http="h11"`` with ``h11_max_incomplete_event_size``: a request head
  (request line and headers) over ``HTTP_MAX_HEADER_BYTES`` is a 400 and a
  closed connection as soon as that many bytes are buffered. uvicorn's
  default parser, httptools, has no such limit: it gathers a header of any
  size (a 200 MB one stalled a worker past gunicorn's timeout). h11 is pure
  Python and slower per request than httptools; behind nginx the request
  head is small and the view's own work dominates.
- ``BodyDeadline``: the WSGI app reads the body from a thread of the fixed
  pool (backend/asgi.py), which would wait forever for a body promised by
  ``Content-Length`` and never sent. Past ``HTTP_BODY_TIMEOUT_SECONDS`` from
  the request's start the read ends as if the client had left: the app gets
  a short body (a 400) and the thread is free again.

Stopping (SIGTERM from gunicorn, on a deploy or scale-down): the worker first
drains for ``HTTP_DRAIN_SECONDS`` (``DrainingServer``): ``/ready/`` answers
503 (backend/draining.py) while requests are still served, so the balancer
takes the node out before it stops listening; then uvicorn stops as usual,
finishing requests in flight and closing WebSockets with 1012 (service
restart), on which clients reconnect to another node. gunicorn's
``graceful_timeout`` must exceed the drain plus the longest request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from backend.draining import draining


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


class BodyDeadline:
    """ASGI middleware: an HTTP request's body must arrive within ``seconds`` of its start.

    Past the deadline ``receive`` answers ``http.disconnect`` (what a client
    that left produces), so a thread blocked in ``wsgi.input.read()`` returns.
    """

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done = False

        async def receiving() -> dict:
            nonlocal body_done
            if body_done:
                # After the body, receive waits for the client to leave: no deadline.
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except TimeoutError:
                body_done = True
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, receiving, send)


class DrainingServer(Server):
    """uvicorn's server, which on SIGTERM first drains for ``drain_seconds`` (see the module's docstring)."""

    def __init__(self, config: Any, drain_seconds: float) -> None:
        super().__init__(config=config)
        self.drain_seconds = drain_seconds

    def handle_exit(self, sig: int, frame: Any) -> None:
        if sig == signal.SIGTERM and self.drain_seconds > 0 and not draining.is_set():
            draining.set()
            # A timer thread: this runs in a signal handler, and uvicorn's main
            # loop only reads should_exit, which handle_exit sets.
            timer = threading.Timer(self.drain_seconds, super().handle_exit, (sig, frame))
            timer.daemon = True
            timer.start()
            return
        super().handle_exit(sig, frame)


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        "access_log": False,
        "proxy_headers": False,
        "lifespan": "off",
        "server_header": False,
        "ws_max_size": _int("LIVE_MAX_MESSAGE_BYTES", 64 * 1024),
        "http": "h11",
        "h11_max_incomplete_event_size": _int("HTTP_MAX_HEADER_BYTES", 64 * 1024),
    }

    async def _serve(self) -> None:
        # uvicorn-worker hands self.wsgi (the loaded ASGI app) to uvicorn here.
        body_timeout = _int("HTTP_BODY_TIMEOUT_SECONDS", 30)
        self.wsgi = AccessLog(BodyDeadline(self.wsgi, body_timeout), self.log.access_log)
        # uvicorn-worker's own _serve, with the draining server.
        self.config.app = self.wsgi
        server = DrainingServer(self.config, drain_seconds=_int("HTTP_DRAIN_SECONDS", 5))
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
