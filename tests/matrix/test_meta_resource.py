"""The meta-test: a throwaway resource (tests/matrix/throwaway.py) is covered by the matrix with no hand entries.

A test-only model with a policy, a viewset reading through the policy and
writing through the generic services, and a route (``ROOT_URLCONF`` is
overridden) are added. Before it has a registry entry the matrix reports its
routes; with one (``NOTE``: its policy table, its target, its values) every
one of its routes is called by every actor with the outcome the table gives,
through the same functions as the product's resources. A missing row of its
policy table, a missing core policy and a read that forgot the policy each
fail. A second one, a remark on a note (tests/matrix/throwaway_nested.py), has its project
through its parent (``note__project``), as a comment has through its example: the matrix covers
it from its entry alone, and catches a create that skips the parent's policy and a delete rule
that forgets the project's owner.
"""

from __future__ import annotations

import dataclasses
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.test import override_settings

from api import policy

from .engine import run_graphql_case, run_rest_case
from .resources import (
    RESOURCES,
    build_population,
    graphql_cases,
    relations,
    resource_for_model,
    rest_cases,
    unregistered_rest_cases,
)
from .throwaway import NOTE, Note, note_schema
from .throwaway_nested import REMARK, Remark, RemarkPolicy, throwaway_tables

pytestmark = pytest.mark.django_db(transaction=True)  # the table is created and dropped (DDL)
URLCONF = "tests.matrix.throwaway"
NOTE_ROUTES = {
    ("GET", "list"),
    ("POST", "create"),
    ("GET", "retrieve"),
    ("PUT", "update"),
    ("PATCH", "partial_update"),
    ("DELETE", "destroy"),
}


@pytest.fixture
def note_table(transactional_db):
    with throwaway_tables():
        yield


@pytest.fixture
def note_policy(note_table):
    """Registered by tests/matrix/throwaway.py at import, as a product model's is."""
    assert policy.policy_for(Note) is not None
    yield


@pytest.fixture
def no_note_policy(note_table):
    # The core has no unregister (a product model never leaves): the test takes it away and puts it back.
    registered = policy._registry.pop(Note)
    try:
        yield
    finally:
        policy.register(Note, registered)


def note_cases():
    return [case for case in rest_cases() if case.model is Note]


