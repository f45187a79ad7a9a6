"""Live updates: another user's connection_ack while one user floods. ``python -m benchmarks.live_flood FIXTURE URL OUT``.

The flooder (the fixture's reader) holds BENCH_FLOOD_SOCKETS (10, the
per-user cap) sockets with BENCH_FLOOD_SUBSCRIPTIONS (20, the per-socket
cap) ``exampleEvents`` subscriptions each, and changes one of its examples
over REST as fast as the server answers: every change is a delivery check
and a field resolution for each of its subscriptions, all of it database
work on the sockets' pool (graphql_api.live_work). Meanwhile another user
(the writer) opens BENCH_FLOOD_HANDSHAKES (30) sockets one after another;
for each, the time from connection_init to connection_ack. The same
handshakes are first timed with nobody flooding. Writes the percentiles of
both, and how many changes the flooder made meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import websockets

from .live import PROTOCOL, _events_document, _patch


async def _acknowledged(ws_url: str, token: str) -> float:
    """Milliseconds from connection_init to connection_ack on a new socket (closed after)."""
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL], open_timeout=30) as socket:
        started = time.perf_counter()
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Token {token}"}})
        )
        message = json.loads(await asyncio.wait_for(socket.recv(), 60))
        assert message["type"] == "connection_ack", message
        return (time.perf_counter() - started) * 1000


async def _handshakes(ws_url: str, token: str, count: int) -> list[float]:
    return [await _acknowledged(ws_url, token) for _ in range(count)]


async def _flooding_socket(ws_url: str, token: str, document: str, subscriptions: int):
    socket = await websockets.connect(ws_url, subprotocols=[PROTOCOL], max_size=None, open_timeout=30)
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Token {token}"}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    for n in range(subscriptions):
        await socket.send(json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": document}}))
    return socket


async def _drain(socket) -> None:
    """Read the flooder's events so that its sockets keep receiving (nothing is measured here)."""
    try:
        async for _ in socket:
            pass
    except websockets.ConnectionClosed:
        pass


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max_ms": ordered[-1],
    }


async def measure(fixture: dict, url: str) -> dict:
    sockets_count = int(os.environ.get("BENCH_FLOOD_SOCKETS", "10"))
    subscriptions = int(os.environ.get("BENCH_FLOOD_SUBSCRIPTIONS", "20"))
    handshakes = int(os.environ.get("BENCH_FLOOD_HANDSHAKES", "30"))
    flooder, other = fixture["tokens"]["reader"], fixture["tokens"]["writer"]
    ws_url = url.replace("http://", "ws://") + "/graphql/"
    quiet = await _handshakes(ws_url, other, handshakes)
    document = _events_document()
    sockets = [await _flooding_socket(ws_url, flooder, document, subscriptions) for _ in range(sockets_count)]
    readers = [asyncio.create_task(_drain(socket)) for socket in sockets]
    stop, changes = threading.Event(), [0]

    def flood() -> None:
        while not stop.is_set():
            _patch(url, flooder, fixture["detail_id"], f"flood {changes[0]}")
            changes[0] += 1

    writer = threading.Thread(target=flood, daemon=True)
    writer.start()
    try:
        flooded = await _handshakes(ws_url, other, handshakes)
    finally:
        stop.set()
        await asyncio.to_thread(writer.join)
        for socket in sockets:
            await socket.close()
        await asyncio.gather(*readers)
    return {
        "flood_sockets": sockets_count,
        "flood_subscriptions": sockets_count * subscriptions,
        "flood_changes": changes[0],
        "handshakes": handshakes,
        "quiet": _percentiles(quiet),
        "flooded": _percentiles(flooded),
    }


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.splitlines()[0])
    result = asyncio.run(measure(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2]))
    Path(sys.argv[3]).write_text(json.dumps(result, indent=2))
    print(f"live flood: {json.dumps(result)}", file=sys.stderr)
