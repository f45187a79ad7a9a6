"""`/api/v1/comments/`: `example` is named on create and read-only afterwards (a comment never moves)."""

from __future__ import annotations

import pytest
import yaml
from django.conf import settings

from api.models import Comment

pytestmark = pytest.mark.django_db
LIST_URL = "/api/v1/comments/"


@pytest.fixture
def comment(user, example):
    return Comment.objects.create(example=example, user=user, body="first")


@pytest.fixture
def other_example(user, example_factory):
    return example_factory(user=user, title="Alice's second note")


def test_create_requires_an_example(auth_client):
    response = auth_client.post(LIST_URL, {"body": "no example"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"example"}, response.content
    assert not Comment.objects.exists()


def test_create_puts_the_comment_on_the_example(auth_client, example):
    response = auth_client.post(LIST_URL, {"example": example.pk, "body": "hello"}, format="json")
    assert response.status_code == 201, response.content
    assert Comment.objects.get(pk=response.json()["id"]).example_id == example.pk


def test_put_needs_only_the_body(auth_client, comment, example):
    response = auth_client.put(f"{LIST_URL}{comment.pk}/", {"body": "replaced"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["example"], response.json()["body"]) == (example.pk, "replaced")
    comment.refresh_from_db()
    assert (comment.example_id, comment.body) == (example.pk, "replaced")


@pytest.mark.parametrize("method", ["put", "patch"])
def test_another_example_in_an_update_is_ignored(auth_client, comment, example, other_example, method):
    """Read-only after create: the comment stays on its example, as the answer shows."""
    url = f"{LIST_URL}{comment.pk}/"
    response = getattr(auth_client, method)(
        url, {"example": other_example.pk, "body": "moved?"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["example"] == example.pk
    comment.refresh_from_db()
    assert (comment.example_id, comment.body) == (example.pk, "moved?")


def test_the_openapi_update_bodies_have_no_example():
    schemas = yaml.safe_load((settings.BASE_DIR / "openapi.yaml").read_text())["components"]["schemas"]
    assert "example" in schemas["CommentRequest"]["required"]
    assert "example" not in schemas["CommentChangeRequest"]["properties"]
    assert "example" not in schemas["PatchedCommentChangeRequest"]["properties"]
    assert schemas["CommentChangeRequest"]["required"] == ["body"]
