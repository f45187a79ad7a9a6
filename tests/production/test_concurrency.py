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
    # Any GraphQL document (not only the frontend's trusted ones): the ifUpdatedAt race sends its own.
    return start_server(GUNICORN_WORKERS="2", GUNICORN_THREADS="8", GRAPHQL_TRUSTED_DOCUMENTS_ONLY="0")


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
            f"SELECT count(*) FROM auth_user WHERE lower(email) = lower('{local}@example.com')"
        )
        assert int(count) == 1


@pytest.fixture(scope="module")
def owner(server) -> dict[str, str]:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201
    return {"Authorization": f"Token {response.json()['token']}"}


def create_example(server, owner, title="original", content="original content") -> int:
    response = server.request(
        "POST", "/api/v1/examples/", {"title": title, "content": content}, headers=owner
    )
    assert response.status == 201
    return response.json()["id"]


def test_concurrent_patches_of_different_fields_lose_no_write(server, owner, pg_cluster):
    """Each PATCH reads the row under a lock, so one never writes back a stale copy of the other's field."""
    for round_ in range(6):
        example_id = create_example(server, owner)
        path = f"/api/v1/examples/{example_id}/"
        calls = []
        for i in range(THREADS // 2):
            calls.append(
                lambda i=i, path=path: server.request("PATCH", path, {"title": f"title {i}"}, headers=owner)
            )
            calls.append(
                lambda i=i, path=path: server.request(
                    "PATCH", path, {"content": f"content {i}"}, headers=owner
                )
            )
        responses = in_parallel(calls)
        assert [r.status for r in responses] == [200] * len(calls), [r.body for r in responses]
        title, content = (
            pg_cluster.psql(f"SELECT title || '|' || content FROM api_examplemodel WHERE id = {example_id}")
            .strip()
            .split("|")
        )
        # Neither field may still hold its original value: every committed write survived.
        assert title.startswith("title "), round_
        assert content.startswith("content "), round_


def test_concurrent_deletes_succeed_once(server, owner, pg_cluster):
    example_id = create_example(server, owner)
    responses = in_parallel(
        [
            lambda: server.request("DELETE", f"/api/v1/examples/{example_id}/", headers=owner)
            for _ in range(THREADS)
        ]
    )
    assert sorted(r.status for r in responses) == [204] + [404] * (THREADS - 1)
    assert pg_cluster.psql(f"SELECT count(*) FROM api_examplemodel WHERE id = {example_id}").strip() == "0"


def test_concurrent_duplicates_patches_and_a_delete_leave_only_whole_rows(server, owner, pg_cluster):
    example_id = create_example(server, owner, title="source", content="x" * 5000)
    path = f"/api/v1/examples/{example_id}/"
    calls = [lambda: server.request("POST", path + "duplicate/", headers=owner) for _ in range(THREADS)]
    calls += [
        lambda: server.request("PATCH", path, {"content": "y" * 5000}, headers=owner)
        for _ in range(THREADS // 2)
    ]
    calls.append(lambda: server.request("DELETE", path, headers=owner))
    responses = in_parallel(calls)
    assert all(r.status in (200, 201, 204, 404) for r in responses), [
        (r.status, r.body[:200]) for r in responses
    ]
    copies = [r.json() for r in responses if r.status == 201]
    for copy in copies:
        assert copy["title"] == "source (copy)"
        # A copy is of one committed version of the source, never a mix.
        assert copy["content"] in ("x" * 5000, "y" * 5000)
    stored = pg_cluster.psql(
        "SELECT count(*) FROM api_examplemodel WHERE title = 'source (copy)' AND content IN "
        f"(repeat('x', 5000), repeat('y', 5000)) AND id IN ({','.join(str(c['id']) for c in copies) or 0})"
    )
    assert int(stored) == len(copies)


def test_concurrent_if_match_patches_have_exactly_one_winner(server, owner, pg_cluster):
    """Lost-update protection: editors sending the same If-Match at once; one wins, the rest get 412."""
    for round_ in range(4):
        example_id = create_example(server, owner)
        path = f"/api/v1/examples/{example_id}/"
        etag = server.request("GET", path, headers=owner).headers["etag"]
        calls = [
            lambda i=i, path=path, etag=etag: server.request(
                "PATCH", path, {"title": f"editor {i}"}, headers={**owner, "If-Match": etag}
            )
            for i in range(THREADS)
        ]
        responses = in_parallel(calls)
        statuses = sorted(r.status for r in responses)
        assert statuses == [200] + [412] * (THREADS - 1), (round_, [(r.status, r.body) for r in responses])
        winner = next(r.json()["title"] for r in responses if r.status == 200)
        stored = pg_cluster.psql(f"SELECT title FROM api_examplemodel WHERE id = {example_id}").strip()
        assert stored == winner


def test_concurrent_if_updated_at_mutations_have_exactly_one_winner(server, owner, pg_cluster):
    mutation = (
        "mutation($data: ExamplePartialInput!, $at: DateTime) { updateExample(data: $data, ifUpdatedAt: $at) "
        "{ __typename ... on Example { title } ... on OperationInfo { messages { code } } } }"
    )
    for round_ in range(4):
        example_id = create_example(server, owner)
        seen = server.request("GET", f"/api/v1/examples/{example_id}/", headers=owner).json()["updated_at"]
        calls = [
            lambda i=i, example_id=example_id, seen=seen: server.request(
                "POST",
                "/graphql/",
                {
                    "query": mutation,
                    "variables": {"data": {"id": str(example_id), "title": f"editor {i}"}, "at": seen},
                },
                headers=owner,
            )
            for i in range(THREADS)
        ]
        answers = [r.json()["data"]["updateExample"] for r in in_parallel(calls)]
        winners = [a["title"] for a in answers if a["__typename"] == "Example"]
        conflicts = [a for a in answers if a["__typename"] == "OperationInfo"]
        assert len(winners) == 1, (round_, answers)
        assert all(a["messages"][0]["code"] == "CONFLICT" for a in conflicts), answers
        assert len(conflicts) == THREADS - 1
        stored = pg_cluster.psql(f"SELECT title FROM api_examplemodel WHERE id = {example_id}").strip()
        assert stored == winners[0]
