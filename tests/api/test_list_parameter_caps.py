"""Every REST parameter that takes several values has a cap, found from the routes (not listed by hand).

Today the one such parameter is ``ordering`` (comma-separated keys, api.v1.ordering):
at most as many keys as the view has ``ordering_fields``. A django-filter
parameter that takes several values (a CSV ``__in`` filter, a multiple
choice) would be another; the walk below finds any such filter and fails
until it is capped and tested here, as GraphQL's list arguments are
(tests/graphql/test_list_caps.py).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_filters.filters import BaseCSVFilter, MultipleChoiceFilter

from api.models import Project
from api.v1.urls import router

ROUTES = [(prefix, viewset, basename) for prefix, viewset, basename in router.registry]


def list_url(prefix: str, basename: str, user) -> str:
    kwargs = {}
    if "(?P<project_id>" in prefix:
        kwargs["project_id"] = Project.objects.create(owner=user, name="capped").pk
    return reverse(f"{basename}-list", kwargs=kwargs)


ORDERED = [route for route in ROUTES if getattr(route[1], "ordering_fields", ())]


def test_the_walk_finds_the_ordered_lists():
    assert {basename for _, _, basename in ORDERED} >= {"example", "project"}


@pytest.mark.parametrize(("prefix", "viewset", "basename"), ORDERED, ids=[r[2] for r in ORDERED])
def test_one_ordering_key_past_the_cap_is_a_400(auth_client, user, prefix, viewset, basename):
    fields = viewset.ordering_fields
    keys = [*fields, fields[0]]

    response = auth_client.get(list_url(prefix, basename, user), {"ordering": ",".join(keys)})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "ordering": [f"`ordering` takes at most {len(fields)} items; {len(fields) + 1} given."]
    }


@pytest.mark.parametrize(("prefix", "viewset", "basename"), ORDERED, ids=[r[2] for r in ORDERED])
def test_every_field_once_is_allowed(auth_client, user, prefix, viewset, basename):
    response = auth_client.get(
        list_url(prefix, basename, user), {"ordering": ",".join(viewset.ordering_fields)}
    )

    assert response.status_code == 200


def test_no_filter_takes_several_values_without_a_cap():
    several = [
        f"{basename}: {name}"
        for _, viewset, basename in ROUTES
        if getattr(viewset, "filterset_class", None) is not None
        for name, parameter in viewset.filterset_class.base_filters.items()
        if isinstance(parameter, BaseCSVFilter | MultipleChoiceFilter)
    ]
    assert several == [], "Cap these parameters (a 400 past the cap) and test them here."
