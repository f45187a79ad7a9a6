"""`make cluster`, the typed client across a node's stop: it reconnects, resumes, and misses nothing.

frontend/watch.ts (the typed client from Node) subscribes on node 1. A write
through node 2 arrives as an event (with its ``eventId``); node 1 is stopped
(SIGTERM: the socket closes with 1012), a second write is made through node 2
while it is down, node 1 starts again. The client reconnects with backoff,
resubscribes with ``after:`` the last event id, says it ``resumed``, and the
second write arrives, replayed from the history; a third, live, follows.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from collections.abc import Callable, Iterator

import pytest

from .conftest import ROOT, STRONG, Cluster, call, register

EXAMPLES = "/api/v1/examples/"
# A bound on each wait for the client's next line (the reconnection backoff alone takes seconds).
WAIT = 120


class Watcher:
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
            assert "error" not in line, line
            if matches(line):
                return line


@pytest.fixture
def watcher() -> Iterator[Callable[..., Watcher]]:
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        pytest.skip("node_modules is missing: run `npm ci --no-audit --no-fund`.")
    started: list[subprocess.Popen] = []

    def start(*args: str) -> Watcher:
        process = subprocess.Popen(
            [str(tsx), "frontend/watch.ts", *args],
            cwd=ROOT,
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


def write(cluster: Cluster, account: dict, title: str) -> int:
    created = call(cluster.node_url(2) + EXAMPLES, "POST", {"title": title}, account["auth"])
    assert created.status == 201, created
    return created.body["id"]


def event_titled(title: str) -> Callable[[dict], bool]:
    return lambda line: "event" in line and line["event"]["title"] == title


def test_the_typed_client_resumes_after_its_node_stops_and_misses_nothing(cluster: Cluster, watcher):
    account = register(cluster.url)
    client = watcher(cluster.node_url(1), account["email"], STRONG)
    # Until the client's subscription is registered a write may go unseen: write until one is seen.
    for attempt in range(30):
        title = f"before the stop {attempt}"
        write(cluster, account, title)
        try:
            line = client.lines.get(timeout=2)
        except queue.Empty:
            continue
        assert line["event"]["kind"] == "CREATED", line
        break
    else:
        raise AssertionError("the client never received an event")

    cluster.drill("stop", "1")
    missed = write(cluster, account, "while node 1 was down")
    cluster.drill("start", "1")

    reconnected = client.next_matching(lambda line: "reconnected" in line)
    assert reconnected["reconnected"]["closeCode"] == 1012, reconnected
    assert reconnected["reconnected"]["resumed"] is True, reconnected
    # Earlier events may still be in the queue; the missed write must come, replayed.
    replayed = client.next_matching(event_titled("while node 1 was down"))
    assert replayed["event"] == {"kind": "CREATED", "id": str(missed), "title": "while node 1 was down"}
    live = write(cluster, account, "after the restart")
    assert client.next_matching(event_titled("after the restart"))["event"]["id"] == str(live)
