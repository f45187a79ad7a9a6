"""Conditional requests on REST detail routes: ETag, If-None-Match (304), If-Match (412), for examples and projects.

Every refused request is checked to have changed nothing (the whole table before and after).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from api.models import ExampleModel, Project
from authentication.models import Profile

from ..helpers import database_state, generated, rolled_back

pytestmark = pytest.mark.django_db

STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}"$')


@pytest.fixture(params=["examples", "projects"])
def resource(request, user, example_factory):
    """(detail url, a PATCH body, a PUT body) for a row `user` (alice) may change and delete."""
    if request.param == "examples":
        row = example_factory(user=user, title="first", content="body")
        return f"/api/v1/examples/{row.pk}/", {"title": "patched"}, {"title": "put", "content": "c"}
    row = Project.objects.create(owner=user, name="first", description="d")
    return f"/api/v1/projects/{row.pk}/", {"name": "patched"}, {"name": "put", "description": "e"}


def etag_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def test_a_detail_get_sends_a_strong_etag_and_private_no_cache(auth_client, resource):
    url, _, _ = resource
    response = auth_client.get(url)
    assert response.status_code == 200
    assert STRONG_ETAG.match(response["ETag"]), response["ETag"]
    assert response["Cache-Control"] == "private, no-cache"
    assert etag_of(auth_client, url) == response["ETag"]  # stable while nothing changes


@pytest.mark.parametrize(
    "header",
    ["{etag}", "W/{etag}", '"nope", {etag}', "*", ' {etag} , "x"'],
    ids=["same", "weak", "in a list", "star", "spaces"],
)
def test_a_matching_if_none_match_is_a_304_with_no_body_and_the_etag(auth_client, resource, header):
    url, _, _ = resource
    etag = etag_of(auth_client, url)
    response = auth_client.get(url, headers={"If-None-Match": header.format(etag=etag)})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_after_a_change_the_old_etag_gets_the_new_body(auth_client, resource):
    url, patch, _ = resource
    etag = etag_of(auth_client, url)
    assert auth_client.patch(url, patch).status_code == 200
    response = auth_client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_if_match_with_the_current_etag_applies_a_patch_and_answers_the_new_etag(auth_client, resource):
    url, patch, _ = resource
    etag = etag_of(auth_client, url)
    response = auth_client.patch(url, patch, headers={"If-Match": etag})
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == etag_of(auth_client, url)  # the new one, usable for the next edit
    assert auth_client.patch(url, patch, headers={"If-Match": response["ETag"]}).status_code == 200


def test_a_put_answer_has_no_etag(auth_client, resource):
    # RFC 9110 9.3.4: the stored representation is not the request's content.
    url, _, put = resource
    response = auth_client.put(url, put, headers={"If-Match": etag_of(auth_client, url)})
    assert response.status_code == 200, response.content
    assert "ETag" not in response


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_a_412_and_changes_nothing(auth_client, resource, method):
    url, patch, put = resource
    stale = etag_of(auth_client, url)
    assert auth_client.patch(url, patch).status_code == 200  # someone else's edit
    before = database_state()
    body = {"put": put, "patch": patch, "delete": None}[method]
    response = getattr(auth_client, method)(url, body, headers={"If-Match": stale})
    assert response.status_code == 412, response.content
    assert response.json() == {
        "detail": "This object has changed since you last read it; read it again and retry.",
        "code": "precondition_failed",
    }
    assert database_state() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_star_or_a_list_holding_the_current_etag_applies(auth_client, resource, method):
    url, patch, put = resource
    body = {"put": put, "patch": patch, "delete": None}[method]
    response = getattr(auth_client, method)(url, body, headers={"If-Match": "*"})
    assert response.status_code in (200, 204), response.content
    if method == "delete":
        return
    current = etag_of(auth_client, url)
    listed = f'"0123456789abcdef0123456789abcdef", {current}'
    assert getattr(auth_client, method)(url, body, headers={"If-Match": listed}).status_code == 200


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_weak_etag_never_matches_if_match(auth_client, resource, method):
    # RFC 9110 13.1.1: If-Match uses the strong comparison; W/"x" does not match "x".
    url, patch, put = resource
    before = database_state()
    body = {"put": put, "patch": patch, "delete": None}[method]
    weak = "W/" + etag_of(auth_client, url)
    assert getattr(auth_client, method)(url, body, headers={"If-Match": weak}).status_code == 412
    assert database_state() == before


@pytest.mark.parametrize(
    "header",
    ["abc", '"unterminated', '*, "x"', '"a" "b"', "W/abc", '"a";b', '"quote"inside"'],
)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_malformed_if_match_is_a_400_and_changes_nothing(auth_client, resource, method, header):
    url, patch, put = resource
    before = database_state()
    body = {"put": put, "patch": patch, "delete": None}[method]
    response = getattr(auth_client, method)(url, body, headers={"If-Match": header})
    assert response.status_code == 400, response.content
    assert "If-Match must be * or a comma-separated list of entity tags" in response.json()["detail"]
    assert database_state() == before


def test_a_malformed_if_none_match_is_a_400(auth_client, resource):
    url, _, _ = resource
    response = auth_client.get(url, headers={"If-None-Match": "abc"})
    assert response.status_code == 400
    assert "If-None-Match" in response.json()["detail"]


def test_an_empty_if_match_lists_no_tag_and_fails(auth_client, resource):
    url, patch, _ = resource
    before = database_state()
    assert auth_client.patch(url, patch, headers={"If-Match": ""}).status_code == 412
    assert database_state() == before


def test_without_if_match_writes_apply_as_before(auth_client, resource):
    url, patch, _ = resource
    etag_of(auth_client, url)
    assert auth_client.patch(url, patch).status_code == 200
    assert auth_client.delete(url).status_code == 204


def test_the_etag_of_another_row_does_not_match(auth_client, user, example_factory):
    first = example_factory(user=user)
    second = example_factory(user=user)
    etag = etag_of(auth_client, f"/api/v1/examples/{first.pk}/")
    before = database_state()
    response = auth_client.patch(f"/api/v1/examples/{second.pk}/", {"title": "x"}, headers={"If-Match": etag})
    assert response.status_code == 412
    assert database_state() == before


def test_an_invisible_or_missing_row_is_a_404_whatever_if_match_says(
    auth_client, other_user, example_factory
):
    foreign = example_factory(user=other_user)
    for url in (f"/api/v1/examples/{foreign.pk}/", "/api/v1/examples/999999/"):
        response = auth_client.patch(url, {"title": "x"}, headers={"If-Match": "*"})
        assert response.status_code == 404
        assert auth_client.get(url, headers={"If-None-Match": "*"}).status_code == 404
    assert ExampleModel.objects.get(pk=foreign.pk).title != "x"


def test_a_change_the_caller_sees_without_the_row_changing_changes_the_etag_but_not_if_match(
    auth_client, user, example_factory
):
    """The author's display name is in the body, not in the row: a 304 must not hide it; a write is not lost."""
    example = example_factory(user=user, title="mine")
    url = f"/api/v1/examples/{example.pk}/"
    etag = etag_of(auth_client, url)
    Profile.objects.filter(user=user).update(display_name="Alice Renamed")
    response = auth_client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert auth_client.patch(url, {"title": "still mine"}, headers={"If-Match": etag}).status_code == 200


