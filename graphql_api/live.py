"""The WebSocket side of ``/graphql/``: Strawberry's Channels consumer with the project's rules.

The handshake's ``Host`` must pass ``ALLOWED_HOSTS`` as over HTTP
(``AllowedHostsOnly``, refused before accept: HTTP 403).

Protocol: ``graphql-transport-ws`` only. A handshake that does not offer it
(the legacy ``graphql-ws`` subprotocol, or none) is refused before it is
accepted (HTTP 403), so the legacy handler that let ``start`` run without
``connection_init`` (CVE-2026-35523) is never reached, whatever Strawberry's
defaults are.

Authentication, decided at ``connection_init``:

1. ``{"Authorization": "Token <key>"}`` in the payload: DRF's token check.
   A bad, unknown or inactive user's token closes the socket with 4403.
2. Otherwise the session cookie (Channels' ``AuthMiddlewareStack``). The
   handshake's ``Origin`` must be this host or one of
   ``CORS_ALLOWED_ORIGINS`` (Strawberry's origin check, run before anything
   else): a page elsewhere cannot open a socket with the user's cookie
   (cross-site WebSocket hijacking). A client that sends no ``Origin`` is no
   browser and carries no ambient cookie.
3. Otherwise the socket is anonymous and is closed with 4401.

The socket then follows its credentials (``authentication.revocation``): a
logout of its session, the deletion of its token, or a password or
``is_active`` change that its credentials no longer pass closes it with 4403.

Frames: decoded by the JSON rule of every surface and checked for the
message shape (graphql_api.frames); a refused ``subscribe`` is that
operation's coded ``error`` message, any other refused frame closes with
4400. Every error sent carries ``extensions.code`` (graphql_api.errors'
``ErrorCodes`` codes streamed results too); an invalid document ends only
its operation.

Sockets: at most ``LIVE_MAX_SOCKETS_PER_ADDRESS`` per client address (at the
handshake) and ``LIVE_MAX_SOCKETS_PER_USER`` per user (at connection_init),
across processes (graphql_api.live_caps); past either, 4429. Their database
calls run on a bounded pool shared fairly between users
(graphql_api.live_work).

Limits, all from settings (the environment): at most
``LIVE_MAX_SUBSCRIPTIONS_PER_SOCKET`` operations at once (Strawberry's
per-connection cap, CVE-2026-35526; the next ``subscribe`` gets an ``error``
message for its id); a text frame over ``LIVE_MAX_MESSAGE_BYTES`` closes the
socket with 1009; ``connection_init`` must come within
``LIVE_CONNECTION_INIT_TIMEOUT_SECONDS`` (4408); a socket with no running
operation and no message for ``LIVE_IDLE_TIMEOUT_SECONDS`` is closed with
4408. Every operation goes through the same schema, so the same depth,
alias, token, shape and cost rules as a query apply, and the same trusted
documents rule (``_trusted_query``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from cross_web import HTTPException
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from strawberry import UNSET
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.unset import UnsetType

from audit.context import set_surface as set_audit_surface
from audit.models import Surface
from authentication import revocation
from authentication.throttles import client_address
from backend.metrics import GRAPHQL_ROUTE, LIVE_SOCKETS, WEBSOCKET_SURFACE, record_throttled

from . import live_caps
from .errors import BAD_REQUEST
from .frames import FrameRefused, decode_frame
from .live_layer import LAYER_DOWN, LayerGuard, layer_unavailable
from .live_work import SocketWork
from .persisted import resolve_request
from .schema import schema as default_schema

logger = logging.getLogger("graphql_api")
security_logger = logging.getLogger("django.security.DisallowedHost")

# Close codes (graphql-transport-ws uses 44xx for its own; 1009 is RFC 6455's "message too big").
BAD_FRAME = 4400
UNAUTHORIZED = 4401
FORBIDDEN = 4403
IDLE = 4408
TOO_MANY = 4429
TRY_AGAIN_LATER = 1013  # RFC 6455: the cache (socket counts) or the channel layer did not answer
TOO_BIG = 1009
NO_QUERY = "No GraphQL query found in the request."
# RFC 6455: a close frame's reason is at most 123 bytes of UTF-8.
REASON_BYTES = 123


class Unauthenticated(Exception):
    """No credentials at connection_init: the socket is closed with 4401."""


class TooManySockets(Exception):
    """The user already holds LIVE_MAX_SOCKETS_PER_USER sockets: closed with 4429 at connection_init."""


class LayerUnavailable(Exception):
    """The channel layer did not answer at connection_init: the socket cannot follow its credentials (1013)."""


def handshake_request(scope: dict[str, Any]) -> HttpRequest:
    """The handshake as a Django request (headers and addresses only), for the rules HTTP applies."""
    request = HttpRequest()
    for name, value in scope.get("headers", ()):
        key = name.decode("latin1").upper().replace("-", "_")
        request.META[f"HTTP_{key}"] = value.decode("latin1")
    client, server = scope.get("client") or ("", 0), scope.get("server") or ("", 0)
    request.META.update(REMOTE_ADDR=client[0], SERVER_NAME=server[0], SERVER_PORT=str(server[1]))
    return request


def scope_address(scope: dict[str, Any]) -> str:
    """The client's address by the one rule HTTP uses (``NUM_PROXIES``, authentication.throttles)."""
    return client_address(handshake_request(scope))


