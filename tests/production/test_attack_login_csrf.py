"""Replayed from outside: no login from another site.

A real gunicorn with production settings on PostgreSQL. A page on another
site can make a visitor's browser post an HTML form (form-encoded,
multipart or text/plain) to the login or register endpoint without any CORS
preflight; if the backend took it, the visitor would be logged into the
attacker's account (login CSRF). Every such body is a 415, sets no session
cookie and creates nothing; JSON, which a cross-site page cannot send without
a preflight that only allowed origins pass, still works.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
EVIL_ORIGIN = "https://evil.example"


@pytest.fixture(scope="module")
def server(start_server):
    return start_server()


@pytest.fixture(scope="module")
def account(server) -> dict[str, str]:
    email = f"csrf-{uuid.uuid4().hex[:10]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201, response.body
    return {"email": email, "username": response.json()["user"]["username"]}


def post_raw(server, path: str, body: bytes, content_type: str):
    """A browser's cross-site form post: the body as given, another site's Origin, no CSRF token."""
    request = urllib.request.Request(
        server.url + path,
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Origin": EVIL_ORIGIN, "Referer": EVIL_ORIGIN + "/"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def form_bodies(fields: dict[str, str]) -> list[tuple[bytes, str]]:
    encoded = "&".join(f"{key}={urllib.request.quote(value)}" for key, value in fields.items())
    boundary = "xYzZY"
    multipart = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            for key, value in fields.items()
        )
        + f"--{boundary}--\r\n"
    )
    return [
        (encoded.encode(), "application/x-www-form-urlencoded"),
        (multipart.encode(), f"multipart/form-data; boundary={boundary}"),
        # An HTML form with enctype="text/plain" can carry a JSON-looking body.
        (json.dumps(fields).encode(), "text/plain"),
    ]


@pytest.mark.parametrize("kind", ["urlencoded", "multipart", "text-plain"])
def test_a_cross_site_form_cannot_log_a_visitor_in(server, account, kind):
    index = ["urlencoded", "multipart", "text-plain"].index(kind)
    body, content_type = form_bodies({"username": account["username"], "password": STRONG})[index]
    status, headers, content = post_raw(server, "/api/auth/login/", body, content_type)
    assert status == 415, content
    assert "detail" in json.loads(content)
    assert not any(cookie.startswith("sessionid=") for cookie in headers.get_all("Set-Cookie") or [])
    assert headers.get("Access-Control-Allow-Origin") is None


@pytest.mark.parametrize("kind", ["urlencoded", "multipart", "text-plain"])
def test_a_cross_site_form_cannot_register_an_account(server, pg_cluster, kind):
    email = f"forged-{uuid.uuid4().hex[:10]}@example.com"
    index = ["urlencoded", "multipart", "text-plain"].index(kind)
    body, content_type = form_bodies({"email": email, "password": STRONG})[index]
    status, _headers, content = post_raw(server, "/api/auth/register/", body, content_type)
    assert status == 415, content
    assert pg_cluster.psql(f"SELECT count(*) FROM auth_user WHERE email = '{email}'").strip() == "0"


def test_json_login_still_works(server, account):
    response = server.request(
        "POST", "/api/auth/login/", {"username": account["username"], "password": STRONG}
    )
    assert response.status == 200, response.body
    assert "sessionid" in response.cookies
