"""A socket's channel layer (Redis) that stops answering closes the socket with 1013, never a traceback.

Channels' ``AsyncConsumer.__call__`` reads the layer in its dispatch loop
(``channels.utils.await_many_dispatch``): a ``receive`` that raises (Redis
down) ends the loop with that exception, so the ASGI server logs an ERROR
and the client gets no close frame. ``LayerGuard`` is that ``__call__``
again, the documented place to subclass, with the layer's ``receive``
guarded: its first failure becomes one message of type ``LAYER_DOWN`` (the
consumer closes the socket with 1013, try again later) and one WARNING
line; the socket reads the layer no more after it. Its client messages keep
flowing, so the close, the disconnect and the consumer's cleanup (leases,
the per-user pool) run as for any other close.

Why close rather than keep the socket open and retry: the socket's group
memberships live in that Redis. One that restarted empty has forgotten
them, so a socket kept open would get no more events, and no more
revocations (a logout would no longer close it). A new socket joins its
groups again: the typed client reconnects on 1013.

``await_many_dispatch`` and the body of ``__call__`` are Channels'
internals: tests/live/test_layer_outage.py pins the source of the
``__call__`` replaced here and fails on an upgrade that changes it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from channels.consumer import AsyncConsumer
from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from backend.errors import is_cache_unavailable

logger = logging.getLogger("graphql_api")

LAYER_DOWN = "live.layer_down"


def layer_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` is the channel layer's store not answering (Redis refused, reset or timed out)."""
    return is_cache_unavailable(exc) or isinstance(exc, OSError)


class LayerGuard(AsyncConsumer):
    """An ``AsyncConsumer`` whose failing layer ``receive`` is a ``LAYER_DOWN`` message, once."""

    layer_down = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # channels.consumer.AsyncConsumer.__call__, with channel_receive guarded.
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self._guarded_receive, self.channel_name)
        self.base_send = send
        try:
            if self.channel_layer is not None:
                await await_many_dispatch([receive, self.channel_receive], self.dispatch)
            else:
                await await_many_dispatch([receive], self.dispatch)
        except StopConsumer:
            pass

    async def _guarded_receive(self, channel: str) -> dict[str, Any]:
        if self.layer_down:
            # The socket is closing: wait for its disconnect, do not ask Redis again.
            await asyncio.get_running_loop().create_future()
        try:
            return await self.channel_layer.receive(channel)
        except Exception as exc:
            if not layer_unavailable(exc):
                raise
            self.layer_down = True
            logger.warning("Live updates' channel layer unavailable, socket closed (1013): %s", exc)
            return {"type": LAYER_DOWN}
