"""`make cluster` end to end: `scripts/cluster.sh up`, then a failure drill (`make cluster-test`).

nginx balancing two app nodes (each with its task worker), PgBouncer in front
of a PostgreSQL primary with a streaming replica, Redis: all started by the
script in a state folder of this test, and stopped at the end: each host in
its own network namespace where the machine allows it, else on loopback ports
(CLUSTER_TEST_MODES=both: once each way). A write through the balancer reads
back through each node; one node stopped with SIGTERM while requests keep
coming costs none of them. With namespaces, a node answers only on its
private address, the balancer reaches every node there, and nothing of the
network outlives the cluster. The mode's choice and the cleanup after a
failed `up` are checked without a whole cluster.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
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


def _script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _net_id(folder: Path) -> str:
    """The prefix of the cluster's namespaces and interfaces: c + 6 hex of its folder's path."""
    return "c" + hashlib.sha1(str(folder).encode(), usedforsecurity=False).hexdigest()[:6]


def _leftovers(net_id: str) -> list[str]:
    """Namespaces and interfaces of this machine whose names start with the cluster's prefix."""
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in namespaces.splitlines() if line.strip()]
    names += [line.split(": ")[1].split("@")[0] for line in links.splitlines() if ": " in line]
    return [name for name in names if name.startswith(f"{net_id}-")]


def _netns_available() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        return _script("mode", env={"CLUSTER_NETNS": "1", "CLUSTER_DIR": folder}).returncode == 0


class Cluster:
    def __init__(self, folder: Path, port: int, process: subprocess.Popen, mode: str) -> None:
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.mode = mode
        self.net_id = _net_id(folder)

    def _read(self, name: str) -> str:
        return (self.folder / name).read_text().strip()

    def node_url(self, node: int) -> str:
        """The node's own address: its namespace's on the private network, or loopback."""
        return f"http://{self._read(f'node{node}.host')}:{self._read(f'node{node}.port')}"

    def root_host(self) -> str:
        """The address at which the hosts reach this (the root) namespace: bind a service for them here."""
        return self._read("root.host")

    def drill(self, *args: str) -> None:
        subprocess.run(
            [str(SCRIPT), *args],
            cwd=ROOT,
            env={**os.environ, "CLUSTER_DIR": str(self.folder)},
            check=True,
            timeout=120,
        )


def _modes() -> list[str]:
    """The clusters under test: by default the one `make cluster` picks here (namespaces
    where the machine allows them, else the loopback fallback); CLUSTER_TEST_MODES=both
    runs every test on each (two clusters: twice the time)."""
    return ["netns", "loopback"] if os.environ.get("CLUSTER_TEST_MODES") == "both" else ["auto"]


