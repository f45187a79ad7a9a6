"""Live updates: how long an event takes to reach 100 subscribers. ``python -m benchmarks.live FIXTURE URL OUT``.

Opens BENCH_LIVE_SUBSCRIBERS (100) graphql-transport-ws sockets on the
product server, each subscribed to ``exampleEvents`` (the frontend's
trusted document) as the measured user, then changes one of that user's
examples over REST BENCH_LIVE_WRITES (20) times, one write at a time. For
each write, the latency of each socket is the time from sending the PATCH
to that socket's event: the request, the commit, the channel layer (Redis,
across worker processes) and each socket's own policy check and field
resolution. Writes the percentiles over every delivery, and the median of
the slowest socket per write.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import websockets

PROTOCOL = "graphql-transport-ws"


def _events_document() -> str:
    manifest = Path(__file__).resolve().parents[1] / "frontend" / "generated" / "persisted-documents.json"
    return next(
        text for text in json.loads(manifest.read_text()).values() if "subscription ExampleEvents(" in text
    )


def _patch(url: str, token: str, example_id: int, title: str) -> None:
    body = json.dumps({"title": title}).encode()
    # The benchmark server on loopback, an http:// URL built by benchmarks/run.sh.
    request = urllib.request.Request(  # noqa: S310
        f"{url}/api/v1/examples/{example_id}/",
        data=body,
        method="PATCH",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
        assert reply.status == 200, reply.status


async def _subscriber(ws_url: str, token: str, document: str):
    socket = await websockets.connect(ws_url, subprotocols=[PROTOCOL], max_size=None, open_timeout=30)
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Token {token}"}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
    return socket


async def _next_event(socket, title: str) -> float:
    while True:
        message = json.loads(await socket.recv())
        assert message["type"] == "next", message
        event = message["payload"]["data"]["exampleEvents"]
        if event["example"] and event["example"]["title"] == title:
            return time.perf_counter()


async def _write_and_wait(
    url: str, token: str, example_id: int, sockets: list, title: str, timeout: float
) -> list[float]:
    waiting = [asyncio.create_task(_next_event(socket, title)) for socket in sockets]
    started = time.perf_counter()
    await asyncio.to_thread(_patch, url, token, example_id, title)
    arrived = await asyncio.wait_for(asyncio.gather(*waiting), timeout)
    return [(moment - started) * 1000 for moment in arrived]


async def measure(fixture: dict, url: str) -> dict:
    subscribers = int(os.environ.get("BENCH_LIVE_SUBSCRIBERS", "100"))
    writes = int(os.environ.get("BENCH_LIVE_WRITES", "20"))
    token, example_id = fixture["tokens"]["reader"], fixture["detail_id"]
    ws_url = url.replace("http://", "ws://") + "/graphql/"
    document = _events_document()
    sockets = [await _subscriber(ws_url, token, document) for _ in range(subscribers)]
    try:
        # Warm-up, until every socket has its subscription in place (no ack exists for that).
        for attempt in range(50):
            try:
                await _write_and_wait(url, token, example_id, sockets, f"live warm-up {attempt}", timeout=2)
                break
            except TimeoutError:
                continue
        else:
            raise SystemExit("live: the subscribers never all received the warm-up event")
        per_write = [
            await _write_and_wait(url, token, example_id, sockets, f"live {n}", timeout=30)
            for n in range(writes)
        ]
    finally:
        for socket in sockets:
            await socket.close()
    every = sorted(latency for latencies in per_write for latency in latencies)
    return {
        "subscribers": subscribers,
        "writes": writes,
        "deliveries": len(every),
        "p50_ms": statistics.median(every),
        "p99_ms": every[min(len(every) - 1, int(len(every) * 0.99))],
        "max_ms": every[-1],
        "slowest_socket_median_ms": statistics.median(max(latencies) for latencies in per_write),
    }


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.splitlines()[0])
    result = asyncio.run(measure(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2]))
    Path(sys.argv[3]).write_text(json.dumps(result, indent=2))
    print(f"live updates: {json.dumps(result)}", file=sys.stderr)
