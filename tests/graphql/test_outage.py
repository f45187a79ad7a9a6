"""A lost database (or shared cache) is a 503 in GraphQL's error shape, not a masked 200 or an HTML 500."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from api import services
from api.models import ExampleModel, Invitation

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


CACHE_UNAVAILABLE = {
    "errors": [
        {
            "message": "A shared service is unavailable. Try again shortly.",
            "extensions": {"code": "SERVICE_UNAVAILABLE"},
        }
    ]
}
INVITE = """mutation($id: ID!) {
  addProjectMember(data: {projectId: $id, username: "sam", role: VIEWER}) { __typename }
}"""


def _cache_down(*args, **kwargs):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_cache_lost_during_a_throttled_mutation_is_503_and_changes_nothing(
    gql_owner, user, monkeypatch, caplog
):
    """The invitation throttle counts in the cache: without it, a coded 503 as for a lost database."""
    project = services.project_create(user=user, name="Atlas")
    monkeypatch.setattr(cache, "get", _cache_down)
    with caplog.at_level(logging.WARNING):
        response = gql_owner.post_json({"query": INVITE, "variables": {"id": str(project.pk)}})
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response.json() == CACHE_UNAVAILABLE
    assert not Invitation.objects.exists()
    assert [r.levelname for r in caplog.records if r.name == "graphql_api"] == ["WARNING"]
    assert not any(r.exc_info for r in caplog.records)

    monkeypatch.undo()
    answered = gql_owner.post_json({"query": INVITE, "variables": {"id": str(project.pk)}})
    assert answered.json() == {"data": {"addProjectMember": {"__typename": "Invitation"}}}


def test_of_several_outages_the_answer_names_the_database_whatever_their_order():
    from django.http import HttpRequest

    from graphql_api.errors import CACHE_DOWN, DATABASE_DOWN, STATEMENT_STOPPED, mark_outage, request_outage

    request = HttpRequest()
    for outage in (CACHE_DOWN, DATABASE_DOWN, STATEMENT_STOPPED, CACHE_DOWN):
        mark_outage(request, outage)
    assert request_outage(request) is DATABASE_DOWN
