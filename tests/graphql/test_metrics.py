"""GraphQL operations in the metrics (graphql_api/metrics.py): trusted names only, outcome, cost."""

from __future__ import annotations

import secrets

import pytest
from prometheus_client import REGISTRY

from ..factories import UserFactory, token_for
from .test_trusted_documents import EXAMPLES_VARIABLES, id_of, text_of

pytestmark = pytest.mark.django_db
URL = "/graphql/"


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _operations() -> set[str]:
    return {
        sample.labels["operation"]
        for metric in REGISTRY.collect()
        for sample in metric.samples
        if sample.name == "graphql_operations_total"
    }


@pytest.fixture
def auth() -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {token_for(UserFactory())}"}


def _post(client, body: dict, auth: dict[str, str]):
    return client.post(URL, body, content_type="application/json", **auth)


def test_a_trusted_document_is_counted_by_its_operation_name_with_its_cost(client, auth):
    ok = {"operation": "Examples", "type": "query", "outcome": "ok"}
    before = _value("graphql_operations_total", **ok)
    cost_before = _value("graphql_operation_cost_count", operation="Examples")
    body = {"documentId": f"sha256:{id_of('Examples')}", "variables": EXAMPLES_VARIABLES}
    response = _post(client, body, auth)
    assert response.status_code == 200 and "errors" not in response.json(), response.content
    assert _value("graphql_operations_total", **ok) == before + 1
    assert _value("graphql_operation_cost_count", operation="Examples") == cost_before + 1
    assert _value("graphql_operation_cost_sum", operation="Examples") > 0
    # The text of a manifest document counts as the same operation.
    _post(client, {"query": text_of("Examples"), "variables": EXAMPLES_VARIABLES}, auth)
    assert _value("graphql_operations_total", **ok) == before + 2


def test_client_chosen_operation_names_share_one_label(client, auth):
    _post(client, {"query": "query Warmup { __typename }"}, auth)
    operations_before = _operations()
    ok = {"operation": "other", "type": "query", "outcome": "ok"}
    before = _value("graphql_operations_total", **ok)
    for _ in range(50):
        name = "Op" + secrets.token_hex(6)
        _post(client, {"query": f"query {name} {{ __typename }}", "operationName": name}, auth)
    assert _operations() == operations_before
    assert _value("graphql_operations_total", **ok) == before + 50


def test_refused_and_failed_operations_have_their_outcome(client, auth):
    rejected = {"operation": "other", "type": "unknown", "outcome": "rejected"}
    before = _value("graphql_operations_total", **rejected)
    _post(client, {"query": "query { nope"}, auth)  # a syntax error
    assert _value("graphql_operations_total", **rejected) == before + 1

    invalid = {"operation": "other", "type": "query", "outcome": "rejected"}
    before = _value("graphql_operations_total", **invalid)
    _post(client, {"query": "query { noSuchField }"}, auth)
    assert _value("graphql_operations_total", **invalid) == before + 1
