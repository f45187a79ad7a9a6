"""Validation costs bounded work, whatever the document expands to.

These tests count work, never time: the selections the shape walk visits,
the calls of graphql-core's validation, and the field pairs its
overlapping-fields rule compares (``find_conflict``, counted by a wrapper).
A fragment bomb is validated by graphql-core in work linear in its text and
refused by the cost estimate; repeated fields spend graphql-core's
overlapping-fields budget (``VALIDATION_BUDGET``) and are refused.
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
from graphql_api.limits import VALIDATION_BUDGET
from graphql_api.schema import schema
from graphql_api.shape import SATURATED, measure

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
def test_the_fragment_bomb_is_validated_once_and_refused_by_its_cost(gql_anon, work, levels):
    query = fragment_bomb(levels)
    assert len(query) < 1600
    error = only_error(gql_anon.run(query))
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    # me, plus the 2**levels ids the fragments expand to: every expansion is costed.
    assert error["extensions"]["cost"] == 1 + 2**levels
    # graphql-core validates the fragments once each: no pair of fields is compared.
    assert work == {"validate": 1, "find_conflict": 0}


@pytest.mark.parametrize("levels", [20, 30, 200])
def test_the_shape_walk_visits_each_selection_once(levels):
    query = fragment_bomb(levels)
    shape = measure(parse(query))
    # 1 (me) + 1 (...F0) + 2 spreads per fragment + 1 (id): linear, not 2**levels.
    assert shape.nodes_visited == 2 + 2 * levels + 1 == selections(query)


def test_aliases_multiplied_by_spreads_saturate():
    fragments = " ".join(f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
    query = "{ me { ...F0 } } " + fragments + " fragment F60 on User { a: id }"
    assert measure(parse(query)).aliases == SATURATED


def test_the_fragment_bomb_over_get_is_refused_the_same_way(work):
    response = Client().get(URL, {"query": fragment_bomb(26)}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert work == {"validate": 1, "find_conflict": 0}


def test_a_fragment_chain_too_deep_for_the_stack_is_refused_not_crashed(gql_owner, settings):
    settings.GRAPHQL_MAX_TOKENS = 100_000
    levels = 3000
    query = "{ me { ...F0 } } " + " ".join(f"fragment F{i} on User {{ ...F{i + 1} }}" for i in range(levels))
    query += f" fragment F{levels} on User {{ id }}"
    response = gql_owner.run(query)
    assert response.data is None
    # The depth walk's refusal first, then graphql-core's own (its fragment nesting check).
    codes = [error["extensions"]["code"] for error in response.errors]
    assert codes == ["DEPTH_LIMIT_EXCEEDED", "VALIDATION_LIMIT_EXCEEDED"]


# The repeated field


@pytest.mark.parametrize("copies", [50, 495])
def test_the_repeated_field_spends_the_validation_budget_and_is_refused(gql_anon, work, copies):
    error = only_error(gql_anon.run(repeated_field(copies)))
    assert error["extensions"] == {"code": "VALIDATION_LIMIT_EXCEEDED"}
    assert error["message"].startswith("Validation aborted")
    # A comparison of two fields spends 2 units: the budget stops the rule, whatever the copies.
    assert work["validate"] == 1
    assert work["find_conflict"] <= VALIDATION_BUDGET // 2 + 1


def test_the_budget_is_graphql_cores_own_knob():
    assert overlap_rule.MAX_COMPLEXITY_BUDGET == VALIDATION_BUDGET
    assert validate(schema._schema, parse(repeated_field(22))) == []
    [aborted] = validate(schema._schema, parse(repeated_field(50)))
    assert aborted.message == "Validation aborted."


WORST_WITHIN_LIMITS = {
    # 22 copies of a field with a subfield: 462 comparisons, 1155 units of the budget.
    "repeated field": repeated_field(22),
    # Two levels of repeats: 5 x 5.
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
def test_the_worst_documents_within_the_limits_do_bounded_work(gql_owner, work, name):
    query = WORST_WITHIN_LIMITS[name]
    response = gql_owner.run(query)
    assert response.errors is None, response.errors
    shape = measure(parse(query))
    # Each written selection once: fragments are not walked again at each spread.
    assert shape.nodes_visited == selections(query)
    assert work["validate"] == 1
    assert work["find_conflict"] <= VALIDATION_BUDGET // 2


def test_the_limits_hold_in_front_of_strawberrys_own_caches(work, settings):
    # Another extension list may parse and validate through Strawberry's own
    # ParserCache and ValidationCache: the depth and alias rule is one of the
    # rules a cached verdict is keyed on, so a new limit is a new verdict.
    from strawberry import Schema
    from strawberry.extensions import ParserCache, ValidationCache

    from graphql_api.limits import LIMIT_EXTENSIONS
    from graphql_api.mutations import Mutation
    from graphql_api.queries import Query

    cached = Schema(
        query=Query, mutation=Mutation, extensions=[*LIMIT_EXTENSIONS, ParserCache, ValidationCache]
    )
    query = "{ me { profile { bio } } }"
    settings.GRAPHQL_MAX_DEPTH = 1
    for _ in range(2):
        [error] = cached.execute_sync(query).errors
        assert error.extensions["code"] == "DEPTH_LIMIT_EXCEEDED"
    # The second refusal is the cached verdict.
    assert work["validate"] == 1
    # Another limit is another rule class, so another verdict: the document is valid
    # (it then runs without a request here, which is not what this test is about).
    settings.GRAPHQL_MAX_DEPTH = 2
    errors = cached.execute_sync(query).errors or []
    assert not [error for error in errors if (error.extensions or {}).get("code") == "DEPTH_LIMIT_EXCEEDED"]
    assert work["validate"] == 2


def test_the_benchmarks_worst_document_is_served_within_the_budget(gql_owner, work):
    from benchmarks.endpoints import WORST_DOCUMENT

    assert gql_owner.run(WORST_DOCUMENT).errors is None
    assert work["find_conflict"] == 462 <= VALIDATION_BUDGET // 2
