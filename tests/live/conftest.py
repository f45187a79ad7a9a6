"""Fixtures every in-process live-updates test shares (Channels' communicator, the in-memory layer)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    # channels' database_sync_to_async closes "old" connections around each
    # call, as a request would; here the one connection is the test's own,
    # inside its transaction, and must stay open.
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def _empty_layer():
    async_to_sync(get_channel_layer().flush)()
    yield
    async_to_sync(get_channel_layer().flush)()


@pytest.fixture
def write(django_capture_on_commit_callbacks):
    """Run a write as after a commit (its on_commit callbacks executed), from async code."""

    def run(function):
        with django_capture_on_commit_callbacks(execute=True):
            return function()

    return lambda function: database_sync_to_async(run)(function)
