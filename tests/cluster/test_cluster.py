"""`make cluster` end to end, the nodes' drills (`make cluster-test`; the cluster is in conftest.py).

nginx balancing two app nodes (each with its task worker), PgBouncer in front
of a PostgreSQL primary with a streaming replica, Redis. A write through the
balancer reads back through each node; a node stopped with SIGTERM under
load costs no request; a node SIGKILLed under reads and writes costs only the
writes it had in flight and loses no acknowledged one; two nodes starting
together both serve; two release steps migrating one new database at once
both succeed.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time

import psycopg2
import pytest

from .conftest import ROOT, SCRIPT, Cluster, call, register, wait_until

EXAMPLES = "/api/v1/examples/"
# nginx's answer for a request whose node died with it (error_page 502 503 in scripts/nginx.conf.template).
UNAVAILABLE = {"detail": "The service is unavailable. Try again shortly."}


class Load:
    """Reads (GET) and writes (POST creates) through the balancer, a few threads, until stopped."""

    def __init__(self, url: str, auth: dict[str, str], *, readers: int = 2, writers: int = 2) -> None:
        self.url, self.auth, self.writers = url, auth, writers
        self.reads: list[int] = []
        self.read_failures: list[object] = []
        self.acknowledged: dict[int, str] = {}  # id -> title of every create answered 201
        self.write_failures: list[object] = []
        self._done = threading.Event()
        self._threads = [threading.Thread(target=self._read) for _ in range(readers)]
        self._threads += [threading.Thread(target=self._write, args=(n,)) for n in range(writers)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._done.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _read(self) -> None:
        while not self._done.is_set():
            try:
                reply = call(self.url + EXAMPLES + "?limit=1", headers=self.auth)
            except OSError as error:
                self.read_failures.append(error)
                continue
            if reply.status != 200:
                self.read_failures.append(reply)
            self.reads.append(reply.status)

    def _write(self, writer: int) -> None:
        for n in range(300):  # bounded: at most 300 rows per writer
            if self._done.is_set():
                return
            title = f"writer {writer} row {n}"
            try:
                reply = call(self.url + EXAMPLES, "POST", {"title": title}, self.auth)
            except OSError as error:
                self.write_failures.append(error)
                continue
            if reply.status == 201:
                self.acknowledged[reply.body["id"]] = title
            else:
                self.write_failures.append(reply)

    def answered(self) -> int:
        return len(self.reads) + len(self.acknowledged)


def _ids_through(url: str, auth: dict[str, str]) -> dict[int, str]:
    """Every example the caller sees through ``url``, page by page."""
    rows: dict[int, str] = {}
    offset = 0
    while True:
        reply = call(f"{url}{EXAMPLES}?limit=100&offset={offset}", headers=auth)
        assert reply.status == 200, reply
        rows.update((row["id"], row["title"]) for row in reply.body["results"])
        offset += 100
        if offset >= reply.body["count"]:
            return rows


def test_a_write_through_the_balancer_reads_back_through_every_node_and_a_stopped_node_costs_nothing(
    cluster: Cluster,
):
    account = register(cluster.url)
    created = call(cluster.url + EXAMPLES, "POST", {"title": "through the balancer"}, account["auth"])
    assert created.status == 201, created

    for node in (1, 2):
        reply = call(cluster.node_url(node) + EXAMPLES, headers=account["auth"])
        assert reply.status == 200, reply
        assert [row["title"] for row in reply.body["results"]] == ["through the balancer"]

    # Requests keep coming through the balancer while node 1 drains and stops.
    with Load(cluster.url, account["auth"], readers=3, writers=0) as load:
        cluster.drill("stop", "1")
        # And a few more once it is gone: the balancer sends them to node 2.
        floor = len(load.reads) + 20
        wait_until(lambda: len(load.reads) >= floor, seconds=60, what="20 reads after the stop")
    assert load.read_failures == []
    cluster.drill("start", "1")
    assert call(cluster.node_url(1) + EXAMPLES, headers=account["auth"]).status == 200


def test_a_node_killed_under_reads_and_writes_loses_no_acknowledged_write(cluster: Cluster):
    account = register(cluster.url)
    with Load(cluster.url, account["auth"]) as load:
        wait_until(
            lambda: len(load.acknowledged) >= 10 and len(load.reads) >= 10, what="load before the kill"
        )
        try:
            cluster.drill("kill", "1")
            floor = load.answered() + 40
            wait_until(lambda: load.answered() >= floor, seconds=60, what="40 answers after the kill")
        finally:
            load.stop()
            cluster.drill("start", "1")
    # Reads are idempotent: nginx retried each one the dead node dropped on node 2.
    assert load.read_failures == []
    # A create in flight on the dying node is not retried (it may have committed): nginx
    # answers 503 JSON for it, and at most one per writer was in flight at the kill.
    assert len(load.write_failures) <= load.writers, load.write_failures
    for failure in load.write_failures:
        assert getattr(failure, "status", None) == 503 and failure.body == UNAVAILABLE, failure

    # Every acknowledged create is there, through each node (the replica may still be catching up).
    for node in (1, 2):
        url = cluster.node_url(node)
        wait_until(
            lambda url=url: load.acknowledged.items() <= _ids_through(url, account["auth"]).items(),
            what=f"every acknowledged write readable through node {node}",
        )


def _together(cluster: Cluster, verb: str) -> list[int]:
    """``cluster.sh VERB 1`` and ``cluster.sh VERB 2`` at the same moment; their exit codes."""
    runs = [
        subprocess.Popen([str(SCRIPT), verb, node], cwd=ROOT, env=cluster.script_env()) for node in ("1", "2")
    ]
    return [run.wait(timeout=180) for run in runs]


def test_two_nodes_starting_together_both_serve(cluster: Cluster):
    account = register(cluster.url)
    assert _together(cluster, "stop") == [0, 0]
    assert _together(cluster, "start") == [0, 0]
    for node in (1, 2):
        ready = call(cluster.node_url(node) + "/ready/")
        assert (ready.status, ready.body) == (200, {"status": "ok", "database": "ok", "redis": "ok"})
        created = call(
            cluster.node_url(node) + EXAMPLES, "POST", {"title": f"on node {node}"}, account["auth"]
        )
        assert created.status == 201, created
    listed = call(cluster.url + EXAMPLES, headers=account["auth"])
    assert listed.status == 200, listed
    assert sorted(row["title"] for row in listed.body["results"]) == ["on node 1", "on node 2"]


@pytest.fixture
def empty_database(cluster: Cluster):
    """A new, empty database on the cluster's primary; its direct DB_* settings; dropped at the end."""
    direct = cluster.app_env(direct=True)
    settings = {key: direct[key] for key in ("DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT")}
    name = f"drill_{os.getpid()}_{int(time.time())}"

    def admin(sql: str) -> None:
        connection = psycopg2.connect(
            dbname=settings["DB_NAME"],
            user=settings["DB_USER"],
            password=settings["DB_PASSWORD"],
            host=settings["DB_HOST"],
            port=settings["DB_PORT"],
        )
        connection.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    admin(f'CREATE DATABASE "{name}"')
    try:
        yield {**settings, "DB_NAME": name}
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_release_steps_migrating_a_new_database_at_once_both_succeed(cluster: Cluster, empty_database):
    nodes = cluster.app_env()
    env = {key: value for key, value in {**os.environ, **nodes}.items() if not key.startswith("DB_")}
    # The release step's environment: PostgreSQL directly (no pooler, no replica), as `up` runs it.
    env.update(empty_database)
    runs = [
        subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # They met: one waited for the other's advisory lock, then found nothing left to do.
    assert any("Another migrate is running" in output for output in outputs), outputs
    assert sum("Applying " in output for output in outputs) == 1, outputs
