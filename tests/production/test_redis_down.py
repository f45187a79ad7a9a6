"""Redis down and back, against a real gunicorn with production settings.

Redis holds the throttle counts (and the channel layer). While it is down the
throttled endpoints answer 503 JSON with Retry-After (never a 500), reads and
writes that do not need it keep working, and /ready/ says so without taking
the node out of the balancer; when it is back, everything answers as before.
"""

from __future__ import annotations

import uuid

import pytest

from .conftest import _script, _state, free_port

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own on a fixed port, so it can be stopped and started again."""
    state = tmp_path / "redis.env"
    port = str(free_port())
    env = {"REDIS_STATE": str(state), "REDIS_PORT": port}
    _script("redis.sh", "start", env=env)

    class Redis:
        url = _state(state)["REDIS_URL"]

        def down(self) -> None:
            _script("redis.sh", "stop", env=env)

        def up(self) -> None:
            _script("redis.sh", "start", env=env)

    try:
        yield Redis()
    finally:
        _script("redis.sh", "stop", env=env)


def test_redis_down_and_back(start_server, own_redis):
    server = start_server(REDIS_URL=own_redis.url, CACHE_KEY_PREFIX=f"down-{uuid.uuid4().hex[:6]}")
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    registered = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert registered.status == 201, registered.body
    auth = {"Authorization": f"Token {registered.json()['token']}"}
    assert server.request("GET", "/ready/").json() == {"status": "ok", "database": "ok", "redis": "ok"}

    own_redis.down()
    login = server.request("POST", "/api/auth/login/", {"email": email, "password": STRONG})
    assert login.status == 503, login.body
    assert login.content_type == "application/json"
    assert login.json() == {"detail": "A shared service is unavailable. Try again shortly."}
    assert int(login.headers["retry-after"]) > 0
    created = server.request("POST", "/api/v1/examples/", {"title": "while redis is down"}, headers=auth)
    assert created.status == 201, created.body
    listed = server.request("GET", "/api/v1/examples/", headers=auth)
    assert listed.status == 200
    assert [row["title"] for row in listed.json()["results"]] == ["while redis is down"]
    ready = server.request("GET", "/ready/")
    assert ready.status == 200
    assert ready.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}

    own_redis.up()
    assert server.request("POST", "/api/auth/login/", {"email": email, "password": STRONG}).status == 200
    assert server.request("GET", "/ready/").json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert b"Traceback" not in server.log.read_bytes()
