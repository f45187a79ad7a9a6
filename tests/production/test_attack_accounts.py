"""Account throttles, email change and the reset mail replayed from outside: real gunicorn, production settings, PostgreSQL, Redis.

Each test is an attack as a client would send it over HTTP; the servers are
started by ``start_server`` (tests/production/conftest.py) with low rates.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django_tasks_db.models import DBTaskResult

from .conftest import ROOT, Response, _response

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
WRONG_LOGIN = {"username": "nobody", "password": "wrong"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# No mail server listens here: every send fails with "connection refused".
MAIL_ENV = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(_closed_port()), "EMAIL_TIMEOUT": "2"}


def _production_env(pg_cluster) -> dict[str, str]:
    return {
        **os.environ,
        **pg_cluster.env,
        **MAIL_ENV,
        "DJANGO_SETTINGS_MODULE": "backend.settings.production",
        "SECRET_KEY": "tests-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
    }


@pytest.fixture(scope="module")
def collected_static(pg_cluster) -> None:
    """The admin's pages need the static manifest, as after a deploy (scripts/serve.sh runs this too)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_production_env(pg_cluster),
        check=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def server(start_server, redis_url, collected_static):
    """NUM_PROXIES=0 (the default), throttle counts in Redis, no reachable mail server."""
    return start_server(
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=f"accounts-{uuid.uuid4().hex[:6]}",
        NUM_PROXIES="0",
        AUTH_THROTTLE_RATE="5/min",
        PASSWORD_CHANGE_THROTTLE_RATE="3/min",
        EMAIL_CHANGE_THROTTLE_RATE="3/min",
        ADMIN_LOGIN_THROTTLE_RATE="3/min",
        **MAIL_ENV,
    )


def register(server) -> dict:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201, response.body
    return {"email": email, "auth": {"Authorization": f"Token {response.json()['token']}"}}


def _throttled(response: Response) -> None:
    assert response.status == 429, response.body[:500]
    assert int(response.headers["retry-after"]) > 0


def test_rotating_x_forwarded_for_is_still_throttled(server):
    codes = [
        server.request("POST", "/api/auth/login/", WRONG_LOGIN, {"X-Forwarded-For": f"198.51.100.{i}"}).status
        for i in range(5)
    ]
    assert codes == [400] * 5
    _throttled(server.request("POST", "/api/auth/login/", WRONG_LOGIN, {"X-Forwarded-For": "203.0.113.77"}))


def test_behind_one_proxy_the_right_most_address_counts(start_server):
    proxied = start_server(NUM_PROXIES="1", AUTH_THROTTLE_RATE="2/min")

    def login(xff: str) -> int:
        return proxied.request("POST", "/api/auth/login/", WRONG_LOGIN, {"X-Forwarded-For": xff}).status

    # The client forges the left part; the proxy's entry stays the same.
    assert [login(f"6.6.6.{i}, 198.51.100.7") for i in range(3)] == [400, 400, 429]
    # Another client behind the same proxy has its own count.
    assert login("198.51.100.8") == 400


def test_password_change_is_throttled(server):
    account = register(server)
    guesses = [
        server.request(
            "POST",
            "/api/auth/password/change/",
            {"old_password": f"guess-{i}", "new_password": "n3w-Passphrase!"},
            account["auth"],
        ).status
        for i in range(3)
    ]
    assert guesses == [400, 400, 400]
    _throttled(
        server.request(
            "POST",
            "/api/auth/password/change/",
            {"old_password": STRONG, "new_password": "n3w-Passphrase!"},
            account["auth"],
        )
    )
    # The right guess past the limit changed nothing: a change would have rotated the token.
    assert server.request("GET", "/api/auth/user/", headers=account["auth"]).status == 200


def test_email_change_without_the_password_is_refused(server):
    account = register(server)
    response = server.request("PATCH", "/api/auth/user/", {"email": "thief@example.com"}, account["auth"])
    assert response.status == 400
    assert list(response.json()) == ["current_password"]
    response = server.request(
        "PATCH",
        "/api/auth/user/",
        {"email": "thief@example.com", "current_password": "wrong"},
        account["auth"],
    )
    assert response.status == 400
    assert list(response.json()) == ["current_password"]
    assert (
        server.request("GET", "/api/auth/user/", headers=account["auth"]).json()["email"] == account["email"]
    )
    # Past the rate, email changes stop being answered at all.
    server.request("PATCH", "/api/auth/user/", {"email": "t2@example.com"}, account["auth"])
    _throttled(server.request("PATCH", "/api/auth/user/", {"email": "t3@example.com"}, account["auth"]))
    # Other fields still change without the password.
    assert server.request("PATCH", "/api/auth/user/", {"first_name": "Eve"}, account["auth"]).status == 200