@pytest.fixture(scope="module", params=_modes())
def cluster(request, tmp_path_factory):
    missing = _missing()
    if missing:
        pytest.skip(f"make cluster needs {missing}")
    mode = request.param
    if mode == "auto":
        mode = "netns" if _netns_available() else "loopback"
    elif mode == "netns" and not _netns_available():
        pytest.skip("network namespaces need root and a working `ip netns` (CLUSTER_NETNS=1 refuses here)")
    folder = tmp_path_factory.mktemp(f"cluster-{mode}")
    port = _free_port()
    log = (folder / "up.log").open("w")
    env = {
        **os.environ,
        "CLUSTER_DIR": str(folder),
        "CLUSTER_NETNS": "1" if mode == "netns" else "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CLUSTER_NODES": "2",
    }
    process = subprocess.Popen([str(SCRIPT), "up"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = Cluster(folder, port, process, mode)
    try:
        # Generous: on a busy two-core machine the start takes minutes.
        deadline = time.monotonic() + 480
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
    # Torn down: not one namespace, veth or bridge of this cluster is left.
    if shutil.which("ip"):
        assert _leftovers(started.net_id) == []


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


def _refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_a_node_answers_on_its_own_address_only_and_the_balancer_reaches_every_node(cluster):
    for node in (1, 2):
        host = (cluster.folder / f"node{node}.host").read_text().strip()
        port = int((cluster.folder / f"node{node}.port").read_text())
        if cluster.mode == "netns":
            # Its namespace's address on the private network, and nothing on this machine's loopback.
            assert host.startswith(cluster.root_host().rsplit(".", 1)[0] + ".")
            assert host != cluster.root_host()
            assert _refused("127.0.0.1", port)
        else:
            assert host == "127.0.0.1"
        status, body = _call(cluster.node_url(node) + "/health/")
        assert status == 200, body

    # Requests through the balancer, each with its own id, land on both nodes,
    # coming from the balancer's address on the bridge. More are sent until
    # both have answered: a node the drill above restarted may still sit out
    # the balancer's fail_timeout.
    probe = uuid.uuid4().hex
    seen: dict[int, list[dict]] = {1: [], 2: []}
    deadline = time.monotonic() + 60
    index = 0
    while not all(seen.values()) and time.monotonic() < deadline:
        status, _ = _call(cluster.url + "/health/", headers={"X-Request-ID": f"{probe}-{index}"})
        assert status == 200
        index += 1
        time.sleep(0.1)
        seen = {node: _access_lines(cluster.folder / f"node{node}.log", probe) for node in (1, 2)}
    assert all(seen.values()), seen
    assert {entry["remote"] for entries in seen.values() for entry in entries} == {cluster.root_host()}


def _access_lines(log: Path, probe: str) -> list[dict]:
    """The node's access-log entries of requests whose id starts with probe."""
    return [
        json.loads(line) for line in log.read_text().splitlines() if probe in line and line.startswith("{")
    ]


def test_status_names_each_host_and_where_it_runs(cluster):
    result = _script("status", env={"CLUSTER_DIR": str(cluster.folder)})
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines())
    hosts = {"node1": "node1", "worker1": "node1", "node2": "node2", "worker2": "node2"}
    hosts |= {"pgbouncer": "db", "postgres": "db", "replica": "replica", "redis": "redis"}
    for line, host in hosts.items():
        where = f"namespace {cluster.net_id}-{host}," if cluster.mode == "netns" else "loopback,"
        assert lines[line].strip().startswith(where), result.stdout
        assert "running" in lines[line] or "streaming" in lines[line], result.stdout
    if cluster.mode == "netns":
        namespaces = subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, check=True
        ).stdout
        for host in ("node1", "node2", "db", "replica", "redis"):
            assert f"{cluster.net_id}-{host}" in namespaces.split()


def test_the_mode_follows_cluster_netns_and_says_why_it_falls_back(tmp_path):
    env = {"CLUSTER_DIR": str(tmp_path)}
    loopback = _script("mode", env={**env, "CLUSTER_NETNS": "0"})
    assert (loopback.returncode, loopback.stdout) == (0, "loopback\n")
    assert "loopback ports of this machine (CLUSTER_NETNS=0)" in loopback.stderr
    wrong = _script("mode", env={**env, "CLUSTER_NETNS": "yes"})
    assert wrong.returncode == 2
    assert "CLUSTER_NETNS must be auto, 1 or 0" in wrong.stderr
    automatic = _script("mode", env={**env, "CLUSTER_NETNS": "auto"})
    assert automatic.returncode == 0
    assert automatic.stdout == ("netns\n" if _netns_available() else "loopback\n")
    if automatic.stdout == "loopback\n":
        assert "network namespaces unavailable:" in automatic.stderr
    if shutil.which("ip"):
        assert _leftovers(_net_id(tmp_path)) == []


def test_a_failed_up_removes_the_network_it_built(tmp_path):
    if not _netns_available():
        pytest.skip("network namespaces need root and a working `ip netns`")
    # PostgreSQL, the first service, cannot make its temp folder: `up` fails
    # right after the namespaces exist.
    env = {"CLUSTER_DIR": str(tmp_path), "CLUSTER_NETNS": "1", "TMPDIR": str(tmp_path / "missing")}
    result = _script("up", env=env)
    assert result.returncode != 0
    assert f"bridge {_net_id(tmp_path)}-br" in result.stderr, result.stderr
    assert "Cluster stopped." in result.stderr
    assert _leftovers(_net_id(tmp_path)) == []
    assert not (tmp_path / "network.env").exists()
