"""The real server survives database outages and killed connections."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
UNAVAILABLE = {"detail": "The database is unavailable. Try again shortly."}


def examples_by_id() -> dict:
    """The frontend's Examples operation as a trusted document id: production runs only those."""
    from graphql_api.persisted import load_manifest_entries

    [sha256] = [key for key, text in load_manifest_entries().items() if "query Examples(" in text]
    return {"documentId": f"sha256:{sha256}", "variables": {}}


@pytest.fixture(scope="module")
def server(start_server):
    # Persistent connections, as deployed: the interesting case for reconnects.
    # One thread, so one connection: the killed connection is the one reused next.
    return start_server(DB_CONN_MAX_AGE="600", DB_CONNECT_TIMEOUT="2", GUNICORN_THREADS="1")


@pytest.fixture(scope="module")
def token(server) -> str:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201
    return response.json()["token"]


def test_outage_is_503_json_and_recovery_needs_no_restart(server, token, pg_cluster):
    auth = {"Authorization": f"Token {token}"}
    assert server.request("GET", "/ready/").status == 200
    assert server.request("GET", "/api/auth/user/", headers=auth).status == 200

    pg_cluster.pause()
    try:
        for _ in range(2):  # the first request drops the dead connection, the next cannot reconnect
            ready = server.request("GET", "/ready/")
            assert ready.status == 503
            assert ready.content_type == "application/json"
            assert ready.json() == UNAVAILABLE
            api = server.request("GET", "/api/auth/user/", headers=auth)
            assert api.status == 503, api.body
            assert api.content_type == "application/json"
            assert api.json() == UNAVAILABLE
            assert b"Traceback" not in api.body
            login = server.request("POST", "/api/auth/login/", {"username": "x", "password": "y"})
            assert (login.status, login.json()) == (503, UNAVAILABLE)
            graphql = server.request("POST", "/graphql/", examples_by_id(), headers=auth)
            assert graphql.status == 503
            assert graphql.json()["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
        assert server.request("GET", "/health/").status == 200  # liveness does not need the database
    finally:
        pg_cluster.resume()

    assert server.request("GET", "/ready/").status == 200
    assert server.request("GET", "/api/auth/user/", headers=auth).status == 200
    graphql = server.request("POST", "/graphql/", examples_by_id(), headers=auth)
    assert graphql.status == 200
    assert graphql.json()["data"]["examples"]["totalCount"] == 0
    assert server.process.poll() is None  # the same process, never restarted


def test_terminated_backend_connections_cost_no_failed_request(server, token, pg_cluster):
    auth = {"Authorization": f"Token {token}"}
    assert server.request("GET", "/api/auth/user/", headers=auth).status == 200
    killed = pg_cluster.psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    assert int(killed) >= 1
    statuses = [server.request("GET", "/api/auth/user/", headers=auth).status for _ in range(8)]
    assert statuses == [200] * 8
