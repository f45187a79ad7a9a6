"""Validation costs work linear in the document (issue 11, item 1).

These tests count work, never time: the selections the shape walk visits,
the calls of graphql-core's validation, and the field pairs its
overlapping-fields rule compares (``find_conflict``, counted by a wrapper).
"""

from __future__ import annotations

import pytest
import strawberry.schema.schema as strawberry_schema
from django.test import Client
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    Visitor,
    get_introspection_query,
    parse,
    validate,
    visit,
)
from graphql.validation.rules import overlapping_fields_can_be_merged as overlap_rule

from graphql_api import caching
from graphql_api.schema import schema
from graphql_api.shape import SATURATED, measure, overlap_comparisons

from .conftest import URL

pytestmark = pytest.mark.django_db


def fragment_bomb(levels: int, type_name: str = "User") -> str:
    """``F0`` spreads ``F1`` twice, ``F1`` spreads ``F2`` twice, ...: 2**levels spreads, 1 KB of text."""
    fragments = " ".join(f"fragment F{i} on {type_name} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return "{ me { ...F0 } } " + fragments + f" fragment F{levels} on {type_name} {{ id }}"


def repeated_field(times: int) -> str:
    return "{ me { " + "profile { displayName } " * times + "} }"


@pytest.fixture
def work(monkeypatch):
    """Counts graphql-core validations and overlapping-fields comparisons."""
    counts = {"validate": 0, "find_conflict": 0}
    validate, find_conflict = strawberry_schema.validate, overlap_rule.find_conflict

    def counting_validate(*args, **kwargs):
        counts["validate"] += 1
        return validate(*args, **kwargs)

    def counting_find_conflict(*args, **kwargs):
        counts["find_conflict"] += 1
        return find_conflict(*args, **kwargs)

    # Count real work: a document validated by an earlier test must not be a cache hit.
    # Work is counted from a cold cache: a cached verdict would count as none.
    caching.parse_cache().cache_clear()
    caching.validation_cache().cache_clear()
    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    monkeypatch.setattr(overlap_rule, "find_conflict", counting_find_conflict)
    return counts


def selections(query: str) -> int:
    """Selections written in the document (fields, inline fragments, spreads), counted by graphql-core."""
    count = 0

    class Counter(Visitor):
        def enter(self, node, *_args):
            nonlocal count
            if isinstance(node, FieldNode | InlineFragmentNode | FragmentSpreadNode):
                count += 1

    visit(parse(query), Counter())
    return count


def only_error(response) -> dict:
    assert response.data is None, response.data
    [error] = response.errors
    return error


# The fragment bomb


@pytest.mark.parametrize("levels", [20, 26, 30])
def test_the_fragment_bomb_is_refused_before_any_validation_rule_runs(gql_anon, work, levels):
    query = fragment_bomb(levels)
    assert len(query) < 1600
    error = only_error(gql_anon.run(query))
    assert error["extensions"]["code"] == "FRAGMENT_SPREAD_LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == 100
    assert error["extensions"]["found"] == 2 ** (levels + 1) - 1
    assert work == {"validate": 0, "find_conflict": 0}


@pytest.mark.parametrize("levels", [20, 30, 200])
def test_the_shape_walk_visits_each_selection_once(levels):
    query = fragment_bomb(levels)
    shape = measure(parse(query))
    # 1 (me) + 1 (...F0) + 2 spreads per fragment + 1 (id): linear, not 2**levels.
    assert shape.nodes_visited == 2 + 2 * levels + 1 == selections(query)
    assert shape.spreads == min(2 ** (levels + 1) - 1, SATURATED)


def test_the_fragment_bomb_over_get_is_refused_the_same_way(work):
    response = Client().get(URL, {"query": fragment_bomb(26)}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "FRAGMENT_SPREAD_LIMIT_EXCEEDED"
    assert work == {"validate": 0, "find_conflict": 0}


def test_the_spread_limit_is_read_from_settings(gql_owner, settings):
    query = fragment_bomb(3)  # 1 + 2 + 4 + 8 spreads
    assert gql_owner.run(query).errors is None
    settings.GRAPHQL_MAX_FRAGMENT_SPREADS = 14
    error = only_error(gql_owner.run(query))
    assert error["extensions"] == {"code": "FRAGMENT_SPREAD_LIMIT_EXCEEDED", "limit": 14, "found": 15}


def test_a_fragment_chain_too_deep_for_the_stack_is_refused_not_crashed(gql_owner, settings):
    settings.GRAPHQL_MAX_TOKENS = 100_000
    settings.GRAPHQL_MAX_FRAGMENT_SPREADS = 100_000
    levels = 3000
    query = "{ me { ...F0 } } " + " ".join(f"fragment F{i} on User {{ ...F{i + 1} }}" for i in range(levels))
    query += f" fragment F{levels} on User {{ id }}"
    error = only_error(gql_owner.run(query))
    assert error["extensions"]["code"] == "DEPTH_LIMIT_EXCEEDED"


# The repeated field


def test_the_repeated_field_is_refused_before_overlapping_fields_validation(gql_anon, work):
    error = only_error(gql_anon.run(repeated_field(495)))
    assert error["extensions"] == {"code": "SELECTION_LIMIT_EXCEEDED", "limit": 100, "found": 495}
    assert work == {"validate": 0, "find_conflict": 0}


def test_repeats_within_the_width_limit_are_bounded_by_the_comparison_limit(gql_owner, work):
    # 50 copies: 50*49 = 2450 comparisons, past the default 500.
    error = only_error(gql_owner.run(repeated_field(50)))
    assert error["extensions"] == {"code": "FIELD_COMPARISON_LIMIT_EXCEEDED", "limit": 500}
    assert work == {"validate": 0, "find_conflict": 0}


def test_the_comparison_count_is_what_graphql_core_compares(work):
    # The count is exact for documents without fragments, and an upper bound with them.
    for query in [
        repeated_field(22),
        "{ me { " + ("profile { " + "displayName " * 10 + "} ") * 10 + "} }",
        "{ a: me { id } a: me { id } me { id username } }",
    ]:
        work["find_conflict"] = 0
        assert validate(schema._schema, parse(query)) == []
        assert work["find_conflict"] == overlap_comparisons(parse(query), 10**9), query


WORST_WITHIN_LIMITS = {
    # The widest the comparison limit allows: 22 copies of a field with a subfield.
    "repeated field": repeated_field(22),
    # Two levels of repeats: 5 x 5 (6 x 6 is past the limit).
    "comb": "{ me { " + ("profile { " + "displayName " * 5 + "} ") * 5 + "} }",
    # Fragments that repeat the same fields in one selection set.
    "overlapping fragments": "{ me { ...A ...B ...C ...D } } "
    + " ".join(
        f"fragment {n} on User {{ id username email name profile {{ bio displayName }} }}" for n in "ABCD"
    ),
    # GraphiQL's own introspection query: 469 fields through its fragments.
    "introspection": get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    ),
}


@pytest.mark.parametrize("name", WORST_WITHIN_LIMITS)
def test_the_worst_documents_within_the_limits_do_bounded_work(gql_owner, work, settings, name):
    query = WORST_WITHIN_LIMITS[name]
    response = gql_owner.run(query)
    assert response.errors is None, response.errors
    shape = measure(parse(query))
    # Each written selection once: fragments are not walked again at each spread.
    assert shape.nodes_visited == selections(query)
    assert work["validate"] == 1
    assert work["find_conflict"] <= settings.GRAPHQL_MAX_FIELD_COMPARISONS


@pytest.mark.parametrize(
    ("setting", "value", "query", "code"),
    [
        ("GRAPHQL_MAX_FIELDS", 3, "{ me { id username email } }", "FIELD_LIMIT_EXCEEDED"),
        ("GRAPHQL_MAX_FIELDS_PER_SELECTION", 2, "{ me { id username email } }", "SELECTION_LIMIT_EXCEEDED"),
        ("GRAPHQL_MAX_FIELD_COMPARISONS", 0, "{ me { id id } }", "FIELD_COMPARISON_LIMIT_EXCEEDED"),
    ],
)
def test_field_limits_are_read_from_settings(gql_owner, settings, setting, value, query, code):
    setattr(settings, setting, value)
    error = only_error(gql_owner.run(query))
    assert error["extensions"]["code"] == code
    assert error["extensions"]["limit"] == value


def test_fields_count_every_expansion_of_a_fragment(gql_owner, settings):
    settings.GRAPHQL_MAX_FIELDS = 7
    # me and a: 2, the fragment's 2 fields at each of its 2 spreads: 4, its definition: 2.
    query = "{ me { ...U } a: me { ...U } } fragment U on User { id username }"
    assert measure(parse(query)).fields == 2 + 2 + 2 + 2
    error = only_error(gql_owner.run(query))
    assert error["extensions"] == {"code": "FIELD_LIMIT_EXCEEDED", "limit": 7, "found": 8}


def test_the_limits_hold_in_front_of_strawberrys_own_caches(work, settings):
    # Another extension list may parse and validate through Strawberry's
    # ParserCache and ValidationCache; both overwrite what came before them,
    # which is why the shape limits raise instead of storing their error.
    from strawberry import Schema
    from strawberry.extensions import ParserCache, ValidationCache

    from graphql_api.limits import LIMIT_EXTENSIONS
    from graphql_api.mutations import Mutation
    from graphql_api.queries import Query

    cached = Schema(
        query=Query, mutation=Mutation, extensions=[*LIMIT_EXTENSIONS, ParserCache, ValidationCache]
    )
    for _ in range(2):
        result = cached.execute_sync(repeated_field(495))
        [error] = result.errors
        assert error.extensions["code"] == "SELECTION_LIMIT_EXCEEDED"
    settings.GRAPHQL_MAX_DEPTH = 1
    [error] = cached.execute_sync("{ me { profile { bio } } }").errors
    assert error.extensions["code"] == "DEPTH_LIMIT_EXCEEDED"
    assert work == {"validate": 0, "find_conflict": 0}


def test_the_benchmarks_worst_document_is_just_within_the_limits(gql_owner, work, settings):
    from benchmarks.endpoints import WORST_DOCUMENT

    assert gql_owner.run(WORST_DOCUMENT).errors is None
    assert work["find_conflict"] == 462 <= settings.GRAPHQL_MAX_FIELD_COMPARISONS
    one_more = WORST_DOCUMENT.replace("{ me { ", "{ me { profile { displayName } ", 1)
    assert only_error(gql_owner.run(one_more))["extensions"]["code"] == "FIELD_COMPARISON_LIMIT_EXCEEDED"
