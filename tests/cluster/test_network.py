"""Where the cluster's hosts live (`CLUSTER_NETNS`): namespaces on a private bridge, or loopback ports.

With namespaces, a node answers only on its private address, the balancer
reaches every node there, and nothing of the network outlives the cluster
(checked at the fixture's teardown). The mode's choice and the cleanup after a
failed `up` are checked without a whole cluster.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from .conftest import Cluster, call, leftovers, net_id, netns_available, script


def _refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _access_lines(log: Path, probe: str) -> list[dict]:
    """The node's access-log entries of requests whose id starts with probe."""
    return [
        json.loads(line) for line in log.read_text().splitlines() if probe in line and line.startswith("{")
    ]


def test_a_node_answers_on_its_own_address_only_and_the_balancer_reaches_every_node(cluster: Cluster):
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
        reply = call(cluster.node_url(node) + "/health/")
        assert reply.status == 200, reply

    # Requests through the balancer, each with its own id, land on both nodes,
    # coming from the balancer's address on the bridge. More are sent until
    # both have answered: a node a drill restarted may still sit out the
    # balancer's fail_timeout.
    probe = uuid.uuid4().hex
    seen: dict[int, list[dict]] = {1: [], 2: []}
    deadline = time.monotonic() + 60
    index = 0
    while not all(seen.values()) and time.monotonic() < deadline:
        reply = call(cluster.url + "/health/", headers={"X-Request-ID": f"{probe}-{index}"})
        assert reply.status == 200
        index += 1
        time.sleep(0.1)
        seen = {node: _access_lines(cluster.folder / f"node{node}.log", probe) for node in (1, 2)}
    assert all(seen.values()), seen
    assert {entry["remote"] for entries in seen.values() for entry in entries} == {cluster.root_host()}


def test_status_names_each_host_and_where_it_runs(cluster: Cluster):
    result = script("status", env={"CLUSTER_DIR": str(cluster.folder)})
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
    loopback = script("mode", env={**env, "CLUSTER_NETNS": "0"})
    assert (loopback.returncode, loopback.stdout) == (0, "loopback\n")
    assert "loopback ports of this machine (CLUSTER_NETNS=0)" in loopback.stderr
    wrong = script("mode", env={**env, "CLUSTER_NETNS": "yes"})
    assert wrong.returncode == 2
    assert "CLUSTER_NETNS must be auto, 1 or 0" in wrong.stderr
    automatic = script("mode", env={**env, "CLUSTER_NETNS": "auto"})
    assert automatic.returncode == 0
    assert automatic.stdout == ("netns\n" if netns_available() else "loopback\n")
    if automatic.stdout == "loopback\n":
        assert "network namespaces unavailable:" in automatic.stderr
    if shutil.which("ip"):
        assert leftovers(net_id(tmp_path)) == []


def test_a_failed_up_removes_the_network_it_built(tmp_path):
    if not netns_available():
        pytest.skip("network namespaces need root and a working `ip netns`")
    # PostgreSQL, the first service, cannot make its temp folder: `up` fails
    # right after the namespaces exist.
    env = {"CLUSTER_DIR": str(tmp_path), "CLUSTER_NETNS": "1", "TMPDIR": str(tmp_path / "missing")}
    result = script("up", env=env)
    assert result.returncode != 0
    assert f"bridge {net_id(tmp_path)}-br" in result.stderr, result.stderr
    assert "Cluster stopped." in result.stderr
    assert leftovers(net_id(tmp_path)) == []
    assert not (tmp_path / "network.env").exists()