def host_allowed(scope: dict[str, Any]) -> bool:
    """Django's ``ALLOWED_HOSTS`` check of the ``Host`` header, as ``request.get_host()`` makes it over HTTP."""
    try:
        handshake_request(scope).get_host()
    except DisallowedHost as exc:
        security_logger.warning("WebSocket handshake refused: %s", exc)
        return False
    return True


def close_reason(text: str) -> str:
    """``text`` cut to what a close frame can carry."""
    return text.encode()[:REASON_BYTES].decode(errors="ignore")


@dataclass
class SocketRequest:
    """What resolvers and extensions read as ``info.context.request`` (the caller), for a socket."""

    user: Any = field(default_factory=AnonymousUser)
    auth: Any = None


@dataclass
class LiveContext:
    request: SocketRequest
    ws: GraphQLWSConsumer
    connection_params: dict[str, Any] = field(default_factory=dict)


def _token_key(header: object) -> str:
    """The key of ``Token <key>``; anything else is refused (4403)."""
    if not isinstance(header, str):
        raise ConnectionRejectionError()
    parts = header.split()
    if len(parts) != 2 or parts[0] != TokenAuthentication.keyword:
        raise ConnectionRejectionError()
    return parts[1]


def _authenticate_token(key: str) -> tuple[Any, Any]:
    try:
        return TokenAuthentication().authenticate_credentials(key)
    except AuthenticationFailed:
        raise ConnectionRejectionError() from None


def _subscribe_error(message_id: str, text: str, code: str) -> dict[str, Any]:
    return {"id": message_id, "type": "error", "payload": [{"message": text, "extensions": {"code": code}}]}


class LiveTransportWSHandler(BaseGraphQLTransportWSHandler):
    """Strawberry's graphql-transport-ws handler: 4401 for anonymous sockets, trusted documents per subscribe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.view.handler = self

    async def handle_message(self, message: Any) -> None:
        if isinstance(message, FrameRefused):
            await self._refuse(message)
            return
        await super().handle_message(message)

    async def _refuse(self, refusal: FrameRefused) -> None:
        """A frame the JSON or message rule refused (graphql_api.frames): its operation's error, or 4400."""
        operation_id = refusal.operation_id
        if operation_id is None:
            await self.websocket.close(code=BAD_FRAME, reason=close_reason(refusal.reason))
        elif not self.connection_acknowledged or operation_id in self.operations:
            # What Strawberry answers any such subscribe: 4401, or 4409 for an id in use.
            await super().handle_subscribe({"id": operation_id, "type": "subscribe", "payload": {}})
        else:
            await self.send_message(_subscribe_error(operation_id, refusal.reason, BAD_REQUEST))

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except Unauthenticated:
            await self.websocket.close(code=UNAUTHORIZED, reason="Unauthorized")
        except TooManySockets:
            record_throttled(WEBSOCKET_SURFACE, GRAPHQL_ROUTE)
            await self.websocket.close(code=TOO_MANY, reason="Too many sockets for this user")
        except (live_caps.CapsUnavailable, LayerUnavailable):
            await self.websocket.close(code=TRY_AGAIN_LATER, reason="Try again later")

    async def handle_subscribe(self, message: Any) -> None:
        payload = message["payload"]
        if self.connection_acknowledged and message["id"] not in self.operations:
            try:
                payload["query"] = self._trusted_query(payload)
            except HTTPException as exc:
                code = getattr(exc, "code", BAD_REQUEST)
                await self.send_message(_subscribe_error(message["id"], exc.reason, code))
                return
            if payload["query"] is None:
                await self.send_message(_subscribe_error(message["id"], NO_QUERY, BAD_REQUEST))
                return
        await super().handle_subscribe(message)

    async def _handle_pre_execution_error(self, operation: Any, result: Any) -> None:
        # A syntax error or an unknown operationName ends only this operation,
        # with its coded `error` message, as any other refusal of a document
        # does (Strawberry would close the whole socket with 4400).
        await operation.send_initial_errors(result.errors)

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, OSError):
            # The client went away while an event was being sent to it (uvicorn's
            # ClientDisconnected is an OSError): its socket is closing, nothing failed.
            logger.debug("WebSocket client gone while sending: %r", error)
            return
        await super().handle_task_exception(error)

    def _trusted_query(self, payload: dict[str, Any]) -> str | None:
        """The operation's text under the trusted-documents rule (graphql_api.persisted), as over HTTP.

        ``documentId`` names a manifest document (the typed client sends it with
        an empty ``query``); with
        GRAPHQL_TRUSTED_DOCUMENTS_ONLY any other text is refused (staff excepted).
        Reading the manifest touches no database.
        """
        query = payload.get("query")
        if not isinstance(query, str) or (query == "" and "documentId" in payload):
            # graphql-ws's client always sends a `query` string: "" next to a
            # documentId means "no text, run the manifest's document".
            query = None
        data = GraphQLRequestData(
            query=query,
            variables=None,
            operation_name=None,
            extensions=payload.get("extensions") if isinstance(payload.get("extensions"), dict) else None,
        )
        return resolve_request(data, payload, self.context.request.user).query


