"""The cursor entries of `make bench` (benchmarks.endpoints.cursor_endpoints) answer as measured.

The seed makes their cursors through the API (benchmarks.cursors); here on a
small list (a page of 2, the 3rd page) with the bodies wrk sends: each entry
answers rows without errors, in the same few queries at any depth.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ExampleModel
from benchmarks.cursors import deep_cursors
from benchmarks.endpoints import FIELDS_GQL, SCALE, cursor_endpoints
from benchmarks.report import cursor_targets

from .factories import token_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.urls")]


def test_every_cursor_entry_answers_rows_in_constant_queries(client, user, other_user):
    ExampleModel.objects.bulk_create(ExampleModel(user=user, title=f"t{n}") for n in range(60))
    ExampleModel.objects.bulk_create(ExampleModel(user=other_user, title=f"o{n}") for n in range(10))
    token = token_for(user)
    cursors = deep_cursors(token, FIELDS_GQL, page=2, depth=3)

    entries = cursor_endpoints(cursors)

    assert {e.name for e in entries} == {
        "rest_cursor_first_100k",
        "rest_cursor_page50_100k",
        "strawberry_list_20_100k",
        "strawberry_cursor_first_100k",
        "strawberry_cursor_page50_100k",
    }
    counts = {}
    for entry in entries:
        assert entry.who == SCALE
        headers = {"Authorization": f"Token {token}"}
        with CaptureQueriesContext(connection) as captured:
            if entry.method == "GET":
                response = client.get(entry.path, headers=headers)
            else:
                response = client.post(
                    entry.path, entry.body, content_type="application/json", headers=headers
                )
        assert response.status_code == 200, (entry.name, response.content[:300])
        body = response.json()
        assert "errors" not in body, (entry.name, body)
        data = body if entry.surface == "rest" else next(iter(body["data"].values()))
        assert len(data.get("results") or data.get("edges")) > 0, entry.name
        counts[entry.name] = len(captured.captured_queries)
    assert counts["rest_cursor_first_100k"] == counts["rest_cursor_page50_100k"] == 2, counts
    assert counts["strawberry_cursor_first_100k"] == counts["strawberry_cursor_page50_100k"] == 2, counts
    # The 3rd page of 2 starts after the 4th row, newest first.
    newest = list(ExampleModel.objects.filter(user=user).values_list("id", flat=True)[:6])
    deep = next(e for e in entries if e.name == "strawberry_cursor_page50_100k")
    edges = client.post(
        "/graphql/", deep.body, content_type="application/json", headers={"Authorization": f"Token {token}"}
    ).json()["data"]["examplesConnection"]["edges"]
    assert [int(edge["node"]["id"]) for edge in edges[:2]] == newest[4:6]
    assert json.loads(deep.body)["variables"]["after"] == cursors["graphql_after"]


def test_the_report_compares_deep_and_first_cursor_pages():
    ep = {
        name: {"p50_ms": p50}
        for name, p50 in (
            ("rest_cursor_first_100k", 10.0),
            ("rest_cursor_page50_100k", 11.0),
            ("rest_list_20_100k", 20.0),
            ("strawberry_cursor_first_100k", 10.0),
            ("strawberry_cursor_page50_100k", 13.0),
            ("strawberry_list_20_100k", 9.0),
        )
    }

    rows = {row["target"]: row["met"] for row in cursor_targets(ep)}

    assert list(rows.values()) == [True, True, False, False]
