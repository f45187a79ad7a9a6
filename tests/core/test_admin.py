"""The admin's Project and ProjectMembership pages, and the project on the example pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


@pytest.fixture
def superuser_client(world, client, user_factory):
    client.force_login(user_factory(username="root", is_staff=True, is_superuser=True))
    return client


def queries_for(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("name", ["project", "projectmembership", "examplemodel"])
def test_changelists_load_with_their_relations_in_constant_queries(superuser_client, world, name):
    url = reverse(f"admin:api_{name}_changelist")
    few, page = queries_for(superuser_client, url)
    assert "Team" in page or name == "examplemodel"
    team = world.projects["team"]
    for n in range(5):
        user = world.users["owner"].__class__.objects.create(username=f"extra{n}")
        team.memberships.create(user=user, role="viewer")
        team.examples.create(user=user, title=f"extra {n}")
        team.__class__.objects.create(name=f"P{n}", owner=user)
    more, _ = queries_for(superuser_client, url)
    assert more == few


def test_project_change_page_shows_its_members_inline(superuser_client, world):
    team = world.projects["team"]
    _, page = queries_for(superuser_client, reverse("admin:api_project_change", args=[team.pk]))
    assert "memberships-TOTAL_FORMS" in page
    assert "editor" in page and "viewer" in page


def test_example_changelist_shows_the_project(superuser_client, world):
    _, page = queries_for(superuser_client, reverse("admin:api_examplemodel_changelist"))
    assert "Team" in page