def test_a_project_role_change_changes_the_members_etag(auth_client, user, other_user):
    project = Project.objects.create(owner=other_user, name="shared")
    project.memberships.create(user=user, role="viewer")
    url = f"/api/v1/projects/{project.pk}/"
    etag = etag_of(auth_client, url)
    project.memberships.filter(user=user).update(role="editor")
    response = auth_client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["role"] == "editor"


def test_the_etag_follows_the_stored_microseconds(auth_client, user, example_factory):
    example = example_factory(user=user)
    url = f"/api/v1/examples/{example.pk}/"
    etag = etag_of(auth_client, url)
    # A change of one microsecond only (a write that kept every column but updated_at).
    stored = ExampleModel.objects.get(pk=example.pk).updated_at
    one_microsecond_later = stored.replace(microsecond=(stored.microsecond + 1) % 1_000_000)
    ExampleModel.objects.filter(pk=example.pk).update(updated_at=one_microsecond_later)
    assert etag_of(auth_client, url) != etag


# Any header text: never a 500, and nothing changes unless the write applied.

HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=80
)


@generated(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(HEADER_TEXT, st.lists(HEADER_TEXT, max_size=4).map(", ".join)))
def test_any_if_match_is_a_200_400_or_412_and_only_a_200_writes(auth_client, user, example_factory, header):
    with rolled_back():
        example = example_factory(user=user, title="before")
        before = database_state()
        response = auth_client.patch(
            f"/api/v1/examples/{example.pk}/", {"title": "after"}, headers={"If-Match": header}
        )
        assert response.status_code in (200, 400, 412), (header, response.status_code, response.content)
        if response.status_code != 200:
            assert database_state() == before, header
        get = auth_client.get(f"/api/v1/examples/{example.pk}/", headers={"If-None-Match": header})
        assert get.status_code in (200, 304, 400), (header, get.status_code)


VALID_TAG_LISTS = (
    "*",
    " * ",
    '"a"',
    'W/"a"',
    '"a", W/"b"',
    '"a",,"b"',
    '""',
    "",
    " ",
    ',"a",',
    '"a"\t,\t"b"',
)
MALFORMED_TAG_LISTS = ("abc", '"a', '*, "a"', '"a" "b"', '"a""b"', 'w/"a"', '"a";', "**", 'W/ "a"')


@pytest.mark.parametrize("value", [*VALID_TAG_LISTS, *MALFORMED_TAG_LISTS])
def test_the_openapi_pattern_of_if_match_accepts_what_the_parser_accepts(value):
    from api.v1.conditional import MalformedPrecondition, parse_entity_tags
    from backend.openapi import ENTITY_TAGS_SCHEMA

    try:
        parse_entity_tags(value, "If-Match")
        parsed = True
    except MalformedPrecondition:
        parsed = False
    assert parsed == (value in VALID_TAG_LISTS), value
    assert (re.match(ENTITY_TAGS_SCHEMA["pattern"], value) is not None) == parsed, value
