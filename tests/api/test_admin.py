"""The Django admin's ExampleModel pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

CHANGELIST = reverse("admin:api_examplemodel_changelist")


@pytest.fixture
def superuser_client(db, client, user_factory):
    client.force_login(user_factory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def dated_examples(user, other_user, example_factory):
    with time_machine.travel(datetime(2024, 1, 10, tzinfo=UTC), tick=False):
        january = example_factory(user=user, title="January apples", content="")
    with time_machine.travel(datetime(2024, 3, 10, tzinfo=UTC), tick=False):
        march = example_factory(user=other_user, title="March apples", content="")
        pears = example_factory(user=other_user, title="March pears", content="")
    return january, march, pears


def test_changelist_loads_with_search_and_date_filter(superuser_client, dated_examples):
    response = superuser_client.get(
        CHANGELIST,
        # The same shape as the links DateFieldListFilter renders (aware times).
        {
            "q": "apples",
            "created_at__gte": "2024-03-01 00:00:00+00:00",
            "created_at__lt": "2024-04-01 00:00:00+00:00",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "March apples" in page
    assert "January apples" not in page
    assert "March pears" not in page
    assert 'id="changelist-filter"' in page
    assert 'id="changelist-search"' in page


def test_changelist_shows_every_users_examples(superuser_client, dated_examples):
    response = superuser_client.get(CHANGELIST)

    assert response.status_code == 200
    assert all(example.title in response.content.decode() for example in dated_examples)


def test_change_page_loads(superuser_client, dated_examples):
    response = superuser_client.get(reverse("admin:api_examplemodel_change", args=[dated_examples[0].pk]))

    assert response.status_code == 200
    assert b"January apples" in response.content


def test_changelist_needs_staff(client, user, dated_examples):
    client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
