"""A lost database is a 503 in GraphQL's error shape, not a masked 200 or an HTML 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from api import services
from api.models import ExampleModel

pytestmark = pytest.mark.django_db

UNAVAILABLE = {
    "errors": [
        {
            "message": "The database is unavailable. Try again shortly.",
            "extensions": {"code": "SERVICE_UNAVAILABLE"},
        }
    ]
}


def _down(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_database_lost_during_a_mutation_is_503(gql_owner, monkeypatch):
    monkeypatch.setattr(services, "example_create", _down)
    response = gql_owner.post_json({"query": 'mutation { createExample(data: {title: "x"}) { __typename } }'})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == UNAVAILABLE


def test_database_lost_during_a_query_is_503(gql_owner, monkeypatch):
    monkeypatch.setattr(ExampleModel.objects, "all", _down)
    response = gql_owner.post_json({"query": "{ examples { totalCount } }"})
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE


def test_database_lost_while_checking_the_token_is_503(gql_owner, monkeypatch):
    from rest_framework.authentication import TokenAuthentication

    monkeypatch.setattr(TokenAuthentication, "authenticate_credentials", _down)
    response = gql_owner.post_json({"query": "{ me { id } }"})
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE


def test_other_database_errors_stay_masked_server_errors(gql_owner, monkeypatch):
    """A deadlock means the database answered: a bug to log, not an outage (a timeout: test_statement_timeout)."""
    import psycopg2.errors

    def deadlock(*args, **kwargs):
        raise OperationalError("deadlock detected") from psycopg2.errors.DeadlockDetected()

    monkeypatch.setattr(services, "example_create", deadlock)
    response = gql_owner.post_json({"query": 'mutation { createExample(data: {title: "x"}) { __typename } }'})
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "Unexpected error."
