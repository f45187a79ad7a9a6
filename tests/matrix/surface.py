"""What the matrix is derived from: every URL route, every GraphQL root field, every table row.

Routes come from walking the URL resolver; their methods from the view
classes (a DRF viewset's action map, a class's handlers) or, for function
views and views that dispatch by themselves, from asking the view (a method
it does not take answers 405). GraphQL fields come from the served schema's
root types. The database dump is every row of every table, by raw SQL.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize
from graphql import GraphQLSchema

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Every route under this namespace is Django's admin: AdminSite.admin_view
# wraps each one in the same staff check, so one rule covers them all
# (a new ModelAdmin brings new routes under the same rule).
ADMIN = "admin"


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the pattern for an unnamed route
    regex: str  # the full pattern, from the root
    callback: Callable
    namespace: str

    @property
    def is_admin(self) -> bool:
        return self.namespace.split(":")[0] == ADMIN

    def methods(self, among: tuple[str, ...] = METHODS) -> tuple[str, ...]:
        """The HTTP methods (of ``among``) the view takes; HEAD and OPTIONS aside."""
        if self.is_admin:
            return tuple(m for m in ("GET", "POST") if m in among)
        actions = getattr(self.callback, "actions", None)
        if actions:  # a DRF viewset route: {"get": "list", "post": "create"} (DRF adds "head" itself)
            return tuple(m.upper() for m in actions if m.upper() in among)
        view_class = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        if view_class is not None:
            handlers = tuple(
                m.upper()
                for m in view_class.http_method_names
                if m.upper() in among and callable(getattr(view_class, m, None))
            )
            if handlers or any(callable(getattr(view_class, m.lower(), None)) for m in METHODS):
                return handlers
        return self._probe(among)

    def _probe(self, among: tuple[str, ...]) -> tuple[str, ...]:
        # A function view, or a class that dispatches by itself (Strawberry's):
        # ask anonymously with no body; only "not this method" is a 405.
        url = self.url({})
        return tuple(m for m in among if Client().generic(m, url).status_code != 405)

    def url(self, values: dict[str, Any]) -> str:
        """A URL of this route, its parameters taken from ``values`` (by name) or harmless defaults."""
        for template, params in normalize(self.regex):
            for candidate in _fillings(params, values):
                url = "/" + template % candidate
                try:
                    match = resolve(url)
                except Exception:  # noqa: S112 (a filling this route does not take; try the next)
                    continue
                if match.func is self.callback:
                    return url
        raise AssertionError(f"cannot build a URL for {self.key} ({self.regex}) from {values}")

    def __str__(self) -> str:
        return self.key


# Parameters every route may have, when the test gives no value: a format
# suffix (two spellings, for the two converters), an app label, any path.
DEFAULTS = {"format": ("json", ".json"), "app_label": ("api",), "url": ("no-such-page/",)}


def _fillings(params: list[str], values: dict[str, Any]) -> Iterator[dict[str, str]]:
    options = [[str(values[p])] if p in values else list(DEFAULTS.get(p, ("1",))) for p in params]
    combos: list[dict[str, str]] = [{}]
    for name, choices in zip(params, options, strict=True):
        combos = [{**combo, name: choice} for combo in combos for choice in choices]
    yield from combos


def routes() -> list[Route]:
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            regex = pattern.pattern.regex.pattern.removeprefix("^")
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, (namespace, pattern.namespace)))
                walk(pattern.url_patterns, prefix + regex, inner)
                continue
            name = pattern.name
            key = f"{namespace}:{name}" if namespace and name else name or f"<unnamed {prefix + regex}>"
            found.append(Route(key, prefix + regex, pattern.callback, namespace))

    walk(get_resolver().url_patterns, "", "")
    return found


def route_methods() -> list[tuple[Route, str]]:
    """Every (route, method) pair of settings.ROOT_URLCONF, one route per key and pattern."""
    return [(route, method) for route in routes() for method in route.methods()]


def expectation_keys() -> set[tuple[str, str]]:
    """What the expectation table must hold: (route key, method), admin routes as one entry."""
    return {(f"{ADMIN}:*" if route.is_admin else route.key, method) for route, method in route_methods()}


def graphql_fields(schema: GraphQLSchema) -> set[str]:
    """Every root field: ``Query.me``, ``Mutation.createExample``, ..."""
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return {f"{root.name}.{name}" for root in roots if root is not None for name in root.fields}


# The database, all of it


def database_dump() -> dict[str, Counter]:
    """Every row of every table, as a multiset of full rows: equal dumps mean an unchanged database."""
    dump = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            # Table names come from introspection, quoted: no client input here.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = tuple(column[0] for column in cursor.description)
            dump[table] = Counter(tuple(zip(columns, row, strict=True)) for row in cursor.fetchall())
    return dump


def owner_of_row(table: str, row: tuple) -> int | None:
    """The user a row belongs to, where the row says so: None for rows of nobody in particular."""
    values = dict(row)
    if table == "auth_user":
        return values["id"]
    if "user_id" in values:
        return values["user_id"]
    if "owner_id" in values:  # a project
        return values["owner_id"]
    if table == "django_session":
        user_id = SessionStore().decode(values["session_data"]).get("_auth_user_id")
        return int(user_id) if user_id is not None else None
    return None


def changed_rows(before: dict[str, Counter], after: dict[str, Counter]) -> list[tuple[str, str, tuple]]:
    """(table, "added"/"removed", row) for every row that differs; a changed row is both."""
    changes = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, Counter()), after.get(table, Counter())
        changes += [(table, "removed", row) for row in (old - new).elements()]
        changes += [(table, "added", row) for row in (new - old).elements()]
    return changes


def describe(changes: list[tuple[str, str, tuple]]) -> str:
    return "\n".join(f"  {table}: {how} {dict(row)}" for table, how, row in changes[:20])


def secret_leaks(body: bytes, secrets: list[str]) -> list[str]:
    """The secrets (as JSON or raw text) that appear in a response body."""
    text = body.decode("utf-8", errors="replace")
    unescaped = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return [secret for secret in secrets if secret in text or secret in unescaped]
