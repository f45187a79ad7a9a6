"""A statement stopped by ``statement_timeout`` is a coded 503 with Retry-After, never a masked 500.

REST: ``{"detail": ..., "code": "statement_timeout"}``; GraphQL: HTTP 503 with
``extensions.code`` TIMEOUT. A request's SQL runs under
``API_STATEMENT_TIMEOUT_MS`` (backend.middleware.RequestStatementTimeout), not
the connection's ``DB_STATEMENT_TIMEOUT_MS``.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.test import override_settings

from api import search

from ..graphql.conftest import URL as GRAPHQL_URL
from .conftest import LIST_URL

REST_TIMEOUT = {
    "detail": (
        "The request took the database longer than allowed and was stopped. "
        "Try again shortly, or ask for less (a smaller page, fewer or simpler filters)."
    ),
    "code": "statement_timeout",
}
SEARCH = {"query": 'query { examples(filters: {search: "x"}) { totalCount } }'}


def assert_timeout_answers(auth_client) -> None:
    rest = auth_client.get(LIST_URL, {"search": "x"})
    assert rest.status_code == 503, rest.content
    assert rest["Retry-After"] == "5"
    assert rest.json() == REST_TIMEOUT

    graphql = auth_client.post(GRAPHQL_URL, SEARCH, format="json")
    assert graphql.status_code == 503, graphql.content
    assert graphql["Retry-After"] == "5"
    [error] = graphql.json()["errors"]
    assert error["extensions"] == {"code": "TIMEOUT"}
    assert error["message"] == REST_TIMEOUT["detail"]


@pytest.mark.django_db
def test_a_canceled_statement_is_a_coded_503_on_rest_and_graphql(auth_client, monkeypatch):
    import psycopg2.errors

    def canceled(term: str) -> Q:
        raise OperationalError(
            "canceling statement due to statement timeout"
        ) from psycopg2.errors.QueryCanceled()

    monkeypatch.setattr(search, "match", canceled)

    assert_timeout_answers(auth_client)


@pytest.fixture
def session_timeout_restored():
    """A request leaves its connection with the API timeout (as a web process wants); the test's flush must not."""
    from django.db import connections

    yield
    with connections["default"].cursor() as cursor:
        cursor.execute("RESET statement_timeout")
    connections["default"].__dict__.pop("_api_statement_timeout", None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("session_timeout_restored")
@override_settings(API_STATEMENT_TIMEOUT_MS=50)
def test_the_request_timeout_stops_a_slow_statement_on_postgresql(auth_client, monkeypatch):
    # A real statement_timeout: the search condition sleeps for a second, the request may take 50 ms.
    def slow(term: str) -> Q:
        return Q(RawSQL("(SELECT true FROM pg_sleep(1))", [], output_field=BooleanField()))

    monkeypatch.setattr(search, "match", slow)

    assert_timeout_answers(auth_client)
    # The connection is fine afterwards: the next request answers.
    assert auth_client.get(LIST_URL).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("session_timeout_restored")
@override_settings(API_STATEMENT_TIMEOUT_MS=1234)
def test_a_request_runs_under_the_api_timeout_not_the_connections(auth_client, monkeypatch):
    seen: list[str] = []

    def spy(term: str) -> Q:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        return Q()

    monkeypatch.setattr(search, "match", spy)

    assert auth_client.get(LIST_URL, {"search": "x"}).status_code == 200
    assert seen == ["1234ms"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("session_timeout_restored")
@override_settings(API_STATEMENT_TIMEOUT_MS=1234, DATABASE_POOLER="pgbouncer")
def test_behind_a_transaction_pooler_each_statement_carries_the_timeout_and_the_session_keeps_none(
    auth_client, monkeypatch
):
    from django.db import connection

    def session_timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    seen: list[str] = []
    monkeypatch.setattr(search, "match", lambda term: seen.append(session_timeout()) or Q())
    before = session_timeout()

    assert auth_client.get(LIST_URL, {"search": "x"}).status_code == 200
    assert seen == ["1234ms"]
    # Nothing stays on the (server) connection for whoever PgBouncer lends it to next.
    assert session_timeout() == before != "1234ms"
