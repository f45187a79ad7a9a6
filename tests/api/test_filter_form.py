"""The list's filter form is django-filter's own, built for each request.

It once was built once per FilterSet class: a filter whose choices depend on
the caller (``ModelChoiceFilter(queryset=lambda request: ...)``) then kept the
choices of whoever called first.
"""

from __future__ import annotations

from django_filters import rest_framework as filters

from api.v1.filters import ExampleFilter
from api.v1.views import ExampleModelViewSet
from authentication.models import User

from .conftest import LIST_URL


class WithCallerChoices(ExampleFilter):
    # Test-only: the product never filters by owner outside the policy.
    owner = filters.ModelChoiceFilter(
        field_name="user", queryset=lambda request: User.objects.filter(pk=request.user.pk)
    )

    class Meta(ExampleFilter.Meta):
        pass


def test_choices_that_depend_on_the_caller_are_the_callers_own(
    auth_client, other_client, example, foreign_example, monkeypatch
):
    monkeypatch.setattr(ExampleModelViewSet, "filterset_class", WithCallerChoices)

    alice = auth_client.get(LIST_URL, {"owner": example.user_id})
    bob = other_client.get(LIST_URL, {"owner": foreign_example.user_id})
    refused = other_client.get(LIST_URL, {"owner": example.user_id})

    assert alice.status_code == 200, alice.content
    assert [row["id"] for row in alice.json()["results"]] == [example.pk]
    assert bob.status_code == 200, bob.content
    assert [row["id"] for row in bob.json()["results"]] == [foreign_example.pk]
    assert refused.status_code == 400
    assert "owner" in refused.json()


def test_the_filters_dialog_labels_every_field(auth_client):
    """django-filter labels a method filter from a model field; `search` has none ("[invalid name]")."""
    page = auth_client.get(LIST_URL, HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    html = page.content.decode()
    assert "[invalid name]" not in html
    assert "Search (title or content)" in html
