"""SQL queries per authenticated list request, on every surface.

At most 3, the token lookup (joined to its user) included: the token, the
count, the page. The same at 20 and 100 rows. The bodies are the ones
``make bench`` sends. The graphene reference runs in its own environment, as
a server process of its own (tests/parity/reference.py): it is asked over
HTTP about committed rows, and its SQL is counted from the header its test
settings send back.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ExampleModel
from benchmarks.endpoints import FIELDS_GQL, LIST_QUERY, REFERENCE, endpoints

from .factories import token_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.urls")]

BUDGET = 3


def list_request(client, surface: str, token: str, page: int):
    headers = {"Authorization": f"Token {token}"}
    if surface == "rest":
        return client.get(f"/api/v1/examples/?limit={page}", headers=headers)
    path = "/graphql/"
    body = json.dumps({"query": LIST_QUERY % (page, FIELDS_GQL)})
    return client.post(path, body, content_type="application/json", headers=headers)


def rows_in(surface: str, response) -> int:
    body = response.json()
    assert "errors" not in body, body
    return len(body["results"] if surface == "rest" else body["data"]["examples"]["results"])


@pytest.mark.parametrize("surface", ["rest", "strawberry"])
def test_list_costs_the_same_few_queries_at_20_and_100_rows(client, user, other_user, surface):
    ExampleModel.objects.bulk_create(ExampleModel(user=user, title=f"t{n}") for n in range(120))
    ExampleModel.objects.bulk_create(ExampleModel(user=other_user, title=f"o{n}") for n in range(30))
    token = token_for(user)

    counts = {}
    for page in (20, 100):
        with CaptureQueriesContext(connection) as captured:
            response = list_request(client, surface, token, page)
        assert response.status_code == 200
        assert rows_in(surface, response) == page
        counts[page] = len(captured.captured_queries)

    assert counts[20] == counts[100] <= BUDGET, counts


@pytest.mark.django_db(transaction=True)
def test_the_graphene_reference_costs_the_same_few_queries_at_20_and_100_rows(
    reference_server, user, other_user
):
    ExampleModel.objects.bulk_create(ExampleModel(user=user, title=f"t{n}") for n in range(120))
    ExampleModel.objects.bulk_create(ExampleModel(user=other_user, title=f"o{n}") for n in range(30))
    token = token_for(user)

    counts = {}
    for page in (20, 100):
        answer = reference_server.graphql(LIST_QUERY % (page, FIELDS_GQL), token=token)
        assert answer.status == 200 and "errors" not in answer.body, answer.body
        assert len(answer.body["data"]["examples"]["results"]) == page
        assert "authtoken_token" in answer.sql[0]  # the token lookup is counted too
        counts[page] = len(answer.sql)

    assert counts[20] == counts[100] <= BUDGET, counts


@pytest.mark.django_db(transaction=True)
def test_every_endpoint_make_bench_sends_the_reference_is_answered_by_it(reference_server, user):
    """benchmarks/endpoints.py's graphene rows, as wrk sends them, against the reference server."""
    example = ExampleModel.objects.create(user=user, title="measured")
    token = token_for(user)
    sent = [endpoint for endpoint in endpoints(example.pk) if endpoint.server == REFERENCE]
    assert {endpoint.surface for endpoint in sent} == {"graphene"} and len(sent) == 4
    for endpoint in sent:
        assert (endpoint.method, endpoint.path) == ("POST", "/graphql/")
        body = json.loads(endpoint.body)
        answer = reference_server.graphql(body["query"], token=token)
        assert answer.status == 200 and "errors" not in answer.body, (endpoint.name, answer.body)
        data = answer.body["data"]
        assert data.get("example", {}) is not None and data.get("examples", {"results": [1]})["results"]
