"""One test per row of the `/api/v1/` table in docs/REST.md."""

from __future__ import annotations

from datetime import datetime

from api.models import ExampleModel
from api.v1.urls import router

from .conftest import LIST_URL, all_rows, detail_url, duplicate_url

EXAMPLE_KEYS = {"id", "title", "content", "project", "owner", "created_at", "updated_at"}


def test_api_root_lists_the_collections(api_client):
    """Every registered collection without a URL parameter, found from the router."""
    response = api_client.get("/api/v1/")

    collections = [prefix for prefix, _viewset, _basename in router.registry if "(" not in prefix]
    assert response.status_code == 200
    assert {"examples", "projects", "invitations"} <= set(collections)
    assert response.json() == {prefix: f"http://testserver/api/v1/{prefix}/" for prefix in collections}


def test_api_root_is_browsable(api_client):
    response = api_client.get("/api/v1/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/v1/examples/" in response.content


def test_list_returns_the_callers_examples_in_a_page(auth_client, example):
    response = auth_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": example.pk,
                "title": "Alice's note",
                "content": "Only Alice may see this.",
                "project": None,
                "owner": {"id": example.user.pk, "username": "alice", "name": "alice"},
                "created_at": body["results"][0]["created_at"],
                "updated_at": body["results"][0]["updated_at"],
            }
        ],
    }


def test_list_times_are_iso_8601_with_utc_offset(auth_client, example):
    item = auth_client.get(LIST_URL).json()["results"][0]

    for key in ("created_at", "updated_at"):
        parsed = datetime.fromisoformat(item[key])
        assert parsed.utcoffset() is not None
        assert parsed == getattr(example, key)


def test_list_leaves_out_other_users_examples(auth_client, example, foreign_example):
    body = auth_client.get(LIST_URL).json()

    assert body["count"] == 1
    assert [item["id"] for item in body["results"]] == [example.pk]


def test_list_is_newest_first(auth_client, user, example_factory):
    first = example_factory(user=user)
    second = example_factory(user=user)
    third = example_factory(user=user)

    ids = [item["id"] for item in auth_client.get(LIST_URL).json()["results"]]

    assert ids == [third.pk, second.pk, first.pk]


