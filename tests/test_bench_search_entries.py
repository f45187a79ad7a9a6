"""The search entries of `make bench` (benchmarks.endpoints.search_endpoints) answer as measured.

Each sends the body wrk sends, as the searcher (rows of 100,000 characters
here too, fewer of them): an ordinary answer, within every limit, never a
limit error. The worst one is the worst the default limits allow.
"""

from __future__ import annotations

import pytest

from api.models import ExampleModel
from benchmarks.endpoints import SEARCHER, search_endpoints

from .factories import token_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.urls")]


def test_every_search_entry_answers_within_the_limits(client, user):
    ExampleModel.objects.bulk_create(
        ExampleModel(user=user, title=f"row {n}", content="a" * 100_000 if n % 2 else "word " * 20_000)
        for n in range(4)
    )
    headers = {"Authorization": f"Token {token_for(user)}"}

    entries = search_endpoints()

    assert {e.name for e in entries} == {
        "rest_search_plain_100x100k",
        "rest_search_worst_100x100k",
        "strawberry_search_plain_100x100k",
        "strawberry_search_worst_100x100k",
    }
    for entry in entries:
        assert entry.who == SEARCHER
        if entry.method == "GET":
            response = client.get(entry.path, headers=headers)
        else:
            response = client.post(entry.path, entry.body, content_type="application/json", headers=headers)
        assert response.status_code == 200, (entry.name, response.content[:300])
        body = response.json()
        assert "errors" not in body, (entry.name, body)
        data = body if entry.surface == "rest" else body["data"]["examples"]
        assert data["results"] == [], entry.name
