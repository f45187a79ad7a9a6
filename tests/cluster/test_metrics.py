"""Each node's metrics listener (`METRICS_BIND`, set per node by scripts/cluster.sh), scraped apart.

Requests made through nginx move the counters of both nodes; each node's
listener reads the multiprocess files of its workers (one per node in the
cluster: tests/production/test_metrics.py sums several), so the two nodes'
increases add up to exactly the requests made; nginx itself has no route to
any listener.
"""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from .conftest import Cluster, call

# A route no other drill asks for, answered without a login (401): its count is this test's alone.
PATH = "/api/v1/examples/987654321/"
REQUESTS = 24
NODES = (1, 2)


def metrics_url(cluster: Cluster, node: int) -> str:
    host = (cluster.folder / f"node{node}.host").read_text().strip()
    port = (cluster.folder / f"node{node}.metrics").read_text().strip()
    return f"http://{host}:{port}/metrics"


def requests_counted(cluster: Cluster, node: int) -> float:
    """The node's ``http_requests_total`` for PATH's route, GET, 401: summed over its workers by the listener."""
    with urllib.request.urlopen(metrics_url(cluster, node), timeout=30) as reply:
        text = reply.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total"
        and sample.labels.get("route", "").startswith("api/v1/examples/")
        and "<pk>" in sample.labels.get("route", "")
        and sample.labels.get("method") == "GET"
        and sample.labels.get("status") == "401"
    )


def test_each_nodes_listener_counts_its_requests_and_nginx_routes_to_none(cluster: Cluster):
    before = {node: requests_counted(cluster, node) for node in NODES}
    for _ in range(REQUESTS):
        assert call(cluster.url + PATH).status == 401
    moved = {node: requests_counted(cluster, node) - before[node] for node in NODES}

    assert all(increase > 0 for increase in moved.values()), moved  # nginx balanced onto both
    assert sum(moved.values()) == REQUESTS, moved
    # The listener is not behind the balancer: /metrics there is the app's 404.
    assert call(cluster.url + "/metrics").status == 404