def test_create_answers_201_with_the_new_example(auth_client, user):
    response = auth_client.post(LIST_URL, {"title": "New", "content": "Body"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == EXAMPLE_KEYS
    created = ExampleModel.objects.get(pk=body["id"])
    assert (created.user, created.title, created.content) == (user, "New", "Body")
    assert body["title"] == "New"
    assert body["content"] == "Body"


def test_create_without_content_stores_empty_content(auth_client):
    response = auth_client.post(LIST_URL, {"title": "Only a title"}, format="json")

    assert response.status_code == 201
    assert response.json()["content"] == ""
    assert ExampleModel.objects.get(pk=response.json()["id"]).content == ""


# JSON bodies only (tests/test_json_only.py covers every endpoint).
def test_create_refuses_multipart(auth_client):
    response = auth_client.post(LIST_URL, {"title": "Form", "content": "Sent as a form"}, format="multipart")

    assert response.status_code == 415
    assert not ExampleModel.objects.exists()


def test_create_refuses_urlencoded_form(auth_client):
    response = auth_client.post(
        LIST_URL, "title=Urlencoded&content=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert not ExampleModel.objects.exists()


def test_create_without_title_is_400(auth_client):
    response = auth_client.post(LIST_URL, {"content": "no title"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."]}
    assert ExampleModel.objects.count() == 0


def test_retrieve_answers_the_example(auth_client, example):
    response = auth_client.get(detail_url(example.pk))

    assert response.status_code == 200
    assert response.json()["id"] == example.pk
    assert response.json()["title"] == "Alice's note"
    assert set(response.json()) == EXAMPLE_KEYS


def test_retrieve_missing_is_404(auth_client, example):
    response = auth_client.get(detail_url(example.pk + 1000))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_put_replaces_title_and_content(auth_client, example):
    response = auth_client.put(detail_url(example.pk), {"title": "T2", "content": "C2"}, format="json")

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["content"]) == ("T2", "C2")
    example.refresh_from_db()
    assert (example.title, example.content) == ("T2", "C2")


def test_put_without_content_leaves_content_unchanged(auth_client, example):
    response = auth_client.put(detail_url(example.pk), {"title": "T2"}, format="json")

    assert response.status_code == 200
    example.refresh_from_db()
    assert (example.title, example.content) == ("T2", "Only Alice may see this.")


def test_put_without_title_is_400_and_changes_nothing(auth_client, example):
    before = all_rows()

    response = auth_client.put(detail_url(example.pk), {"content": "C2"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."]}
    assert all_rows() == before


def test_put_missing_is_404(auth_client, example):
    response = auth_client.put(detail_url(example.pk + 1000), {"title": "T"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_patch_changes_only_the_given_field(auth_client, example):
    response = auth_client.patch(detail_url(example.pk), {"content": "New content"}, format="json")

    assert response.status_code == 200
    example.refresh_from_db()
    assert (example.title, example.content) == ("Alice's note", "New content")


def test_patch_moves_updated_at_forward(auth_client, example):
    response = auth_client.patch(detail_url(example.pk), {"title": "Later"}, format="json")

    assert datetime.fromisoformat(response.json()["updated_at"]) > example.updated_at
    assert datetime.fromisoformat(response.json()["created_at"]) == example.created_at


def test_patch_with_invalid_field_is_400_and_changes_nothing(auth_client, example):
    before = all_rows()

    response = auth_client.patch(detail_url(example.pk), {"title": ""}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["This field may not be blank."]}
    assert all_rows() == before


def test_patch_missing_is_404(auth_client, example):
    response = auth_client.patch(detail_url(example.pk + 1000), {"title": "T"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_delete_answers_204_and_removes_the_row(auth_client, example):
    response = auth_client.delete(detail_url(example.pk))

    assert response.status_code == 204
    assert response.content == b""
    assert not ExampleModel.objects.filter(pk=example.pk).exists()


def test_delete_missing_is_404(auth_client, example):
    response = auth_client.delete(detail_url(example.pk + 1000))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert ExampleModel.objects.filter(pk=example.pk).exists()


def test_duplicate_answers_201_with_a_copy_owned_by_the_caller(auth_client, user, example):
    response = auth_client.post(duplicate_url(example.pk))

    assert response.status_code == 201
    body = response.json()
    assert body["id"] != example.pk
    assert body["title"] == "Alice's note (copy)"
    assert body["content"] == example.content
    copy = ExampleModel.objects.get(pk=body["id"])
    assert copy.user == user
    assert ExampleModel.objects.filter(pk=example.pk, title="Alice's note").exists()


def test_duplicate_keeps_the_title_within_200_characters(auth_client, user, example_factory):
    source = example_factory(user=user, title="x" * 200)

    body = auth_client.post(duplicate_url(source.pk)).json()

    assert body["title"] == "x" * 193 + " (copy)"
    assert len(body["title"]) == 200


def test_duplicate_ignores_a_body(auth_client, example):
    response = auth_client.post(duplicate_url(example.pk), {"title": "Mine", "user": 999}, format="json")

    assert response.status_code == 201
    assert response.json()["title"] == "Alice's note (copy)"


def test_duplicate_with_a_format_suffix(auth_client, user, example):
    """The router also serves `duplicate.json`; found by the cross-user matrix (it was a 500)."""
    response = auth_client.post(f"{LIST_URL}{example.pk}/duplicate.json")

    assert response.status_code == 201
    assert ExampleModel.objects.get(pk=response.json()["id"]).user == user


def test_duplicate_missing_is_404(auth_client, example):
    before = all_rows()

    response = auth_client.post(duplicate_url(example.pk + 1000))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert all_rows() == before


def test_list_is_browsable(auth_client, example):
    response = auth_client.get(LIST_URL, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "Alice&#x27;s note" in response.content.decode()


def test_detail_is_browsable(auth_client, example):
    response = auth_client.get(detail_url(example.pk), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "Only Alice may see this." in response.content.decode()


def test_options_describes_the_create_body(auth_client):
    response = auth_client.options(LIST_URL)

    assert response.status_code == 200
    assert set(response.json()["actions"]["POST"]) == EXAMPLE_KEYS