class LiveConsumer(LayerGuard, GraphQLWSConsumer):
    """One WebSocket at ``/graphql/``. Settings are read per socket (``override_settings`` works)."""

    graphql_transport_ws_handler_class = LiveTransportWSHandler

    def __init__(self, schema: Any = default_schema) -> None:
        super().__init__(
            schema=schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=dt.timedelta(seconds=settings.LIVE_CONNECTION_INIT_TIMEOUT_SECONDS),
            max_subscriptions_per_connection=settings.LIVE_MAX_SUBSCRIPTIONS_PER_SOCKET,
            allowed_origins=tuple(settings.CORS_ALLOWED_ORIGINS),
        )
        self.handler: LiveTransportWSHandler | None = None
        self.idle_task: asyncio.Task | None = None
        self.last_message = 0.0
        # What authenticated this socket: (revocation.TOKEN or SESSION, its key), and whose.
        self.credential: tuple[str, str] | None = None
        self.user_id: int | None = None
        # The socket's places under LIVE_MAX_SOCKETS_PER_ADDRESS and _PER_USER (graphql_api.live_caps).
        self.leases: list[live_caps.Lease] = []
        self.lease_task: asyncio.Task | None = None
        self.closed = False
        # In the live_sockets gauge (backend/metrics.py) since its connection_ack.
        self.counted = False

    def decode_json(self, data: str | bytes) -> object:
        # Every frame by the one JSON rule, then the message rule (graphql_api.frames).
        return decode_frame(data if isinstance(data, str) else data.decode("utf-8", errors="replace"))

    async def connect(self) -> None:
        # A mutation sent over this socket is recorded as the WebSocket's (audit/context.py).
        set_audit_surface(Surface.WS)
        if GRAPHQL_TRANSPORT_WS_PROTOCOL not in self.scope.get("subprotocols", ()):
            # Refused before accept (HTTP 403): the legacy graphql-ws protocol and
            # sockets that name no protocol never reach a handler.
            await self.close()
            return
        if self.layer_down:
            # The layer failed before the handshake was dispatched (graphql_api.live_layer).
            await self.accept(GRAPHQL_TRANSPORT_WS_PROTOCOL)
            await self.close(code=TRY_AGAIN_LATER, reason="Try again later")
            return
        try:
            leased = await self._lease(
                f"addr:{scope_address(self.scope)}", settings.LIVE_MAX_SOCKETS_PER_ADDRESS
            )
        except live_caps.CapsUnavailable:
            await self.accept(GRAPHQL_TRANSPORT_WS_PROTOCOL)
            await self.close(code=TRY_AGAIN_LATER, reason="Try again later")
            return
        if not leased:
            # Accepted to say why: a handshake refusal (403) carries no reason.
            record_throttled(WEBSOCKET_SURFACE, GRAPHQL_ROUTE)
            await self.accept(GRAPHQL_TRANSPORT_WS_PROTOCOL)
            await self.close(code=TOO_MANY, reason="Too many sockets from this address")
            return
        self.last_message = asyncio.get_running_loop().time()
        self.idle_task = asyncio.create_task(self._close_when_idle())
        await super().connect()

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        # Once: a second reason to close (the layer failing while a 4403 is on its way)
        # would be a second websocket.close, which the server refuses with an error.
        if self.closed:
            return
        self.closed = True
        await super().close(code=code, reason=reason)

    async def _lease(self, key: str, limit: int) -> bool:
        """Take one of ``key``'s places; False when all are held (graphql_api.live_caps)."""
        lease = await live_caps.acquire(key, limit)
        if lease is None:
            return False
        self.leases.append(lease)
        if self.lease_task is None:
            self.lease_task = asyncio.create_task(live_caps.keep(self.leases))
        return True

    async def disconnect(self, code: int) -> None:
        # The tasks end here: the socket's executor context (graphql_api.live_work) ends with it.
        for task in (self.idle_task, self.lease_task):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        if self.user_id is not None and self.channel_layer is not None and not self.layer_down:
            try:
                await self.channel_layer.group_discard(
                    revocation.sockets_group(self.user_id), self.channel_name
                )
            except Exception as exc:
                if not layer_unavailable(exc):
                    raise
                # The membership expires with the layer's group_expiry; the close itself is not an error.
                logger.warning("Socket's group not left, the channel layer did not answer: %s", exc)
        if self.run_task is not None:
            await super().disconnect(code)
        for lease in self.leases:
            await lease.release()
        if self.counted:
            self.counted = False
            LIVE_SOCKETS.dec()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Strawberry's consumer hands every layer message to its subscriptions'
        # listeners; the credentials message is the socket's own.
        if message.get("type") == revocation.MESSAGE_TYPE:
            await self._credentials_changed(message)
            return
        if message.get("type") == LAYER_DOWN:
            # Before connect() the handshake is refused there; after it, the open socket closes.
            if self.idle_task is not None:
                await self.close(code=TRY_AGAIN_LATER, reason="Live updates unavailable, reconnect later")
            return
        await super().dispatch(message)

    async def _credentials_changed(self, message: dict[str, Any]) -> None:
        """Close the socket when the token or session that opened it has ended (authentication.revocation)."""
        if self.credential is None or self.user_id is None:
            return
        kind, key = self.credential
        ended = message.get(kind) == key
        if not ended and message.get("recheck"):
            ended = not await database_sync_to_async(revocation.still_valid)(kind, key, self.user_id)
        if ended:
            await self.close(code=FORBIDDEN, reason="Signed out")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.last_message = asyncio.get_running_loop().time()
        if text_data is not None and len(text_data.encode()) > settings.LIVE_MAX_MESSAGE_BYTES:
            await self.close(code=TOO_BIG, reason="Message too big")
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data)

    async def _close_when_idle(self) -> None:
        """Close the socket once it has run nothing and said nothing for LIVE_IDLE_TIMEOUT_SECONDS."""
        limit = settings.LIVE_IDLE_TIMEOUT_SECONDS
        loop = asyncio.get_running_loop()
        while True:
            quiet = loop.time() - self.last_message
            await asyncio.sleep(max(limit - quiet, 0.05))
            busy = self.handler is not None and bool(self.handler.operations)
            if busy:
                self.last_message = loop.time()
            elif loop.time() - self.last_message >= limit:
                await self.close(code=IDLE, reason="Idle timeout")
                return

    async def get_context(self, request: Any, response: Any) -> LiveContext:
        return LiveContext(request=SocketRequest(), ws=self)

    async def on_ws_connect(self, context: LiveContext) -> UnsetType:
        params = context.connection_params
        header = params.get("Authorization", params.get("authorization"))
        if header is not None:
            user, token = await database_sync_to_async(_authenticate_token)(_token_key(header))
            credential = (revocation.TOKEN, token.key)
        else:
            user, token = self.scope.get("user") or AnonymousUser(), None
            if not (user.is_authenticated and user.is_active):
                raise Unauthenticated()
            credential = (revocation.SESSION, self.scope["session"].session_key)
        if not await self._lease(f"user:{user.pk}", settings.LIVE_MAX_SOCKETS_PER_USER):
            raise TooManySockets()
        # From here this socket's database work counts as its user's (graphql_api.live_work).
        self.scope["live_owner"].key = f"user:{user.pk}"
        context.request.user, context.request.auth = user, token
        await self._follow_credentials(user.pk, credential)
        LIVE_SOCKETS.inc()
        self.counted = True
        return UNSET  # a plain connection_ack

    async def _follow_credentials(self, user_id: int, credential: tuple[str, str]) -> None:
        """Join the user's sockets group, so that a logout or a deleted token closes this socket."""
        self.user_id, self.credential = user_id, credential
        if self.channel_layer is not None:
            try:
                await self.channel_layer.group_add(revocation.sockets_group(user_id), self.channel_name)
            except Exception as exc:
                if not layer_unavailable(exc):
                    raise
                logger.warning("Socket refused, the channel layer did not answer: %s", exc)
                raise LayerUnavailable() from exc


class AllowedHostsOnly:
    """ASGI middleware: a handshake whose ``Host`` is not in ``ALLOWED_HOSTS`` is refused (403), as HTTP answers 400."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.denier = WebsocketDenier.as_asgi()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if not host_allowed(scope):
            return await self.denier(scope, receive, send)
        return await self.inner(scope, receive, send)


def websocket_application() -> Any:
    """The ASGI app for WebSocket connections.

    The ``Host`` checked first; then the socket's database work placed in the
    shared pool (graphql_api.live_work), the session (cookies) resolved, and
    ``LiveConsumer``.
    """
    return AllowedHostsOnly(SocketWork(AuthMiddlewareStack(LiveConsumer.as_asgi()), scope_address))
