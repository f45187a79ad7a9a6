"""``manage.py migrate`` that two nodes (or two deploy jobs) may run at once on one PostgreSQL database.

Migrations are a release step, run once before new nodes start. When two
runs meet anyway (two nodes starting together on an empty database, a
retried deploy job), Django's own command lets both apply the same
migration, and one fails on "relation already exists". This one first takes
a PostgreSQL advisory lock (session level), so the second run waits for the
first and then finds nothing left to do. It polls ``pg_try_advisory_lock``
rather than blocking, so the wait is bounded by ``MIGRATE_LOCK_TIMEOUT_SECONDS``
and not cut short by ``statement_timeout``. A session lock needs a session:
run migrations against PostgreSQL directly, not through a transaction pooler
(with ``DB_POOLER`` set, this command refuses to start).
Other databases (SQLite) run Django's command unchanged.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

# Any constant shared by every run of this project's migrations.
MIGRATE_LOCK_ID = 0x6D696772  # "migr"
POLL_SECONDS = 0.2


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Concurrent runs on PostgreSQL wait for each other (an advisory lock)."

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            super().handle(*args, **options)
            return
        if settings.DATABASE_POOLER:
            # The lock and its unlock could each land on another server connection,
            # leaving the lock held by a pooled session for good.
            raise CommandError(
                "DB_POOLER is set: run migrations against PostgreSQL directly (DB_HOST/DB_PORT of the "
                "server, DB_POOLER unset), not through the pooler."
            )
        self._lock(connection)
        try:
            super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_ID])

    def _lock(self, connection: Any) -> None:
        deadline = time.monotonic() + settings.MIGRATE_LOCK_TIMEOUT_SECONDS
        waiting = False
        while True:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK_ID])
                (locked,) = cursor.fetchone()
            if locked:
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Another migrate has held the lock for {settings.MIGRATE_LOCK_TIMEOUT_SECONDS} s; "
                    "is a migration stuck? (MIGRATE_LOCK_TIMEOUT_SECONDS)"
                )
            if not waiting:
                self.stdout.write("Another migrate is running; waiting for it to finish.")
                waiting = True
            time.sleep(POLL_SECONDS)
