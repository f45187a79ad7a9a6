"""The replica router's decisions (backend/replica.py); the real replica is in tests/production/test_replica.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token

from api.models import ExampleModel, Project
from backend import replica

router = replica.ReplicaRouter()


@pytest.fixture
def fresh_replica(monkeypatch, settings):
    monkeypatch.setattr(replica.lag, "fresh", lambda: True)
    settings.REPLICA_PIN_SECONDS = 10


def _reads_during(request, **models) -> dict[str, str]:
    """Where each model would be read while ``request`` is answered."""
    seen: dict[str, str] = {}

    def view(_request):
        seen.update({name: router.db_for_read(model) for name, model in models.items()})
        return HttpResponse()

    middleware = replica.ReplicaReadsMiddleware(view)
    with override_settings(REPLICA_ENABLED=True):
        middleware(request)
    return seen


def test_nothing_outside_a_request_reads_the_replica(fresh_replica):
    """WebSocket consumers, commands and task workers: the primary, always."""
    assert router.db_for_read(ExampleModel) == "default"


@pytest.mark.django_db(transaction=True)
def test_a_safe_request_reads_data_models_from_the_replica_and_auth_from_the_primary(fresh_replica):
    request = RequestFactory().get("/api/v1/examples/", HTTP_AUTHORIZATION="Token abc")
    assert _reads_during(
        request, example=ExampleModel, project=Project, user=User, token=Token, task=DBTaskResult
    ) == {
        "example": "replica",
        "project": "replica",
        "user": "default",
        "token": "default",
        "task": "default",
    }


@pytest.mark.django_db(transaction=True)
def test_an_unsafe_request_pins_its_credential_and_no_other(fresh_replica):
    factory = RequestFactory()
    assert _reads_during(
        factory.post("/api/v1/examples/", HTTP_AUTHORIZATION="Token abc"), e=ExampleModel
    ) == {"e": "default"}
    assert _reads_during(factory.get("/x/", HTTP_AUTHORIZATION="Token abc"), e=ExampleModel) == {
        "e": "default"
    }
    assert _reads_during(factory.get("/x/", HTTP_AUTHORIZATION="Token other"), e=ExampleModel) == {
        "e": "replica"
    }


@pytest.mark.django_db(transaction=True)
def test_a_session_cookie_is_a_credential_too(fresh_replica):
    factory = RequestFactory()
    writer = factory.post("/api/v1/examples/")
    writer.COOKIES["sessionid"] = "s1"
    _reads_during(writer)
    reader = factory.get("/api/v1/examples/")
    reader.COOKIES["sessionid"] = "s1"
    assert _reads_during(reader, e=ExampleModel) == {"e": "default"}


@pytest.mark.django_db(transaction=True)
def test_a_cache_that_does_not_answer_means_the_primary(fresh_replica, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(replica.cache, "get", down)
    request = RequestFactory().get("/api/v1/examples/", HTTP_AUTHORIZATION="Token abc")
    assert _reads_during(request, e=ExampleModel) == {"e": "default"}


@pytest.mark.django_db(transaction=True)
def test_a_lagging_replica_and_an_open_transaction_mean_the_primary(fresh_replica, monkeypatch):
    request = RequestFactory().get("/api/v1/examples/")
    seen = {}

    def view(_request):
        with transaction.atomic():
            seen["in_transaction"] = router.db_for_read(ExampleModel)
        monkeypatch.setattr(replica.lag, "fresh", lambda: False)
        seen["lagging"] = router.db_for_read(ExampleModel)
        return HttpResponse()

    with override_settings(REPLICA_ENABLED=True):
        replica.ReplicaReadsMiddleware(view)(request)
    assert seen == {"in_transaction": "default", "lagging": "default"}


def test_writes_and_migrations_go_to_the_primary():
    assert router.db_for_write(ExampleModel) == "default"
    assert router.allow_migrate("replica", "api") is False
    assert router.allow_migrate("default", "api") is True


@pytest.fixture
def replica_alias(monkeypatch):
    """A ``replica`` alias on the test database (a copy in all but name), closed and forgotten afterwards."""
    from django.conf import settings
    from django.db import connections

    monkeypatch.setitem(settings.DATABASES, replica.REPLICA, dict(connections[replica.PRIMARY].settings_dict))
    if connections.settings is not settings.DATABASES:
        monkeypatch.setitem(connections.settings, replica.REPLICA, settings.DATABASES[replica.REPLICA])
    alias = connections[replica.REPLICA]
    # Connected here: the test case allows only the aliases it was set up with, and opening
    # an added one is what it refuses (the test client keeps it open through the request).
    alias.connect()
    yield alias
    alias.close()
    del connections[replica.REPLICA]
    # The request left the API timeout on the primary's connection (as a web process wants); the flush must not.
    with connections[replica.PRIMARY].cursor() as cursor:
        cursor.execute("RESET statement_timeout")
    connections[replica.PRIMARY].__dict__.pop("_api_statement_timeout", None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(
    REPLICA_ENABLED=True, DATABASE_ROUTERS=["backend.replica.ReplicaRouter"], API_STATEMENT_TIMEOUT_MS=1234
)
def test_a_read_routed_to_the_replica_runs_under_the_api_timeout(
    fresh_replica, replica_alias, auth_client, monkeypatch
):
    """The replica's connection gets the request's statement timeout (RequestStatementTimeout), not its own."""
    from api import search

    seen: dict[str, str] = {}

    def spy(term: str):
        from django.db.models import Q

        seen["read_from"] = router.db_for_read(ExampleModel)
        with replica_alias.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen["replica_timeout"] = cursor.fetchone()[0]
        return Q()

    monkeypatch.setattr(search, "match", spy)
    response = auth_client.get("/api/v1/examples/", {"search": "x"})
    assert response.status_code == 200, response.content
    assert seen == {"read_from": "replica", "replica_timeout": "1234ms"}
