"""A streaming replica behind the router (backend/replica.py), against real servers.

PostgreSQL primary plus a streaming replica (`scripts/postgres.sh
replica-start`, `pg_basebackup -R`) applying WAL 1.5 s late, Redis for the
pins, gunicorn with production settings. A caller always reads their own
writes on REST and GraphQL; another credential's read provably goes to the
replica (it sees the replica's older state while replay is paused); and a
replica further behind than REPLICA_MAX_LAG_SECONDS is not used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
import uuid

import pytest

from .conftest import ROOT, _script, _state

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
EXAMPLES = "/api/v1/examples/"
GRAPHQL_TITLES = "{ examples(pagination: {limit: 100}) { totalCount results { title } } }"


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """A primary and a replica of its own, migrated; the replica applies WAL 1.5 s late."""
    state = tmp_path_factory.mktemp("replicated") / "postgres.env"
    env = {"PG_STATE": str(state)}
    _script("postgres.sh", "start", env=env)
    try:
        values = _state(state)
        db = {key: values[key] for key in ("DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT")}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings.development", **db},
            check=True,
        )
        _script("postgres.sh", "replica-start", env=env)
        _script("postgres.sh", "replica-delay", "1500", env=env)
        values = _state(state)
        db.update(DB_REPLICA_HOST=values["DB_REPLICA_HOST"], DB_REPLICA_PORT=values["DB_REPLICA_PORT"])

        class Replicated:
            settings = db

            def pause_replay(self) -> None:
                _script("postgres.sh", "replica-pause", env=env)

            def resume_replay(self) -> None:
                _script("postgres.sh", "replica-resume", env=env)

        yield Replicated()
    finally:
        _script("postgres.sh", "stop", env=env)


def _server(start_server, replicated, redis_url, **extra):
    return start_server(
        **replicated.settings,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=f"replica-{uuid.uuid4().hex[:6]}",
        GRAPHQL_TRUSTED_DOCUMENTS_ONLY="0",
        **extra,
    )


def _account(server) -> tuple[dict[str, str], dict[str, str]]:
    """A new user's token header, and a session cookie of the same user (a second credential)."""
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    registered = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert registered.status == 201, registered.body
    token = {"Authorization": f"Token {registered.json()['token']}"}
    login = server.request("POST", "/api/auth/login/", {"email": email, "password": STRONG})
    assert login.status == 200, login.body
    return token, {"Cookie": f"sessionid={login.cookies['sessionid']}"}


def _titles(server, headers) -> list[str]:
    response = server.request("GET", EXAMPLES + "?limit=100", headers=headers)
    assert response.status == 200, response.body
    return [row["title"] for row in response.json()["results"]]


def _graphql_titles(server, headers) -> tuple[int, list[str]]:
    response = server.request(
        "GET", "/graphql/?" + urllib.parse.urlencode({"query": GRAPHQL_TITLES}), headers=headers
    )
    assert response.status == 200, response.body
    page = response.json()["data"]["examples"]
    return page["totalCount"], [row["title"] for row in page["results"]]


def test_a_caller_reads_their_own_writes_on_rest_and_graphql(start_server, replicated, redis_url):
    server = _server(
        start_server, replicated, redis_url, REPLICA_PIN_SECONDS="1001", REPLICA_MAX_LAG_SECONDS="1000"
    )
    token, _ = _account(server)
    # A token just issued works: tokens are read from the primary.
    assert server.request("GET", "/api/auth/user/", headers=token).status == 200

    created = server.request("POST", EXAMPLES, {"title": "fresh"}, headers=token)
    assert created.status == 201, created.body
    detail = server.request("GET", f"{EXAMPLES}{created.json()['id']}/", headers=token)
    assert detail.status == 200, detail.body
    listed = server.request("GET", EXAMPLES, headers=token).json()
    assert (listed["count"], [row["title"] for row in listed["results"]]) == (1, ["fresh"])
    assert _graphql_titles(server, token) == (1, ["fresh"])

    # A revoked token is refused at once, whatever the replica still holds.
    assert server.request("POST", "/api/auth/logout/", headers=token).status == 204
    assert server.request("GET", "/api/auth/user/", headers=token).status == 401
    assert server.request("GET", EXAMPLES, headers=token).status == 401


def test_another_credentials_read_goes_to_the_replica(start_server, replicated, redis_url):
    server = _server(
        start_server, replicated, redis_url, REPLICA_PIN_SECONDS="1001", REPLICA_MAX_LAG_SECONDS="1000"
    )
    token, session = _account(server)
    assert server.request("POST", EXAMPLES, {"title": "before"}, headers=token).status == 201
    _wait_until(lambda: _titles(server, session) == ["before"])  # the replica has caught up

    replicated.pause_replay()
    try:
        assert server.request("POST", EXAMPLES, {"title": "after"}, headers=token).status == 201
        # The writer's token is pinned to the primary; the same user's session is not, and reads
        # the replica, whose replay is stopped: it cannot have the new row.
        assert _titles(server, token) == ["after", "before"]
        assert _titles(server, session) == ["before"]
        assert _graphql_titles(server, session) == (1, ["before"])
    finally:
        replicated.resume_replay()


def test_a_replica_behind_the_bound_is_not_read(start_server, replicated, redis_url):
    server = _server(
        start_server, replicated, redis_url, REPLICA_PIN_SECONDS="10", REPLICA_MAX_LAG_SECONDS="1"
    )
    token, session = _account(server)
    replicated.pause_replay()
    try:
        assert server.request("POST", EXAMPLES, {"title": "while paused"}, headers=token).status == 201
        # Replay is stopped, so the replica never gets the row; the session still sees it once the
        # router has measured the replica as more than 1 s behind and reads the primary instead.
        _wait_until(lambda: _titles(server, session) == ["while paused"])
    finally:
        replicated.resume_replay()


def _wait_until(condition, *, seconds: float = 20.0) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds`` (a guard, not a measurement)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition did not hold in time"
        time.sleep(0.2)


def test_the_replica_settings_are_refused_when_the_pin_is_shorter_than_the_lag_bound():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.development",
        "DB_NAME": "x",
        "DB_REPLICA_HOST": "127.0.0.1",
        "REPLICA_PIN_SECONDS": "5",
        "REPLICA_MAX_LAG_SECONDS": "5",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "REPLICA_PIN_SECONDS must exceed REPLICA_MAX_LAG_SECONDS" in result.stderr
