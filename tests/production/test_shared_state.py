"""Two server processes, one PostgreSQL and one Redis: limits and credentials hold across them."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"


def register(server, **extra) -> dict:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG, **extra})
    assert response.status == 201, response.body
    return {"email": email, **response.json()}


@pytest.fixture(scope="module")
def two_servers(start_server, redis_url):
    shared = {
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"shared-{uuid.uuid4().hex[:6]}",
        "AUTH_THROTTLE_RATE": "3/min",
    }
    return start_server(**shared), start_server(**shared)


def test_login_throttle_counted_on_one_server_is_enforced_on_the_other(two_servers):
    first, second = two_servers
    wrong = {"username": "nobody", "password": "wrong"}
    assert [first.request("POST", "/api/auth/login/", wrong).status for _ in range(3)] == [400, 400, 400]
    response = second.request("POST", "/api/auth/login/", wrong)
    assert response.status == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["detail"].startswith("Request was throttled")


def test_token_issued_by_one_server_works_on_the_other(start_server, redis_url):
    first, second = (start_server(REDIS_URL=redis_url) for _ in range(2))
    account = register(first)
    response = second.request(
        "GET", "/api/auth/user/", headers={"Authorization": f"Token {account['token']}"}
    )
    assert response.status == 200
    assert response.json()["email"] == account["email"]


def test_session_issued_by_one_server_works_on_the_other(start_server, redis_url):
    first, second = (start_server(REDIS_URL=redis_url) for _ in range(2))
    account = register(first)
    login = first.request("POST", "/api/auth/login/", {"email": account["email"], "password": STRONG})
    assert login.status == 200
    session = login.cookies["sessionid"]
    response = second.request("GET", "/api/auth/user/", headers={"Cookie": f"sessionid={session}"})
    assert response.status == 200
    assert response.json()["email"] == account["email"]


def test_without_redis_each_process_counts_alone(start_server):
    """The control: local-memory caches do not share counts, which is why REDIS_URL matters."""
    first, second = start_server(AUTH_THROTTLE_RATE="2/min"), start_server(AUTH_THROTTLE_RATE="2/min")
    wrong = {"username": "nobody", "password": "wrong"}
    assert [first.request("POST", "/api/auth/login/", wrong).status for _ in range(3)] == [400, 400, 429]
    assert second.request("POST", "/api/auth/login/", wrong).status == 400
