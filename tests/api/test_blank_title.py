"""A title of only whitespace is blank on every surface (the model's validator)."""

import pytest

from api.models import ExampleModel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("title", [" ", "   ", "\t\n", "\u3000"])
def test_rest_refuses_whitespace_title(auth_client, title):
    response = auth_client.post("/api/v1/examples/", {"title": title, "content": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"title": ["This field cannot be blank."]}
    assert not ExampleModel.objects.exists()


def test_rest_patch_refuses_whitespace_title(auth_client, user, example_factory):
    example = example_factory(user=user, title="kept")
    response = auth_client.patch(f"/api/v1/examples/{example.pk}/", {"title": "  "}, format="json")
    assert response.status_code == 400
    example.refresh_from_db()
    assert example.title == "kept"


def test_surrounding_whitespace_is_kept_as_sent(auth_client):
    response = auth_client.post("/api/v1/examples/", {"title": "  padded  "}, format="json")
    assert response.status_code == 201
    assert response.json()["title"] == "  padded  "
