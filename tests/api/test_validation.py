"""Request bodies: lengths, types, ignored fields, malformed input. Bad input changes nothing."""

from __future__ import annotations

import pytest

from api.models import ExampleModel

from .conftest import LIST_URL, all_rows, detail_url


@pytest.mark.parametrize("length", [1, 200])
def test_title_of_allowed_length_is_accepted(auth_client, length):
    response = auth_client.post(LIST_URL, {"title": "t" * length}, format="json")

    assert response.status_code == 201
    assert ExampleModel.objects.get().title == "t" * length


def test_empty_title_is_400(auth_client):
    response = auth_client.post(LIST_URL, {"title": ""}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["This field may not be blank."]}
    assert not ExampleModel.objects.exists()


def test_title_of_201_characters_is_400(auth_client):
    response = auth_client.post(LIST_URL, {"title": "t" * 201}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["Ensure this field has no more than 200 characters."]}
    assert not ExampleModel.objects.exists()


def test_title_length_counts_characters_not_bytes(auth_client):
    response = auth_client.post(LIST_URL, {"title": "é" * 200}, format="json")

    assert response.status_code == 201


def test_content_of_100000_characters_is_accepted(auth_client):
    response = auth_client.post(LIST_URL, {"title": "t", "content": "c" * 100_000}, format="json")

    assert response.status_code == 201
    assert len(ExampleModel.objects.get().content) == 100_000


def test_content_over_100000_characters_is_400(auth_client):
    response = auth_client.post(LIST_URL, {"title": "t", "content": "c" * 100_001}, format="json")

    assert response.status_code == 400
    assert response.json() == {"content": ["Ensure this field has no more than 100000 characters."]}
    assert not ExampleModel.objects.exists()


def test_content_over_the_limit_is_refused_on_update_too(auth_client, example):
    before = all_rows()

    response = auth_client.patch(detail_url(example.pk), {"content": "c" * 100_001}, format="json")

    assert response.status_code == 400
    assert "content" in response.json()
    assert all_rows() == before


def test_empty_content_is_accepted(auth_client):
    response = auth_client.post(LIST_URL, {"title": "t", "content": ""}, format="json")

    assert response.status_code == 201
    assert response.json()["content"] == ""


def test_whitespace_is_stored_as_sent(auth_client):
    response = auth_client.post(LIST_URL, {"title": " padded ", "content": "\n  indented\n"}, format="json")

    assert response.status_code == 201
    stored = ExampleModel.objects.get()
    assert (stored.title, stored.content) == (" padded ", "\n  indented\n")


def test_user_in_body_is_ignored_on_create(auth_client, user, other_user):
    response = auth_client.post(LIST_URL, {"title": "t", "user": other_user.pk}, format="json")

    assert response.status_code == 201
    assert ExampleModel.objects.get(pk=response.json()["id"]).user == user


def test_id_in_body_is_ignored_on_create(auth_client):
    response = auth_client.post(LIST_URL, {"id": 424242, "title": "t"}, format="json")

    assert response.status_code == 201
    assert response.json()["id"] != 424242
    assert not ExampleModel.objects.filter(pk=424242).exists()


def test_user_and_id_in_body_are_ignored_on_update(auth_client, user, other_user, example):
    body = {"id": example.pk + 1000, "user": other_user.pk, "title": "Renamed"}

    response = auth_client.put(detail_url(example.pk), body, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == example.pk
    example.refresh_from_db()
    assert (example.user, example.title) == (user, "Renamed")
    assert ExampleModel.objects.count() == 1


def test_read_only_times_in_body_are_ignored(auth_client, example):
    body = {"title": "t", "created_at": "2000-01-01T00:00:00Z"}

    response = auth_client.patch(detail_url(example.pk), body, format="json")

    assert response.status_code == 200
    example.refresh_from_db()
    assert example.created_at.year != 2000


def test_null_title_is_400(auth_client):
    response = auth_client.post(LIST_URL, {"title": None}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["This field may not be null."]}


@pytest.mark.parametrize("value", [["a"], {"a": 1}])
def test_non_string_title_is_400(auth_client, value):
    response = auth_client.post(LIST_URL, {"title": value}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["Not a valid string."]}
    assert not ExampleModel.objects.exists()


def test_nul_character_is_400(auth_client):
    response = auth_client.post(LIST_URL, {"title": "a\x00b"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["Null characters are not allowed."]}


def test_malformed_json_is_400(auth_client):
    response = auth_client.post(LIST_URL, '{"title": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not ExampleModel.objects.exists()


def test_json_array_body_is_400(auth_client):
    response = auth_client.post(LIST_URL, "[]", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_lone_surrogate_is_400(auth_client):
    response = auth_client.post(LIST_URL, '{"title": "\\ud800"}', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not ExampleModel.objects.exists()


def test_unsupported_media_type_is_415(auth_client):
    response = auth_client.post(LIST_URL, "<title>x</title>", content_type="application/xml")

    assert response.status_code == 415
    assert response.json() == {"detail": 'Unsupported media type "application/xml" in request.'}


def test_body_over_one_mebibyte_is_413(auth_client):
    body = '{"title": "t", "content": "' + "c" * (1024 * 1024) + '"}'

    response = auth_client.post(LIST_URL, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large."}
    assert not ExampleModel.objects.exists()


def test_emoji_and_right_to_left_text_round_trip(auth_client):
    title = "שלום 👋🏽 e\u0301"

    created = auth_client.post(LIST_URL, {"title": title}, format="json").json()

    assert auth_client.get(detail_url(created["id"])).json()["title"] == title


@pytest.mark.parametrize("value", [0, 1.5, True, ["x"], {"x": 1}])
@pytest.mark.parametrize("field", ["title", "content"])
def test_wrong_types_are_refused_not_coerced(auth_client, field, value):
    """{"title": 0} is a client error (as in GraphQL), never stored as "0"."""
    body = {"title": "ok", field: value}
    response = auth_client.post(LIST_URL, body, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["Not a valid string."]}
    assert not ExampleModel.objects.exists()
