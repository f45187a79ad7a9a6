"""Fixtures for the `/api/v1/` tests."""

from __future__ import annotations

import pytest

from api.models import ExampleModel

LIST_URL = "/api/v1/examples/"


def detail_url(example_id: object) -> str:
    return f"{LIST_URL}{example_id}/"


def duplicate_url(example_id: object) -> str:
    return f"{LIST_URL}{example_id}/duplicate/"


def all_rows() -> list[dict]:
    """Every example in the database, owner and times included, for before/after comparisons."""
    # Deliberately not visible_to: the test checks the whole table.
    return list(ExampleModel.objects.order_by("pk").values())


@pytest.fixture
def example(user, example_factory):
    """An example owned by `user` (alice, the `auth_client`)."""
    return example_factory(user=user, title="Alice's note", content="Only Alice may see this.")


@pytest.fixture
def foreign_example(other_user, example_factory):
    """An example owned by `other_user` (bob, the `other_client`)."""
    return example_factory(user=other_user, title="Bob's note", content="Only Bob may see this.")
