"""A small graphql-transport-ws client over Channels' in-process WebsocketCommunicator."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from backend.asgi import application

PROTOCOL = "graphql-transport-ws"
ORIGIN = b"http://localhost:3000"
EVENTS = """
subscription Events($projectId: ID) {
  exampleEvents(projectId: $projectId) { kind id example { id title owner { username } project { id } } }
}
"""


class Socket:
    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    @classmethod
    async def open(
        cls,
        *,
        protocols: tuple[str, ...] = (PROTOCOL,),
        origin: bytes | None = ORIGIN,
        cookie: str | None = None,
        host: bytes = b"testserver",
        forwarded_for: str | None = None,
    ) -> tuple[Socket, bool, Any]:
        headers = [(b"host", host)]
        if forwarded_for is not None:
            headers.append((b"x-forwarded-for", forwarded_for.encode()))
        if origin is not None:
            headers.append((b"origin", origin))
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(
            application, "/graphql/", headers=headers, subprotocols=list(protocols)
        )
        connected, detail = await communicator.connect()
        return cls(communicator), connected, detail

    @classmethod
    async def ready(cls, token: str | None = None, **options: Any) -> Socket:
        """A socket past connection_ack, authenticated by ``token`` (or the cookie in ``options``)."""
        socket, connected, detail = await cls.open(**options)
        assert connected, detail
        payload = {"Authorization": f"Token {token}"} if token else {}
        await socket.send({"type": "connection_init", "payload": payload})
        ack = await socket.receive()
        assert ack == {"type": "connection_ack"}, ack
        return socket

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_json_to(message)

    async def send_text(self, frame: str) -> None:
        await self.communicator.send_to(text_data=frame)

    async def receive(self, timeout: float = 3) -> dict[str, Any]:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def closed_with(self, timeout: float = 3) -> int:
        output = await self.communicator.receive_output(timeout=timeout)
        assert output["type"] == "websocket.close", output
        return output.get("code", 1000)

    async def subscribe(
        self, op_id: str, query: str = EVENTS, variables: dict | None = None, **extra
    ) -> None:
        await self.send(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}, **extra},
            }
        )

    async def close(self) -> None:
        await self.communicator.disconnect()


async def subscribed(group: str, count: int = 1, timeout: float = 3) -> None:
    """Wait until ``count`` sockets listen to ``group`` (the in-memory layer), so no event is sent too early."""
    layer = get_channel_layer()
    deadline = asyncio.get_running_loop().time() + timeout
    while len(layer.groups.get(group, {})) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"nobody subscribed to {group}")
        await asyncio.sleep(0.01)
