"""Integrity under concurrent requests on a real multi-threaded server (PostgreSQL)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
THREADS = 8


@pytest.fixture(scope="module")
def server(start_server):
    return start_server(GUNICORN_WORKERS="2", GUNICORN_THREADS="8")


def in_parallel(calls):
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_concurrent_registrations_with_one_email_create_one_user(server, pg_cluster):
    for _round in range(3):
        local = uuid.uuid4().hex[:10]
        # The same address in different cases: the database constraint is case-insensitive.
        emails = [f"{local}@example.com", f"{local.upper()}@example.com", f"{local}@EXAMPLE.com"] * 2
        responses = in_parallel(
            [
                lambda e=e: server.request("POST", "/api/auth/register/", {"email": e, "password": STRONG})
                for e in emails
            ]
        )
        statuses = sorted(r.status for r in responses)
        assert statuses == [201] + [400] * (len(emails) - 1), [r.body for r in responses]
        for response in responses:
            if response.status == 400:
                assert response.json() == {"email": ["A user with that email already exists."]}
        count = pg_cluster.psql(
            f"SELECT count(*) FROM authentication_user WHERE lower(email) = lower('{local}@example.com')"
        )
        assert int(count) == 1