def test_the_new_routes_are_found_and_reported_until_registered(note_policy):
    with override_settings(ROOT_URLCONF=URLCONF):
        found = {(case.method, case.op_name) for case in note_cases()}
        reported = unregistered_rest_cases(RESOURCES)
        with_entry = unregistered_rest_cases([*RESOURCES, NOTE])
    assert found == NOTE_ROUTES
    assert reported and all("matrix.Note" in line for line in reported), reported
    assert {line.split(" ")[0] for line in reported} == {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert with_entry == []
    assert unregistered_rest_cases(RESOURCES) == []  # the product's own URL conf is untouched


def test_the_matrix_covers_a_registered_resource_with_no_hand_entries(note_policy):
    resources = [*RESOURCES, NOTE]
    with override_settings(ROOT_URLCONF=URLCONF):
        cases = note_cases()
        population = build_population()  # once: outside a test transaction, each call is rolled back
        assert {(case.method, case.op_name) for case in cases} == NOTE_ROUTES
        for case in cases:
            resource = resource_for_model(case.model, resources)
            assert resource is NOTE
            for variant in resource.variants_of(case.op_name, "rest"):
                run_rest_case(population, resource, case, variant)


def test_a_missing_row_of_the_policy_table_is_reported(note_policy):
    no_delete = dataclasses.replace(NOTE, table={k: v for k, v in NOTE.table.items() if k != policy.DELETE})
    with override_settings(ROOT_URLCONF=URLCONF):
        destroy = next(case for case in note_cases() if case.op_name == "destroy")
        with pytest.raises(AssertionError, match="policy table for note has no row for 'delete'"):
            run_rest_case(build_population(), no_delete, destroy, NOTE.variants_of("destroy", "rest")[0])


def test_a_resource_with_no_core_policy_fails_loudly(no_note_policy):
    with override_settings(ROOT_URLCONF=URLCONF):
        listing = next(case for case in note_cases() if case.op_name == "list")
        with pytest.raises(ImproperlyConfigured, match="has no policy"):
            run_rest_case(build_population(), NOTE, listing, NOTE.variants_of("list", "rest")[0])


def test_a_read_that_forgot_the_policy_fails_the_matrix(note_policy):
    with override_settings(ROOT_URLCONF="tests.matrix.throwaway_leaky"):
        listing = next(case for case in note_cases() if case.op_name == "list")
        with pytest.raises(AssertionError, match="removed GET /api/v1/notes/"):
            run_rest_case(build_population(), NOTE, listing, NOTE.variants_of("list", "rest")[0])


NOTE_FIELDS = {
    ("Query.note", "retrieve"),
    ("Query.notes", "list"),
    ("Mutation.createNote", "create"),
    ("Mutation.updateNote", "update"),
    ("Mutation.deleteNote", "destroy"),
}


def note_graphql_cases(resources):
    cases, unknown = graphql_cases(note_schema()._schema, resources)
    return [case for case in cases if case.type_name == "Note"], unknown


def test_a_graphql_type_of_an_unregistered_model_is_reported():
    """Root fields answering with a strawberry_django type of a model with no registry entry are named."""
    cases, unknown = note_graphql_cases(RESOURCES)
    assert (cases, sorted(unknown)) == ([], sorted(field for field, _ in NOTE_FIELDS))
    cases, unknown = note_graphql_cases([*RESOURCES, NOTE])
    assert ({(c.id, c.op_name) for c in cases}, unknown) == (NOTE_FIELDS, [])


def test_the_matrix_covers_a_registered_resource_on_graphql_with_no_hand_entries(note_policy):
    """The same engine as the product's GraphQL matrix: every actor, every note field, outcome from the table."""
    resources = [*RESOURCES, NOTE]
    schema = note_schema()._schema
    with override_settings(ROOT_URLCONF=URLCONF):
        population = build_population()
        cases, _ = note_graphql_cases(resources)
        assert {(c.id, c.op_name) for c in cases} == NOTE_FIELDS
        for case in cases:
            for variant in NOTE.variants_of(case.op_name, "graphql"):
                run_graphql_case(population, schema, NOTE, case, variant)


def test_a_graphql_row_of_the_policy_table_that_is_wrong_fails_the_matrix(note_policy):
    """The bite on GraphQL: a table that says a viewer may change notes disagrees with the policy."""
    too_generous = dataclasses.replace(
        NOTE, table={**NOTE.table, policy.CHANGE: NOTE.table[policy.CHANGE] | {"viewer"}}
    )
    with override_settings(ROOT_URLCONF=URLCONF):
        cases, _ = note_graphql_cases([*RESOURCES, too_generous])
        update = next(case for case in cases if case.op_name == "update")
        with pytest.raises(AssertionError, match=r"viewer Mutation\.updateNote"):
            run_graphql_case(
                build_population(),
                note_schema()._schema,
                too_generous,
                update,
                NOTE.variants_of("update", "graphql")[0],
            )


# Transfer probes: generated for a resource with a project field, with no hand entries.


def test_transfer_probes_are_generated_for_every_update_of_a_resource_with_a_project_field():
    """The note names no variant: its updates get the three probes from its project field alone."""
    transfers = {
        "transfer to another project",
        "transfer to no project",
        "transfer into an invisible project",
    }
    for surface in ("rest", "graphql"):
        for op in ("update", "partial_update"):
            assert {v.name for v in NOTE.variants_of(op, surface)} == {"default", *transfers}
        for op in ("list", "create", "retrieve", "destroy"):
            assert {v.name for v in NOTE.variants_of(op, surface)} == {"default"}
    # A membership's project is in its address (nested routes), not a field a body moves.
    membership = next(r for r in RESOURCES if r.name == "membership")
    assert not membership.transfer_variants("partial_update")
    assert NOTE.moves


def _note_update_case(op_name: str = "partial_update"):
    return next(case for case in note_cases() if case.op_name == op_name)


def _transfer(name: str):
    return next(v for v in NOTE.variants_of("partial_update", "rest") if v.name == name)


@pytest.mark.parametrize(
    "variant", ["transfer to another project", "transfer to no project", "transfer into an invisible project"]
)
def test_an_update_that_moves_a_row_with_add_alone_fails_the_transfer_probes(note_policy, variant):
    """The project's owner may change the author's note but not delete it: the careless update moves it."""
    careless = override_settings(ROOT_URLCONF="tests.matrix.throwaway_careless")
    with (
        careless,
        pytest.raises(AssertionError, match=r"owner PATCH /api/v1/notes/\d+/ .*expected forbidden"),
    ):
        run_rest_case(build_population(), NOTE, _note_update_case(), _transfer(variant))


@pytest.fixture
def note_without_parent(note_policy):
    # As if its policy had been registered without its parent: the probes then expect it never moves.
    parent = policy._parents.pop(Note)
    try:
        yield
    finally:
        policy._parents[Note] = parent


def test_a_row_that_moves_though_its_policy_declares_no_parent_fails_the_transfer_probes(note_without_parent):
    assert not NOTE.moves
    careless = override_settings(ROOT_URLCONF="tests.matrix.throwaway_careless")
    with careless, pytest.raises(AssertionError, match=r"author PATCH .*project_id is None, expected \d+"):
        run_rest_case(build_population(), NOTE, _note_update_case(), _transfer("transfer to no project"))


# A resource whose parent is another row (tests/matrix/throwaway_nested.py): a remark on a note, its
# project reached through the note (``note__project``), as a comment's is through its example.

REMARK_URLCONF = "tests.matrix.throwaway_nested"


def remark_cases():
    return [case for case in rest_cases() if case.model is Remark]


def test_the_matrix_covers_a_resource_with_a_nested_parent_with_no_hand_entries(note_policy):
    """Every actor on every remark route: view by the note's own table, delete by the note's project's owner."""
    with override_settings(ROOT_URLCONF=REMARK_URLCONF):
        assert unregistered_rest_cases([*RESOURCES, NOTE, REMARK]) == []
        cases = remark_cases()
        population = build_population()
        assert {(case.method, case.op_name) for case in cases} == NOTE_ROUTES
        for case in cases:
            assert resource_for_model(case.model, [*RESOURCES, REMARK]) is REMARK
            for variant in REMARK.variants_of(case.op_name, "rest"):
                run_rest_case(population, REMARK, case, variant)
    # The relations come through the path: the note's project's owner, and "may view the note".
    owner = population.users["owner"]
    remark = population.target(REMARK)
    assert {"owner", "parent:view"} <= relations(REMARK, remark, owner)
    assert REMARK.parent_field == "note" and not REMARK.transfer_variants("partial_update")


def test_a_create_that_skips_the_parent_policy_fails_the_matrix(note_policy):
    """The careless create remarks on a note the removed member no longer sees: expected a 400 on note."""
    with override_settings(ROOT_URLCONF="tests.matrix.throwaway_nested_careless"):
        create = next(case for case in remark_cases() if case.op_name == "create")
        with pytest.raises(
            AssertionError, match=r"removed POST /api/v1/remarks/ \(default\): expected invalid"
        ):
            run_rest_case(build_population(), REMARK, create, REMARK.variants_of("create", "rest")[0])


class AuthorOnlyDelete(RemarkPolicy):
    def condition(self, user, action: str) -> Q | None:
        return Q(user_id=user.pk) if action == policy.DELETE else super().condition(user, action)


def test_a_delete_rule_that_forgets_the_path_to_the_project_fails_the_matrix(note_policy):
    """A remark policy whose DELETE is the author's alone: the note's project's owner is refused."""
    with (
        override_settings(ROOT_URLCONF=REMARK_URLCONF),
        mock.patch.dict(policy._registry, {Remark: AuthorOnlyDelete()}),
    ):
        destroy = next(case for case in remark_cases() if case.op_name == "destroy")
        with pytest.raises(
            AssertionError, match=r"owner DELETE /api/v1/remarks/\d+/ \(default\): expected success"
        ):
            run_rest_case(build_population(), REMARK, destroy, REMARK.variants_of("destroy", "rest")[0])
