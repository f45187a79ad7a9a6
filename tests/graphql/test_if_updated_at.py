"""GraphQL ``ifUpdatedAt`` on updateExample, deleteExample, updateProject and deleteProject.

The row's ``updatedAt`` as the client read it applies the write; any other instant is an
``OperationInfo`` with code ``CONFLICT`` and nothing changes. Runs on SQLite and PostgreSQL
(``make test-postgres``): the instant must round-trip at the stored precision, microseconds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from api.models import ExampleModel, Project

from ..helpers import database_state

pytestmark = pytest.mark.django_db


def payload(type_name: str) -> str:
    return f"""
  __typename
  ... on {type_name} {{ id updatedAt }}
  ... on OperationInfo {{ messages {{ kind field message code }} }}
"""


EXAMPLE, PROJECT = payload("Example"), payload("Project")
UPDATE_EXAMPLE = (
    "mutation($data: ExamplePartialInput!, $at: DateTime) "
    f"{{ r: updateExample(data: $data, ifUpdatedAt: $at) {{ {EXAMPLE} }} }}"
)
DELETE_EXAMPLE = (
    f"mutation($id: ID!, $at: DateTime) {{ r: deleteExample(id: $id, ifUpdatedAt: $at) {{ {EXAMPLE} }} }}"
)
UPDATE_PROJECT = (
    "mutation($data: ProjectPartialInput!, $at: DateTime) "
    f"{{ r: updateProject(data: $data, ifUpdatedAt: $at) {{ {PROJECT} }} }}"
)
DELETE_PROJECT = (
    f"mutation($id: ID!, $at: DateTime) {{ r: deleteProject(id: $id, ifUpdatedAt: $at) {{ {PROJECT} }} }}"
)
READ_EXAMPLE = "query($id: ID!) { example(id: $id) { updatedAt } }"
READ_PROJECT = "query($id: ID!) { project(id: $id) { updatedAt } }"

CONFLICT = {
    "__typename": "OperationInfo",
    "messages": [
        {
            "kind": "ERROR",
            "field": None,
            "message": "This object has changed since you last read it; read it again and retry.",
            "code": "CONFLICT",
        }
    ],
}


@pytest.fixture(params=["example", "project"])
def target(request, user, example_factory):
    """(kind, id, update mutation, its data, delete mutation, read query) for a row alice may change."""
    if request.param == "example":
        row = example_factory(user=user, title="first")
        return (
            "example",
            str(row.pk),
            UPDATE_EXAMPLE,
            {"id": str(row.pk), "title": "new"},
            DELETE_EXAMPLE,
            READ_EXAMPLE,
        )
    row = Project.objects.create(owner=user, name="first")
    return (
        "project",
        str(row.pk),
        UPDATE_PROJECT,
        {"id": str(row.pk), "name": "new"},
        DELETE_PROJECT,
        READ_PROJECT,
    )


def answer(response) -> dict:
    assert response.errors is None, response.errors
    return response.data["r"]


def read_updated_at(client, kind: str, read: str, pk: str) -> str:
    response = client.run(read, {"id": pk})
    assert response.errors is None, response.errors
    return response.data[kind]["updatedAt"]


def test_the_updated_at_the_client_read_applies_the_update(gql_owner, target):
    kind, pk, update, data, _, read = target
    seen = read_updated_at(gql_owner, kind, read, pk)
    changed = answer(gql_owner.run(update, {"data": data, "at": seen}))
    assert changed["__typename"] != "OperationInfo", changed
    assert changed["updatedAt"] != seen
    # The answer's updatedAt is the one to send next.
    again = answer(gql_owner.run(update, {"data": data, "at": changed["updatedAt"]}))
    assert again["__typename"] != "OperationInfo", again


def test_a_stale_updated_at_is_a_conflict_and_changes_nothing(gql_owner, target):
    kind, pk, update, data, delete, read = target
    stale = read_updated_at(gql_owner, kind, read, pk)
    assert answer(gql_owner.run(update, {"data": data}))["__typename"] != "OperationInfo"  # someone's edit
    before = database_state()
    assert answer(gql_owner.run(update, {"data": data, "at": stale})) == CONFLICT
    assert answer(gql_owner.run(delete, {"id": pk, "at": stale})) == CONFLICT
    assert database_state() == before


def test_the_current_updated_at_applies_the_delete(gql_owner, target):
    kind, pk, _, _, delete, read = target
    seen = read_updated_at(gql_owner, kind, read, pk)
    deleted = answer(gql_owner.run(delete, {"id": pk, "at": seen}))
    assert deleted["__typename"] != "OperationInfo", deleted
    model = ExampleModel if kind == "example" else Project
    assert not model.objects.filter(pk=pk).exists()


def test_without_if_updated_at_writes_apply_as_before(gql_owner, target):
    _, pk, update, data, delete, _ = target
    assert answer(gql_owner.run(update, {"data": data}))["__typename"] != "OperationInfo"
    assert answer(gql_owner.run(delete, {"id": pk}))["__typename"] != "OperationInfo"


def test_one_microsecond_off_is_a_conflict(gql_owner, target):
    kind, pk, update, data, _, read = target
    seen = dt.datetime.fromisoformat(read_updated_at(gql_owner, kind, read, pk))
    before = database_state()
    for delta in (1, -1):
        off = (seen + dt.timedelta(microseconds=delta)).isoformat()
        assert answer(gql_owner.run(update, {"data": data, "at": off})) == CONFLICT
    assert database_state() == before


@pytest.mark.parametrize("microsecond", [0, 1, 500_000, 999_999])
def test_updated_at_round_trips_exactly_at_the_stored_precision(
    gql_owner, user, example_factory, microsecond
):
    # microsecond 0: isoformat() leaves out the fraction, and the instant must still match.
    example = example_factory(user=user)
    moment = dt.datetime(2026, 3, 4, 5, 6, 7, microsecond, tzinfo=dt.UTC)
    ExampleModel.objects.filter(pk=example.pk).update(updated_at=moment)
    seen = read_updated_at(gql_owner, "example", READ_EXAMPLE, str(example.pk))
    assert dt.datetime.fromisoformat(seen) == moment
    changed = answer(
        gql_owner.run(UPDATE_EXAMPLE, {"data": {"id": str(example.pk), "title": "t"}, "at": seen})
    )
    assert changed["__typename"] == "Example", changed


def test_the_same_instant_in_another_offset_matches(gql_owner, user, example_factory):
    example = example_factory(user=user)
    moment = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.UTC)
    ExampleModel.objects.filter(pk=example.pk).update(updated_at=moment)
    paris = moment.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat()
    changed = answer(
        gql_owner.run(UPDATE_EXAMPLE, {"data": {"id": str(example.pk), "title": "t"}, "at": paris})
    )
    assert changed["__typename"] == "Example", changed


@pytest.mark.parametrize("value", ["yesterday", "2024-02-30T00:00:00Z", "", 12])
def test_an_unparseable_if_updated_at_is_an_error_and_changes_nothing(
    gql_owner, user, example_factory, value
):
    example = example_factory(user=user)
    before = database_state()
    response = gql_owner.run(UPDATE_EXAMPLE, {"data": {"id": str(example.pk), "title": "t"}, "at": value})
    assert response.data is None
    assert "DateTime cannot represent" in response.errors[0]["message"], response.errors
    assert database_state() == before


def test_an_out_of_range_if_updated_at_is_a_conflict(gql_owner, user, example_factory):
    example = example_factory(user=user)
    before = database_state()
    at = "0001-01-01T00:00:00+01:00"  # parses, but is before year 1 in UTC: no row has it
    assert (
        answer(gql_owner.run(UPDATE_EXAMPLE, {"data": {"id": str(example.pk), "title": "t"}, "at": at}))
        == CONFLICT
    )
    assert database_state() == before


def test_a_foreign_row_is_not_found_whatever_if_updated_at_says(gql_other, user, example_factory):
    example = example_factory(user=user)
    at = example.updated_at.isoformat()
    payload = answer(gql_other.run(UPDATE_EXAMPLE, {"data": {"id": str(example.pk), "title": "t"}, "at": at}))
    assert payload["messages"][0]["code"] == "not_found"