def _form(server, path: str, fields: dict | None = None, cookies: dict | None = None) -> Response:
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(
        server.url + path, data=data, headers=headers, method="POST" if data else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return _response(reply.status, reply.headers, reply.read())
    except urllib.error.HTTPError as error:
        return _response(error.code, error.headers, error.read())


def test_the_admin_login_is_throttled(server):
    page = _form(server, "/admin/login/")
    assert page.status == 200, page.body[:500]
    cookies = {"csrftoken": page.cookies["csrftoken"]}
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()

    def attempt(password: str) -> Response:
        fields = {"csrfmiddlewaretoken": token, "username": "root", "password": password, "next": "/admin/"}
        return _form(server, "/admin/login/?next=/admin/", fields, cookies)

    for i in range(3):
        response = attempt(f"guess-{i}")
        assert response.status == 200
        assert b"Please enter the correct username and password" in response.body
    response = attempt("guess-3")
    _throttled(response)
    assert b"Too many login attempts" in response.body
    assert b'name="password"' in response.body


def _queued(pg_cluster, email: str) -> list[tuple[str, int]]:
    """(status, attempt) of every reset task queued for ``email``, oldest first."""
    rows = pg_cluster.psql(
        f"SELECT status, args_kwargs FROM {DBTaskResult._meta.db_table} "
        "WHERE task_path = 'authentication.tasks.send_password_reset_mail' "
        f"AND args_kwargs::jsonb->'kwargs'->>'email' = '{email}' ORDER BY enqueued_at"
    )
    result = []
    for line in rows.splitlines():
        status, _, args = line.partition("|")
        result.append((status, json.loads(args)["kwargs"].get("attempt", 1)))
    return result


def test_password_reset_without_a_mail_server_answers_alike_and_queues_the_work(server, pg_cluster):
    account = register(server)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    known_answer = server.request("POST", "/api/auth/password/reset/", {"email": account["email"]})
    unknown_answer = server.request("POST", "/api/auth/password/reset/", {"email": unknown})
    assert known_answer.status == unknown_answer.status == 202
    assert known_answer.body == unknown_answer.body
    # One task each, waiting for the worker; the request did not touch the mail server.
    assert _queued(pg_cluster, account["email"]) == [("READY", 1)]
    assert _queued(pg_cluster, unknown) == [("READY", 1)]

    # The worker (what `make serve` runs) tries, fails, and queues a retry for later.
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=_production_env(pg_cluster),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert _queued(pg_cluster, account["email"]) == [("FAILED", 1), ("READY", 2)]
    assert _queued(pg_cluster, unknown) == [("SUCCESSFUL", 1)]
    assert "retrying in 30 s" in worker.stderr + worker.stdout


def test_make_serve_starts_and_stops_the_task_worker(tmp_path):
    """scripts/serve.sh (what `make serve` runs): the worker drains the queue, and Ctrl-C stops it."""
    port = _closed_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DJANGO_", "REDIS", "PG_"))},
        **MAIL_ENV,
        "PG_STATE": str(tmp_path / "postgres.env"),
        "REDIS_STATE": str(tmp_path / "redis.env"),
        "NGINX_STATE": str(tmp_path / "nginx.env"),
        # nginx's public port; serve.sh picks gunicorn's private one.
        "PORT": str(port),
        "GUNICORN_WORKERS": "1",
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives it
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(lambda: urllib.request.urlopen(base + "/health/", timeout=2).status == 200, serve, log)
        worker_pid = int(re.search(r"Task worker started \(pid (\d+)\)", log.read_text()).group(1))
        unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
        request = urllib.request.Request(
            base + "/api/auth/password/reset/",
            data=json.dumps({"email": unknown}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert urllib.request.urlopen(request, timeout=10).status == 202
        # The worker picks the task up on its own (an unknown address: it succeeds doing nothing).
        state = dict(
            line.split("=", 1) for line in (tmp_path / "postgres.env").read_text().splitlines() if "=" in line
        )
        cluster = type("C", (), {"psql": _Psql(state).psql})()
        _wait_for(lambda: _queued(cluster, unknown) == [("SUCCESSFUL", 1)], serve, log)
    finally:
        os.killpg(serve.pid, signal.SIGINT)  # Ctrl-C
        serve.wait(timeout=60)
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)


class _Psql:
    def __init__(self, state: dict[str, str]) -> None:
        self.state = state

    def psql(self, sql: str) -> str:
        # The cluster is stopped by serve.sh's own exit; read it while it runs.
        return subprocess.run(
            ["psql", "-h", self.state["DB_HOST"], "-p", self.state["DB_PORT"], "-U", "postgres",
             "-d", self.state["DB_NAME"], "-Atc", sql],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip


def _wait_for(condition, process: subprocess.Popen, log, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve.sh exited: {log.read_text()[-3000:]}")
        try:
            if condition():
                return
        except (OSError, subprocess.CalledProcessError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out: {log.read_text()[-3000:]}")
