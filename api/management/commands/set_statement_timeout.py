"""``manage.py set_statement_timeout``: the database's own default ``statement_timeout``.

Connected directly, every connection sets its timeout itself (the ``options``
startup parameter, ``DB_STATEMENT_TIMEOUT_MS``). PgBouncer refuses that
parameter, so with ``DB_POOLER`` set the app sends none and the timeout must
come from the server: ``ALTER DATABASE <DB_NAME> SET statement_timeout``, which
every new session of that database starts with (unless a role-level setting
overrides it). A release step, like ``migrate``: run it against PostgreSQL
directly, before the nodes start; server connections PgBouncer opened earlier
keep what they had until they are replaced.

``--check`` applies nothing: it opens a connection as configured (through the
pooler when ``DB_HOST`` points at it) and fails unless ``SHOW
statement_timeout`` equals ``DB_STATEMENT_TIMEOUT_MS``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections


def in_effect(alias: str) -> int:
    """The statement_timeout, in milliseconds, that a new session of ``alias`` starts with."""
    with connections[alias].cursor() as cursor:
        # pg_settings gives it in its unit (ms); SHOW would say "30s" for 30000.
        cursor.execute("SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout'")
        (milliseconds,) = cursor.fetchone()
    return milliseconds


class Command(BaseCommand):
    help = (
        "Make DB_STATEMENT_TIMEOUT_MS the database's default statement_timeout (ALTER DATABASE), "
        "for connections that cannot carry it themselves (through PgBouncer). --check only compares."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="The database alias (default: default).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit 1 unless a new connection's statement_timeout is DB_STATEMENT_TIMEOUT_MS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        connection = connections[alias]
        if connection.vendor != "postgresql":
            raise CommandError("statement_timeout is a PostgreSQL setting; this database is not PostgreSQL.")
        if options["check"]:
            milliseconds = in_effect(alias)
            if milliseconds != settings.DB_STATEMENT_TIMEOUT_MS:
                raise CommandError(
                    f"statement_timeout is {milliseconds} ms on a new connection of {alias!r}, "
                    f"DB_STATEMENT_TIMEOUT_MS says {settings.DB_STATEMENT_TIMEOUT_MS}: run `manage.py "
                    "set_statement_timeout` against PostgreSQL directly (or remove a role-level setting "
                    "that overrides it)."
                )
            self.stdout.write(f"statement_timeout is {milliseconds} ms, as DB_STATEMENT_TIMEOUT_MS says.")
            return
        if settings.DATABASE_POOLER:
            raise CommandError(
                "DB_POOLER is set: run this against PostgreSQL directly (DB_HOST/DB_PORT of the server, "
                "DB_POOLER unset), then check through the pooler with --check."
            )
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            # An integer from settings; identifiers quoted by Django.
            cursor.execute(
                f"ALTER DATABASE {name} SET statement_timeout = {int(settings.DB_STATEMENT_TIMEOUT_MS)}"
            )
        self.stdout.write(
            f"New sessions of {name} start with statement_timeout = {settings.DB_STATEMENT_TIMEOUT_MS} ms."
        )
