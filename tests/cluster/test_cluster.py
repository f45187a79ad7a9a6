"""`make cluster` end to end: `scripts/cluster.sh up`, then a failure drill (`make cluster-test`).

nginx balancing two app nodes (each with its task worker), PgBouncer in front
of a PostgreSQL primary with a streaming replica, Redis: all started by the
script on loopback ports, in a state folder of this test, and stopped at the
end. A write through the balancer reads back through each node; one node
stopped with SIGTERM while requests keep coming costs none of them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster.sh"
STRONG = "a-Strong-passphrase-42"


def _missing() -> str | None:
    """What this machine lacks to run the cluster, in one line (None: nothing)."""
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        return ".venv/bin/gunicorn (make install)"
    installable = shutil.which("apt-get") and (os.geteuid() == 0 or shutil.which("sudo"))
    for binary in ("pg_ctl", "redis-server", "pgbouncer"):
        found = shutil.which(binary) or any(Path("/usr/lib/postgresql").glob(f"*/bin/{binary}"))
        if not found and not installable:
            return f"{binary} (and no apt-get to install it)"
    if not Path("/usr/sbin/nginx").exists() and not installable:
        return "nginx (and no apt-get to install it)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Cluster:
    def __init__(self, folder: Path, port: int, process: subprocess.Popen) -> None:
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        self.process = process

    def node_url(self, node: int) -> str:
        return f"http://127.0.0.1:{(self.folder / f'node{node}.port').read_text().strip()}"

    def drill(self, *args: str) -> None:
        subprocess.run(
            [str(SCRIPT), *args],
            cwd=ROOT,
            env={**os.environ, "CLUSTER_DIR": str(self.folder)},
            check=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    missing = _missing()
    if missing:
        pytest.skip(f"make cluster needs {missing}")
    folder = tmp_path_factory.mktemp("cluster")
    port = _free_port()
    log = (folder / "up.log").open("w")
    env = {
        **os.environ,
        "CLUSTER_DIR": str(folder),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CLUSTER_NODES": "2",
    }
    process = subprocess.Popen([str(SCRIPT), "up"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = Cluster(folder, port, process)
    try:
        deadline = time.monotonic() + 300
        while "Cluster serving" not in (folder / "up.log").read_text():
            assert process.poll() is None, (folder / "up.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (folder / "up.log").read_text()[-3000:]
            time.sleep(0.5)
        yield started
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_a_write_through_the_balancer_reads_back_through_every_node_and_a_stopped_node_costs_nothing(cluster):
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    status, body = _call(cluster.url + "/api/auth/register/", "POST", {"email": email, "password": STRONG})
    assert status == 201, body
    token = {"Authorization": f"Token {body['token']}"}
    status, body = _call(cluster.url + "/api/v1/examples/", "POST", {"title": "through the balancer"}, token)
    assert status == 201, body

    for node in (1, 2):
        status, body = _call(cluster.node_url(node) + "/api/v1/examples/", headers=token)
        assert status == 200, body
        assert [row["title"] for row in body["results"]] == ["through the balancer"]

    # Requests keep coming through the balancer while node 1 drains and stops.
    failures: list[object] = []
    answered = []
    done = threading.Event()

    def traffic() -> None:
        while not done.is_set():
            try:
                status, body = _call(cluster.url + "/api/v1/examples/", headers=token)
            except OSError as error:
                failures.append(error)
                continue
            if status != 200:
                failures.append((status, body))
            answered.append(status)

    threads = [threading.Thread(target=traffic) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        cluster.drill("stop", "1")
        # And a few more once it is gone: the balancer sends them to node 2.
        floor = len(answered) + 20
        deadline = time.monotonic() + 60
        while len(answered) < floor and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == []
    assert len(answered) >= 20
    cluster.drill("start", "1")
    status, _ = _call(cluster.node_url(1) + "/api/v1/examples/", headers=token)
    assert status == 200
