"""The If-Match / ifUpdatedAt check is atomic with the write (PostgreSQL): a deterministic race.

Editor A passes the check and writes, holding the row lock and not yet committed; editor B,
with the same precondition, must wait for that lock and then fail on the row A wrote. A check
made before the lock (or outside the write's transaction) would let B pass too: both would win.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from api import services, versions
from api.models import ExampleModel

from ..factories import ExampleFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers with a database lock, so there is no row lock to race past; "
        "make test-postgres runs this",
    ),
]


def wait_until_a_backend_waits_for_a_lock(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("editor B never waited for editor A's row lock")


@pytest.mark.parametrize("kind", ["if_match", "if_updated_at"])
def test_of_two_editors_with_the_same_precondition_the_second_fails_after_the_first_commits(kind):
    user = UserFactory()
    example = ExampleFactory(user=user, title="original")
    expected = (
        versions.IfMatch(tags=(versions.row_version(example),))
        if kind == "if_match"
        else versions.IfUpdatedAt(example.updated_at)
    )
    a_wrote, a_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def editor_a() -> None:
        try:
            with transaction.atomic():
                services.example_update(
                    user=user, example_id=example.pk, data={"title": "A"}, expected=expected
                )
                a_wrote.set()
                assert a_may_commit.wait(10)
            outcome["a"] = "won"
        finally:
            connections.close_all()

    def editor_b() -> None:
        try:
            services.example_update(user=user, example_id=example.pk, data={"title": "B"}, expected=expected)
            outcome["b"] = "won"
        except versions.PreconditionFailed:
            outcome["b"] = "precondition failed"
        finally:
            connections.close_all()

    a = threading.Thread(target=editor_a)
    a.start()
    assert a_wrote.wait(10)
    b = threading.Thread(target=editor_b)
    b.start()
    wait_until_a_backend_waits_for_a_lock()  # B is blocked on A's lock, past nothing
    a_may_commit.set()
    a.join(10)
    b.join(10)
    assert outcome == {"a": "won", "b": "precondition failed"}
    assert ExampleModel.objects.get(pk=example.pk).title == "A"
