"""Fixtures shared by every surface's tests."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from .factories import PASSWORD, ExampleFactory, UserFactory
from .helpers import client_with_token
from .parity.reference import reference_server, use_a_shareable_sqlite_file  # noqa: F401 (a fixture)

# Generated tests try the same inputs on every run (derandomize: the seed
# comes from each test's name), keep no example database on disk, and have no
# deadline (a request's time is not under test, and CI machines vary).
# HYPOTHESIS_PROFILE=explore draws fresh inputs each run, with more examples,
# to look for new failures locally; a failure it finds is then pinned as a
# plain test.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile(
    "explore", derandomize=False, database=None, deadline=None, max_examples=500
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """pytest-django's hook before the test database is created (its default does only the suffix).

    The graphene reference is a server process of its own (tests/parity/reference.py):
    on SQLite the test database must be a file it can open.
    """
    use_a_shareable_sqlite_file(tmp_path_factory.mktemp("database"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counts live in the cache; no test may inherit another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def csrf_client() -> APIClient:
    """A client that enforces CSRF like a browser-facing deployment does."""
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def auth_client(user) -> APIClient:
    return client_with_token(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_with_token(other_user)


@pytest.fixture
def example_factory():
    return ExampleFactory


@pytest.fixture
def user_factory():
    return UserFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's locking; `make test-postgres` runs them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run `make test-postgres`")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
