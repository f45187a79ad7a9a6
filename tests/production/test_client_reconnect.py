"""The typed client across a node's restart: 1012, reconnect, resubscribe, refetch; 4403 is final.

frontend/watch.ts (the typed client from Node) subscribes through a gunicorn
server with production settings. The server is stopped with SIGTERM (a
deploy): uvicorn closes the socket with 1012 (service restart). A new server
starts on the same address; the client reconnects with backoff, tells the
caller (``onReconnected``, where a page refetches) and has subscribed again:
the next change arrives as an event. Then the token is revoked: the server
closes the socket with 4403 and the client does not retry (no new socket).
When Redis (the channel layer and the cache) stops, the socket closes with
1013 and the client retries the same way until Redis is back.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from .conftest import ROOT, free_port

pytestmark = pytest.mark.postgres

PASSWORD = "a-Strong-passphrase-42"
# A bound on each wait for the client's next line, never an expected duration:
# the reconnection backoff alone may take several seconds.
WAIT = 60


class Watcher:
    """frontend/watch.ts, its JSON lines read as they come."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def next_matching(self, matches: Callable[[dict], bool]) -> dict:
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"frontend/watch.ts said nothing for {WAIT}s") from None
            if matches(line):
                return line
            assert "error" not in line, line


@pytest.fixture
def watcher(request) -> Iterator[Callable[..., Watcher]]:
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        pytest.skip("node_modules is missing: run `npm ci --no-audit --no-fund`.")
    started: list[subprocess.Popen] = []

    def start(*args: str) -> Watcher:
        process = subprocess.Popen(
            [str(tsx), "frontend/watch.ts", *args],
            cwd=ROOT,
            # Node 20's WebSocket is behind this flag; later Nodes have it on.
            env={**os.environ, "NODE_OPTIONS": "--experimental-websocket"},
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return Watcher(process)

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)


def rename_until_seen(server, token: str, example_id: int, watcher: Watcher, title: str) -> None:
    """Edit until the event arrives: a subscription has no acknowledgement to wait for."""
    headers = {"Authorization": f"Token {token}"}
    for attempt in range(20):
        edited = f"{title} {attempt}"
        response = server.request("PATCH", f"/api/v1/examples/{example_id}/", {"title": edited}, headers)
        assert response.status == 200, response.body
        try:
            line = watcher.lines.get(timeout=2)
        except queue.Empty:
            continue
        assert line == {"event": {"kind": "UPDATED", "id": str(example_id), "title": edited}}, line
        return
    raise AssertionError(f"no event for {title!r}")


def test_the_typed_client_reconnects_after_1012_and_resubscribes_and_stops_on_4403(start_server, watcher):
    port = free_port()
    old = start_server(port=port)
    registered = old.request(
        "POST",
        "/api/auth/register/",
        {"username": "reconnecting", "email": "reconnecting@example.com", "password": PASSWORD},
    )
    assert registered.status == 201, registered.body
    token = registered.json()["token"]
    created = old.request(
        "POST", "/api/v1/examples/", {"title": "Before"}, {"Authorization": f"Token {token}"}
    )
    assert created.status == 201, created.body
    example_id = created.json()["id"]

    client = watcher(f"http://127.0.0.1:{port}", "reconnecting", PASSWORD)
    rename_until_seen(old, token, example_id, client, "Seen before the deploy")

    # The deploy: SIGTERM, the socket closes with 1012, a new node takes the address.
    old.process.send_signal(signal.SIGTERM)
    assert old.process.wait(timeout=30) == 0
    new = start_server(port=port)
    reconnected = client.next_matching(lambda line: "reconnected" in line)
    assert reconnected["reconnected"]["closeCode"] == 1012
    sockets = reconnected["reconnected"]["sockets"]
    assert sockets >= 2
    # Subscribed again without the caller doing anything: the next change arrives.
    rename_until_seen(new, token, example_id, client, "Seen after the deploy")

    # Signed out: 4403 ends the subscription, and no socket is opened to retry it.
    assert new.request("POST", "/api/auth/logout/", headers={"Authorization": f"Token {token}"}).status == 204
    ended = client.next_matching(lambda line: "error" in line)
    assert ended == {"error": 4403, "sockets": sockets}


def test_the_typed_client_reconnects_after_1013_when_redis_stops_and_resubscribes(
    start_server, watcher, tmp_path
):
    """The channel layer and the cache on one Redis: it stops, the socket closes with 1013,
    the client retries until Redis is back, then subscribes again and gets the next event."""
    redis_env = {"REDIS_STATE": str(tmp_path / "redis.env"), "REDIS_PORT": str(free_port())}

    def redis(command: str) -> None:
        subprocess.run(["scripts/redis.sh", command], cwd=ROOT, env={**os.environ, **redis_env}, check=True)

    redis("start")
    try:
        url = f"redis://127.0.0.1:{redis_env['REDIS_PORT']}/0"
        port = free_port()
        server = start_server(port=port, REDIS_URL=url, CHANNEL_LAYER_REDIS_URL=url)
        body = {"username": "outlasting", "email": "outlasting@example.com", "password": PASSWORD}
        registered = server.request("POST", "/api/auth/register/", body)
        assert registered.status == 201, registered.body
        token = registered.json()["token"]
        headers = {"Authorization": f"Token {token}"}
        created = server.request("POST", "/api/v1/examples/", {"title": "Before"}, headers)
        assert created.status == 201, created.body
        example_id = created.json()["id"]
        client = watcher(f"http://127.0.0.1:{port}", "outlasting", PASSWORD)
        rename_until_seen(server, token, example_id, client, "Seen before the outage")

        redis("stop")
        deadline = time.monotonic() + WAIT
        while "channel layer unavailable, socket closed (1013)" not in server.log.read_text():
            assert time.monotonic() < deadline, server.log.read_text()[-3000:]
            time.sleep(0.05)
        redis("start")
        reconnected = client.next_matching(lambda line: "reconnected" in line)
        assert reconnected["reconnected"]["closeCode"] == 1013
        rename_until_seen(server, token, example_id, client, "Seen after the outage")
    finally:
        redis("stop")
    assert "Traceback" not in server.log.read_text()
